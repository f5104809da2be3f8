import { eventTool } from '../../core/kit/cli.js';
import { ndjson } from '../../core/output.js';
import { TCPWIN, type TcpWinEvent } from './lib.js';

export default eventTool({
  name: 'tcpwin',
  layer: 'transport',
  summary: 'TCP send-side state per received segment: cwnd, ssthresh, peer window, srtt, buffers',
  replaces: 'tcpwin (bpftrace, BPF Performance Tools) — on tcp:tcp_probe, sampled per socket',
  spec: TCPWIN,
  options: {
    interval: { type: 'number', short: 'I', arg: 'MS', help: 'one event per socket per MS ms at most (0: every segment)', default: 100 },
  },
  tracing: 'TCP windows',
  examples: ['netdx tcpwin', 'netdx tcpwin -I 0 -L 443', 'netdx tcpwin -p 1234 -I 1000 --json'],
  // 100 columns with -T: SRTT in µs, SSTHR '-' while unset
  columns: () => [
    { header: 'PID', get: (e: TcpWinEvent) => (e.pid ? e.pid : '-'), width: 7 },
    { header: 'COMM', get: (e) => e.comm || '-', width: 12 },
    { header: 'LPORT', get: (e) => e.lport, align: 'right', width: 5 },
    { header: 'RADDR', get: (e) => e.raddr, width: 15 },
    { header: 'RPORT', get: (e) => e.rport, align: 'right', width: 5 },
    { header: 'CWND', get: (e) => e.cwnd, align: 'right', width: 4 },
    { header: 'SSTHR', get: (e) => e.ssthresh ?? '-', align: 'right', width: 6 },
    { header: 'SND_WND', get: (e) => e.snd_wnd, align: 'right', width: 7 },
    { header: 'SRTT', get: (e) => e.srtt_us, align: 'right', width: 6 },
    { header: 'SNDBUF', get: (e) => e.sndbuf, align: 'right', width: 7 },
    { header: 'WQUEUED', get: (e) => e.wmem_queued, align: 'right', width: 7 },
  ],
  json: (e) => ndjson(e),
  time: (e) => e.ts_ns,
});
