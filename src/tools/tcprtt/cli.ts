import { intervalTool } from '../../core/kit/cli.js';
import { renderHistogram } from '../../core/hist.js';
import { TCPRTT, type TcpRttHist } from './lib.js';

function title(r: TcpRttHist): string {
  const what = r.raddr !== undefined ? `Remote Address: ${r.raddr}` : r.lport !== undefined ? `Local Port: ${r.lport}` : 'All Addresses';
  return `${what}, ${r.count} segments, avg srtt ${r.avg.toFixed(1)} ${r.hist.unit}`;
}

export default intervalTool({
  name: 'tcprtt',
  layer: 'transport',
  summary: 'log2 histograms of TCP smoothed RTT (srtt): total, per remote address or local port',
  replaces: 'tcprtt (BCC, libbpf-tools) — on the tcp:tcp_probe tracepoint, no kprobe',
  spec: TCPRTT,
  options: {
    milliseconds: { type: 'bool', short: 'm', help: 'milliseconds rather than microseconds' },
    byraddr: { type: 'bool', short: 'b', help: 'one histogram per remote address' },
    bylport: { type: 'bool', help: 'one histogram per local port' },
  },
  tracing: 'TCP RTT',
  examples: ['netdx tcprtt -i 1 -c 5', 'netdx tcprtt -b -m -d 10', 'netdx tcprtt --bylport -L 443 --json'],
  render(r) {
    if (!r.rows.length) return 'No segments.\n';
    return r.rows.map((h) => `${title(h)}\n${renderHistogram(h.hist)}`).join('\n');
  },
  json: (r) => ({ by: r.by, rows: r.rows }),
});
