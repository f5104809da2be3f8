import { syscallHistTool } from '../../core/kit/syscli.js';
import { SOCONNLAT } from './lib.js';

export default syscallHistTool(SOCONNLAT, {
  summary: 'connect latency histograms, per process or for all, non-blocking connects included',
  replaces: 'soconnlat (BPF Performance Tools), tcpconnlat (BCC) — in the kernel, TCP to its outcome',
  examples: ['netdx soconnlat -i 1', 'netdx soconnlat -P -d 10', 'netdx soconnlat -D 443 -i 5 -c 3 --json'],
  what: 'connect latency',
  unit: 'connects',
});
