// Event probes: a BPF tool that sends one record per event through a ring buffer is a small
// definition (object, ways to attach, ring, decoder); this runs it. Library callers (the doctor,
// the exporter, tests) get typed events through a callback and stop it when done; the CLI loop
// for such tools is kit/cli.ts. Every ring is drained by the process's one poller.
import type { BpfMap } from '../bpf/map.js';
import type { LostEvents } from '../bpf/object.js';
import { DEFAULT_POLL_MS, type RingBufReader } from '../bpf/ringbuf.js';
import { loadProbe, type Loaded, type LoadOptions, type ProbeSpec } from './load.js';
import type { Probe } from '../finding.js';

export interface EventSpec<E, O = unknown> extends ProbeSpec<O> {
  /** The ring buffer map (default 'events'). */
  ring?: string;
  /** One record to an event; `len` is the record's length. */
  decode(dv: DataView, off: number, len: number): E;
}

export interface EventProbeOptions<O = unknown> extends LoadOptions<O> {
  /** Drain the ring every pollMs on the shared poller (default 10); 0 leaves it to poll(). */
  pollMs?: number;
  /** Told of each record that could not be decoded or handled (counted in `failed`). */
  onError?: (err: unknown) => void;
}

export class EventProbe<E> {
  readonly via: string;
  readonly notes: string[];
  private readonly reader: RingBufReader;
  private readonly loaded: Loaded;
  private final: LostEvents | undefined;

  constructor(readonly spec: EventSpec<E, never>, onEvent: (e: E) => void, opts: EventProbeOptions<unknown>) {
    this.loaded = loadProbe(spec as ProbeSpec<unknown>, opts);
    this.via = this.loaded.via;
    this.notes = this.loaded.notes;
    const decode = spec.decode;
    try {
      this.reader = this.loaded.obj.ringbuf(spec.ring ?? 'events', (dv, off, len) => onEvent(decode(dv, off, len)), { onError: opts.onError });
    } catch (e) {
      this.loaded.obj.close();
      throw e;
    }
    const pollMs = opts.pollMs ?? DEFAULT_POLL_MS;
    if (pollMs > 0) this.reader.start(pollMs);
  }

  /** Reads what is in the ring now (the shared poller does this every pollMs). */
  poll(): number { return this.reader.poll(); }

  /** Events delivered so far. */
  get events(): number { return this.reader.records; }

  /** Records whose decoding or handling threw. */
  get failed(): number { return this.reader.failed; }

  /** A map of the probe's object: to share its ring or owner cache with another probe. */
  map(name: string): BpfMap { return this.loaded.obj.map(name); }

  /** Events the kernel could not deliver, by cause. */
  lost(): LostEvents { return this.final ?? this.loaded.obj.lostEvents(); }

  /** Runs of the probe's programs the kernel skipped (BpfObject.skippedRuns); final after stop(). */
  skipped(): number { return this.loaded.obj.skippedRuns(); }

  /**
   * Delivers what is left, detaches and frees everything; safe to call again. `beforeClose` runs
   * once the last event is delivered, while the maps can still be read (what is still pending).
   */
  stop(beforeClose?: () => void): LostEvents {
    if (!this.final) {
      const obj = this.loaded.obj;
      obj.detach(); // no event after this one...
      this.reader.poll(); // ...so every event sent is delivered
      try { beforeClose?.(); } finally { obj.close(); }
      this.final = obj.lostEvents(); // the counts read at close
    }
    return this.final;
  }
}

/** Starts an event probe: attached, and (unless pollMs is 0) drained on the shared poller. */
export function startEvents<E, O>(spec: EventSpec<E, O>, onEvent: (e: E) => void, opts: EventProbeOptions<O> = {}): EventProbe<E> {
  return new EventProbe<E>(spec as unknown as EventSpec<E, never>, onEvent, opts as EventProbeOptions<unknown>);
}

/**
 * An event probe as a Probe (core/finding.ts): events gathered in memory, sample() returns those
 * since the last sample, for code that samples over a window (the doctor, exporters). At most
 * `limit` events are kept between samples; more are counted in `dropped`.
 */
export class EventCollector<E> implements Probe<E[]> {
  private buf: E[] = [];
  private readonly probe: EventProbe<E>;
  /** Events that arrived while `limit` were already waiting. */
  dropped = 0;

  constructor(spec: EventSpec<E, never>, opts: EventProbeOptions<unknown>, private readonly limit = 100_000) {
    this.probe = new EventProbe<E>(spec, (e) => { if (this.buf.length < this.limit) this.buf.push(e); else this.dropped++; }, opts);
  }

  get name(): string { return this.probe.spec.name; }
  get via(): string { return this.probe.via; }
  get notes(): string[] { return this.probe.notes; }
  lost(): LostEvents { return this.probe.lost(); }
  /** Runs the kernel skipped (EventProbe.skipped). */
  skipped(): number { return this.probe.skipped(); }

  sample(): E[] {
    this.probe.poll();
    const out = this.buf;
    this.buf = [];
    return out;
  }

  stop(): E[] {
    this.probe.stop();
    const out = this.buf;
    this.buf = [];
    return out;
  }
}

export function collectEvents<E, O>(spec: EventSpec<E, O>, opts: EventProbeOptions<O> = {}, limit?: number): EventCollector<E> {
  return new EventCollector<E>(spec as unknown as EventSpec<E, never>, opts as EventProbeOptions<unknown>, limit);
}
