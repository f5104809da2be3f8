import { eventTool } from '../../core/kit/cli.js';
import { ndjson } from '../../core/output.js';
import { TCPCONNECT } from './lib.js';

export default eventTool({
  name: 'tcpconnect',
  layer: 'transport',
  summary: 'each active TCP open: process, ends, latency and result (refused, timed out)',
  replaces: 'tcpconnect and tcpconnlat (BCC, libbpf-tools) — on a tracepoint, with the outcome',
  spec: TCPCONNECT,
  options: {
    failed: { type: 'bool', short: 'x', help: 'only connects that failed' },
  },
  tracing: 'TCP connects',
  nouns: { events: 'connects', untracked: 'connects not followed' },
  examples: ['netdx tcpconnect', 'netdx tcpconnect -x -d 60', 'netdx tcpconnect -D 5432 --json'],
  columns: () => [
    { header: 'PID', get: (e) => (e.pid ? e.pid : '-'), width: 7 },
    { header: 'COMM', get: (e) => e.comm || '-', width: 15 },
    { header: 'IP', get: (e) => e.family, width: 2 },
    { header: 'SADDR', get: (e) => e.saddr, width: 15 },
    { header: 'SPORT', get: (e) => e.sport, align: 'right', width: 5 },
    { header: 'DADDR', get: (e) => e.daddr, width: 15 },
    { header: 'DPORT', get: (e) => e.dport, align: 'right', width: 5 },
    { header: 'LAT_MS', get: (e) => e.latency_ms.toFixed(3), align: 'right', width: 8 },
    { header: 'RESULT', get: (e) => e.result },
  ],
  json: (e) => ndjson(e),
  time: (e) => e.ts_ns,
});
