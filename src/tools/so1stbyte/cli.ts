import { syscallHistTool } from '../../core/kit/syscli.js';
import { SO1STBYTE } from './lib.js';

export default syscallHistTool(SO1STBYTE, {
  summary: 'time from connect() to the first byte read, histograms per process or for all',
  replaces: 'so1stbyte (BPF Performance Tools) — on tracepoints, aggregated in the kernel',
  examples: ['netdx so1stbyte -i 1', 'netdx so1stbyte -P -D 443 -d 30', 'netdx so1stbyte -i 5 -c 3 --json'],
  what: 'first byte latency',
  unit: 'connections',
  failed: 'ended before a byte',
});
