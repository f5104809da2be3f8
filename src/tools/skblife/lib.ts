// skblife as a library: how long socket buffers live, from allocation to free, per kind (how
// made, fast-clone or not, freed or recycled), as log2 histograms aggregated in the kernel and
// read per interval. It needs fentry/fexit or kprobes (no tracepoint sees both ends of an skb):
// on a kernel with neither, starting it fails with what is missing (exit 2 from the CLI).
import { structDecoder } from '../../core/bpf/struct.js';
import { log2Buckets, type Histogram } from '../../core/hist.js';
import { startInterval, type IntervalProbe, type IntervalSpec } from '../../core/kit/interval.js';
import { skblife_key, skblife_val } from './skblife.h.js';

export interface SkbLifeStat {
  /** How it was made: '__alloc_skb', 'build_skb' or 'napi_build_skb'. */
  alloc: string;
  /** A fast-clone skb (TCP's send path: the original and its clone allocated together). */
  fclone: boolean;
  /** How it ended: 'freed' (to the slab cache) or 'recycled' (into the CPU's NAPI cache). */
  end: 'freed' | 'recycled';
  /** skbs that ended in the interval. */
  count: number;
  total_ns: number;
  /** Each lifetime, µs. */
  hist: Histogram;
}

export interface SkbLifeReport {
  seconds: number;
  /** By kind, most first. */
  kinds: SkbLifeStat[];
}

const ALLOCS = ['__alloc_skb', 'build_skb', 'napi_build_skb'];
const key = structDecoder(skblife_key);
const val = structDecoder(skblife_val);
const view = (b: Buffer) => new DataView(b.buffer, b.byteOffset, b.length);

/** fentry/fexit first, then kprobes; the build_skb kinds and the NAPI recycling are optional. */
export const SKBLIFE: IntervalSpec<SkbLifeReport> = {
  name: 'skblife',
  object: 'skblife',
  hooks: ['fentry', 'kprobe'],
  variants: (['fentry', 'kprobe'] as const).map((via) => {
    const sfx = via === 'fentry' ? { born: 'fexit', end: 'fentry' } : { born: 'kret', end: 'kprobe' };
    return {
      via,
      programs: [`skblife_alloc_${sfx.born}`, `skblife_free_${sfx.end}`],
      optional: [`skblife_build_${sfx.born}`, `skblife_napi_build_${sfx.born}`, `skblife_recycle_${sfx.end}`],
    };
  }),
  collect(obj, seconds) {
    const kinds = obj.map('hists').drain().map(([kb, vb]): SkbLifeStat => {
      const k = key(view(kb), 0);
      const v = val(view(vb), 0);
      return {
        alloc: ALLOCS[k.alloc] ?? String(k.alloc), fclone: k.fclone === 1, end: k.end === 1 ? 'recycled' : 'freed',
        count: v.count, total_ns: v.total_ns, hist: { unit: 'usecs', buckets: log2Buckets(v.slots) },
      };
    });
    kinds.sort((a, b) => b.count - a.count);
    return { seconds, kinds };
  },
};

/** Starts measuring (attached when this returns); sample() reads and resets one interval. */
export function startSkbLife(opts: { via?: 'fentry' | 'kprobe' } = {}): IntervalProbe<SkbLifeReport> {
  return startInterval(SKBLIFE, { via: opts.via });
}
