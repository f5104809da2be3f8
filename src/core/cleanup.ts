// Process-wide cleanup: BPF links and objects, mmaps, netns handles and child processes
// register a closer here. The closers run once, in reverse order, on normal exit, SIGINT,
// SIGTERM, SIGHUP and uncaught errors, so nothing netdx attached outlives it. (Most BPF
// attachments die with their fds anyway; XDP/tc attachments made through netlink do not.)
import { formatError } from './errors.js';

type Closer = () => void;
const closers = new Map<number, Closer>();
let nextId = 1;
let installed = false;
let ran = false;

export function registerCleanup(fn: Closer): () => void {
  installHandlers();
  const id = nextId++;
  closers.set(id, fn);
  return () => { closers.delete(id); };
}

export function runCleanup(): void {
  if (ran) return;
  ran = true;
  const fns = [...closers.values()].reverse();
  closers.clear();
  for (const fn of fns) {
    try { fn(); } catch { /* keep closing the rest */ }
  }
  ran = false;
}

/** Signal listeners that tools can hook to stop gracefully (print a summary) before exit. */
const stopListeners = new Set<(signal: string) => void>();
export function onStopSignal(fn: (signal: string) => void): () => void {
  installHandlers();
  stopListeners.add(fn);
  return () => { stopListeners.delete(fn); };
}

function installHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runCleanup);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      if (stopListeners.size > 0) {
        // A running tool finishes its output, then returns; main() exits after cleanup.
        for (const fn of [...stopListeners]) fn(sig);
        stopListeners.clear();
        return;
      }
      runCleanup();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
  process.on('uncaughtException', (err) => {
    runCleanup();
    process.stderr.write(`netdx: ${formatError(err)}\n`);
    if (process.env.NETDX_DEBUG) process.stderr.write(`${(err as Error).stack ?? ''}\n`);
    process.exit(1);
  });
  process.on('unhandledRejection', (err) => {
    runCleanup();
    process.stderr.write(`netdx: ${formatError(err)}\n`);
    if (process.env.NETDX_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
    process.exit(1);
  });
}
