// For the tests of the syscall latency tools (core/kit/sys.ts): their probe, filtered to a test's
// namespace with a histogram per process, around what the test runs there.
import assert from 'node:assert/strict';
import type { Netns } from './kernel.js';
import { netnsInode } from '../core/kit/filter.js';
import { startInterval } from '../core/kit/interval.js';
import type { IntervalSpec } from '../core/kit/interval.js';
import type { SyscallHist, SyscallHistOptions, SyscallHistReport } from '../core/kit/sys.js';

/** The histograms of what `during` did in `ns` (one interval around it, per process); nothing may be lost. */
export function histsDuring<T>(spec: IntervalSpec<SyscallHistReport, SyscallHistOptions>, ns: Netns, during: () => T): { hists: SyscallHist[]; app: T } {
  const probe = startInterval(spec, { filter: { netns: netnsInode(ns.name) }, options: { pids: true } });
  try {
    probe.sample();
    const app = during();
    return { hists: probe.sample().hists, app };
  } finally {
    probe.stop();
    assert.deepEqual(probe.lost(), { full: 0, refused: 0, untracked: 0 }, 'nothing lost');
  }
}
