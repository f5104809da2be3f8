// Interval probes: a BPF tool that aggregates in the kernel (histograms, tops, counts) is a small
// definition (object, ways to attach, and how to read and reset one interval's maps); this runs
// it. sample() returns what the kernel aggregated since the last sample and starts the next
// interval; the CLI loop (-i, -c) is kit/cli.ts.
import type { BpfObject, LostEvents } from '../bpf/object.js';
import type { Probe } from '../finding.js';
import { loadProbe, type Loaded, type LoadOptions, type ProbeSpec } from './load.js';

export interface IntervalSpec<R, O = unknown> extends ProbeSpec<O> {
  /**
   * Reads and resets the kernel's aggregation (BpfMap.drain: batched lookup-and-delete) and
   * returns one interval's report, `seconds` long.
   */
  collect(obj: BpfObject, seconds: number, opts: O): R;
  /**
   * Called once the programs are attached, before the first interval: takes the baseline of what
   * collect() reads beside the maps (counters from netlink, say), kept by the object.
   */
  started?(obj: BpfObject, opts: O): void;
}

export class IntervalProbe<R, O = unknown> implements Probe<R> {
  readonly via: string;
  readonly notes: string[];
  private readonly loaded: Loaded;
  private last: bigint;
  private final: R | undefined;
  /** The measured length of the interval the last sample() covered, in seconds. */
  lastSeconds = 0;

  get name(): string { return this.spec.name; }

  constructor(readonly spec: IntervalSpec<R, O>, private readonly opts: LoadOptions<O>) {
    this.loaded = loadProbe(spec, opts);
    this.via = this.loaded.via;
    this.notes = this.loaded.notes;
    try {
      spec.started?.(this.loaded.obj, opts.options as O);
    } catch (e) {
      this.loaded.obj.close();
      throw e;
    }
    this.last = process.hrtime.bigint();
  }

  /** What the kernel aggregated since the last sample (or start); starts the next interval. */
  sample(): R {
    if (this.final !== undefined) return this.final;
    const now = process.hrtime.bigint();
    const secs = Number(now - this.last) / 1e9;
    this.last = now;
    this.lastSeconds = secs;
    return this.spec.collect(this.loaded.obj, secs, this.opts.options as O);
  }

  /** Events the kernel could not aggregate (a full map), by cause; after stop(), the final counts. */
  lost(): LostEvents { return this.loaded.obj.lostEvents(); }

  /** Runs of the probe's programs the kernel skipped (BpfObject.skippedRuns); final after stop(). */
  skipped(): number { return this.loaded.obj.skippedRuns(); }

  /** Detaches, takes the last interval's report and frees everything; safe to call again. */
  stop(): R {
    if (this.final === undefined) {
      this.loaded.obj.detach();
      const r = this.sample();
      this.loaded.obj.close();
      this.final = r;
    }
    return this.final;
  }
}

export function startInterval<R, O>(spec: IntervalSpec<R, O>, opts: LoadOptions<O> = {}): IntervalProbe<R, O> {
  return new IntervalProbe(spec, opts);
}
