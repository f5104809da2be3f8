// Time: the one abortable sleep, and the kernel's clock. bpf_ktime_get_ns() is CLOCK_MONOTONIC,
// as is libuv's hrtime (process.hrtime), so an event's time maps to wall time through one offset
// taken once: a tool prints when something happened, not when it got round to printing it.
import { NetdxError } from './errors.js';

/**
 * Resolves after `ms`, or at once when `signal` aborts (or already had). Its abort listener goes
 * with it: a loop of sleeps on one signal adds none (Node warns past 10 listeners).
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** CLOCK_MONOTONIC now, in ns: the clock of bpf_ktime_get_ns(). */
export function monotonicNs(): bigint {
  return process.hrtime.bigint();
}

let offsetMs: number | undefined;

/** Wall-clock milliseconds (as Date.now()) of a CLOCK_MONOTONIC time in ns. */
export function wallMsOf(monoNs: bigint | number): number {
  offsetMs ??= Date.now() - Number(process.hrtime.bigint()) / 1e6;
  return offsetMs + Number(monoNs) / 1e6;
}

/** HH:MM:SS of a CLOCK_MONOTONIC time, in local time (BCC's -T column). */
export function clockOf(monoNs: bigint | number): string {
  return new Date(wallMsOf(monoNs)).toTimeString().slice(0, 8);
}

/** The longest interval any tool samples over (-i), and the doctor's longest window (-d). */
export const MAX_INTERVAL_S = 3600;

/** An interval option checked the same way in every tool: above 0, at most MAX_INTERVAL_S. */
export function checkInterval(seconds: number, flag = '-i'): number {
  if (!(seconds > 0 && seconds <= MAX_INTERVAL_S)) {
    throw new NetdxError('E_USAGE', `parsing ${flag}: SECONDS must be above 0 and at most ${MAX_INTERVAL_S}, not ${seconds}`);
  }
  return seconds;
}
