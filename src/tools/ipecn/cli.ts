import { NetdxError } from '../../core/errors.js';
import { intervalTool, numberColumns } from '../../core/kit/cli.js';
import { renderTable, type Column } from '../../core/output.js';
import type { OptionSpecs } from '../../core/tool.js';
import { IPECN, type IpEcnDevice, type IpEcnFlow, type IpEcnReport } from './lib.js';

const total = (d: IpEcnDevice) => d.not_ect + d.ect1 + d.ect0 + d.ce;

const DEVICES: ReadonlyArray<Column<IpEcnDevice>> = [
  { header: 'NETNS', get: (d) => d.netns },
  { header: 'DEV', get: (d) => d.dev },
  { header: 'IP', get: (d) => d.family },
  { header: 'PACKETS', get: total, align: 'right' },
  ...numberColumns<IpEcnDevice>([['NOT_ECT', 'not_ect'], ['ECT1', 'ect1'], ['ECT0', 'ect0'], ['CE', 'ce']]),
  { header: 'CE%', get: (d) => (total(d) ? ((100 * d.ce) / total(d)).toFixed(1) : '0.0'), align: 'right' },
];

const PROTOS: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmp6', 132: 'sctp' };

const FLOWS: ReadonlyArray<Column<IpEcnFlow>> = [
  { header: 'SADDR', get: (f) => f.saddr, cap: 15 },
  { header: 'DADDR', get: (f) => f.daddr, cap: 15 },
  { header: 'PROTO', get: (f) => PROTOS[f.proto] ?? String(f.proto) },
  { header: 'CE', get: (f) => f.ce, align: 'right' },
];

const OPTIONS = {
  top: { type: 'int', arg: 'N', help: 'CE-marked flows in the table (--json: all)', default: 10 },
} as const satisfies OptionSpecs;

export default intervalTool<IpEcnReport, typeof OPTIONS>({
  name: 'ipecn',
  layer: 'ip',
  summary: 'received IP packets by ECN codepoint per device (CE marks: congestion), CE per flow',
  replaces: 'ipecn.bt (BPF Performance Tools, a kprobe on ip_rcv), IPv6 too — on tracepoints only',
  spec: IPECN,
  options: OPTIONS,
  tracing: 'ECN codepoints of received IP packets',
  examples: ['netdx ipecn -i 1', 'netdx ipecn --netns shop -d 10', 'netdx ipecn -6 -i 5 -c 3 --json'],
  check(o) {
    if (o.top < 0) throw new NetdxError('E_USAGE', `parsing --top: N must be 0 or more, not ${o.top}`);
  },
  render(r, o) {
    if (!r.devices.length) return 'no IP packet received in this interval\n';
    let out = renderTable(DEVICES, r.devices);
    if (r.ce_flows.length && o.top > 0) {
      out += `\nCE-marked packets by flow${r.ce_flows.length > o.top ? ` (top ${o.top} of ${r.ce_flows.length})` : ''}:\n`;
      out += renderTable(FLOWS, r.ce_flows.slice(0, o.top));
    }
    return out + '\n';
  },
  json: (r) => ({ devices: r.devices, ce_flows: r.ce_flows }),
});
