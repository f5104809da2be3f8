// Interval probes around a workload: several probes (ways of attaching, filters) started before
// it, each sampled once after it, and all stopped whatever happens.
import type { LostEvents } from '../core/bpf/object.js';

/** What is used of an interval probe (core/kit/interval.ts IntervalProbe, whatever its options). */
interface Sampler<R> { readonly via: string; sample(): R; stop(): unknown; lost(): LostEvents }

export interface Sampled<R, T> {
  /** One report per probe, in the order of `starts`. */
  reports: R[];
  /** What `during` returned. */
  app: T;
  /** Each probe's way of attaching, and what it could not count. */
  vias: string[];
  lost: LostEvents[];
}

/** Starts every probe, runs `during`, samples each once, and stops them all (on any path). */
export async function sampleAround<R, T>(starts: ReadonlyArray<() => Sampler<R>>, during: () => Promise<T>): Promise<Sampled<R, T>> {
  const probes: Array<Sampler<R>> = [];
  try {
    for (const s of starts) probes.push(s());
    const app = await during();
    const reports = probes.map((p) => p.sample());
    return { reports, app, vias: probes.map((p) => p.via), lost: probes.map((p) => p.lost()) };
  } finally {
    for (const p of probes) p.stop();
  }
}
