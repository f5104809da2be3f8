import { intervalTool } from '../../core/kit/cli.js';
import { renderHistogram } from '../../core/hist.js';
import { TCPCONNLAT } from './lib.js';

export default intervalTool({
  name: 'tcpconnlat',
  layer: 'transport',
  summary: 'TCP connect latency (SYN sent to ESTABLISHED) as log2 histograms, per remote port',
  replaces: 'tcpconnlat (BCC, libbpf-tools) as a histogram in the kernel — on a tracepoint',
  spec: TCPCONNLAT,
  options: {
    perPort: { type: 'bool', short: 'P', help: 'one histogram per remote port' },
  },
  tracing: 'TCP connect latency',
  examples: ['netdx tcpconnlat -i 5', 'netdx tcpconnlat -P -D 443,5432 -d 60', 'netdx tcpconnlat --netns blue --json'],
  render(r, o) {
    if (!r.hists.length) return 'no connect succeeded\n';
    return r.hists.map((h) => `${o.perPort ? `remote port = ${h.port}, ` : ''}connects = ${h.count}\n${renderHistogram(h.hist)}`).join('\n') + '\n';
  },
  json: (r) => ({ hists: r.hists }),
});
