// softirqs as a library: the time each softirq run takes, per vector and CPU, aggregated in the
// kernel (count, exact total, log2 histogram in µs) and read per interval. The doctor and the
// exporter call startSoftirqs() and sample(); cli.ts only renders.
import { numPossibleCpus } from '../../core/bpf/map.js';
import { structDecoder } from '../../core/bpf/struct.js';
import { NetdxError } from '../../core/errors.js';
import { log2Buckets, type Histogram } from '../../core/hist.js';
import { startInterval, type IntervalProbe, type IntervalSpec } from '../../core/kit/interval.js';
import { softirqs_key, softirqs_val } from './softirqs.h.js';

/** Vector names in the kernel's order (softirq_to_name[], kernel/softirq.c), lower case as BCC. */
export const SOFTIRQ_NAMES = ['hi', 'timer', 'net_tx', 'net_rx', 'block', 'irq_poll', 'tasklet', 'sched', 'hrtimer', 'rcu'] as const;

export interface SoftirqStat {
  /** 'net_rx', 'net_tx', ... (SOFTIRQ_NAMES). */
  vec: string;
  cpu: number;
  /** Runs that ended in the interval. */
  count: number;
  /** Their summed time, ns. */
  total_ns: number;
  /** Each run's time, in µs ('usecs'). */
  hist: Histogram;
}

export interface SoftirqsReport {
  /** The interval's measured length. */
  seconds: number;
  /** The (vector, CPU) pairs that ran, by vector number then CPU. */
  softirqs: SoftirqStat[];
}

export interface SoftirqsOptions {
  /** Every vector, not only NET_RX and NET_TX. */
  all?: boolean;
  /** Only this CPU. */
  cpu?: number;
}

export type SoftirqsVia = 'raw_tp' | 'tracepoint' | 'tp_btf';

function onlyCpu(cpu: number | undefined): number {
  if (cpu === undefined) return -1;
  const n = numPossibleCpus();
  if (!Number.isInteger(cpu) || cpu < 0 || cpu >= n) throw new NetdxError('E_USAGE', `choosing CPU ${cpu}: this machine's CPUs are 0-${n - 1}`);
  return cpu;
}

const key = structDecoder(softirqs_key);
const val = structDecoder(softirqs_val);
const view = (b: Buffer) => new DataView(b.buffer, b.byteOffset, b.length);

// raw_tp first: cheapest per run and exact (the kernel skips a program only when that same
// program is already running on the CPU); the classic tracepoint also skips softirqs that
// interrupt any other kprobe or tracepoint program. tp_btf is exact too, but its load parses the
// kernel's whole BTF.
export const SOFTIRQS: IntervalSpec<SoftirqsReport, SoftirqsOptions> = {
  name: 'softirqs',
  object: 'softirqs',
  hooks: ['raw_tracepoint'],
  variants: [
    { via: 'raw_tp', programs: ['softirqs_entry_raw', 'softirqs_exit_raw'] },
    { via: 'tracepoint', programs: ['softirqs_entry_tp', 'softirqs_exit_tp'] },
    { via: 'tp_btf', programs: ['softirqs_entry_btf', 'softirqs_exit_btf'] },
  ],
  rodata: (o) => ({ all_vecs: !!o.all, only_cpu: onlyCpu(o.cpu) }),
  sizes: () => ({ hists: SOFTIRQ_NAMES.length * numPossibleCpus() }),
  collect(obj, seconds) {
    const rows = obj.map('hists').drain().map(([k, v]) => ({ k: key(view(k), 0), v: val(view(v), 0) }));
    rows.sort((a, b) => a.k.vec - b.k.vec || a.k.cpu - b.k.cpu);
    return {
      seconds,
      softirqs: rows.map(({ k, v }) => ({
        vec: SOFTIRQ_NAMES[k.vec] ?? `vec${k.vec}`, cpu: k.cpu, count: v.count, total_ns: v.total_ns,
        hist: { unit: 'usecs', buckets: log2Buckets(v.slots) },
      })),
    };
  },
};

/** Starts aggregating (attached when this returns); sample() reads and resets one interval. */
export function startSoftirqs(opts: SoftirqsOptions & { via?: SoftirqsVia } = {}): IntervalProbe<SoftirqsReport, SoftirqsOptions> {
  return startInterval(SOFTIRQS, { options: opts, via: opts.via });
}
