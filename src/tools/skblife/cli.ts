import { intervalTool, renderRowsWithHistograms, SUMMARY_OPTION } from '../../core/kit/cli.js';
import type { Column } from '../../core/output.js';
import { SKBLIFE, type SkbLifeReport, type SkbLifeStat } from './lib.js';

const COLUMNS: ReadonlyArray<Column<SkbLifeStat>> = [
  { header: 'ALLOC', get: (s) => s.alloc },
  { header: 'FCLONE', get: (s) => (s.fclone ? 'yes' : 'no') },
  { header: 'END', get: (s) => s.end },
  { header: 'COUNT', get: (s) => s.count, align: 'right' },
  { header: 'AVG_US', get: (s) => (s.count ? (s.total_ns / s.count / 1000).toFixed(1) : '-'), align: 'right' },
];

export default intervalTool<SkbLifeReport, typeof SUMMARY_OPTION>({
  name: 'skblife',
  layer: 'device',
  summary: 'skb lifetimes, allocation to free, per kind: log2 histograms (fentry or kprobes)',
  replaces: 'skblife.bt (BPF Performance Tools, kprobes on kmem_cache_alloc/free)',
  spec: SKBLIFE,
  options: SUMMARY_OPTION,
  tracing: 'socket buffer lifetimes',
  examples: ['netdx skblife -d 10', 'netdx skblife -i 5 -c 3 --json'],
  render: (r, o) => renderRowsWithHistograms(COLUMNS, r.kinds, {
    empty: 'no socket buffer ended in this interval', summary: o.summary,
    title: (s) => `lifetime of ${s.alloc}${s.fclone ? ' fclone' : ''} skbs, ${s.end}:`,
  }),
  json: (r) => ({ kinds: r.kinds }),
});
