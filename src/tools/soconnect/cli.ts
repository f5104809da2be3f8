import { eventTool } from '../../core/kit/cli.js';
import { ndjson } from '../../core/output.js';
import { SYSCALL_NOUNS, SYSCALL_OPTIONS } from '../../core/kit/sys.js';
import { SOCONNECT } from './lib.js';

export default eventTool({
  name: 'soconnect',
  layer: 'socket',
  summary: 'each connect() call, any protocol: process, fd, destination, latency and result',
  replaces: 'soconnect (BPF Performance Tools, bpftrace) — every family, the local port, errno names',
  spec: SOCONNECT,
  options: SYSCALL_OPTIONS,
  tracing: 'connect() calls',
  nouns: SYSCALL_NOUNS,
  examples: ['netdx soconnect', 'netdx soconnect -x -d 60', 'netdx soconnect -D 53,443 --json'],
  columns: () => [
    { header: 'PID', get: (e) => e.pid, width: 7 },
    { header: 'COMM', get: (e) => e.comm || '-', width: 15 },
    { header: 'FD', get: (e) => e.fd, align: 'right', width: 4 },
    { header: 'PROTO', get: (e) => e.proto, width: 11 },
    { header: 'DADDR', get: (e) => e.daddr, width: 15 },
    { header: 'DPORT', get: (e) => (e.dport ? e.dport : '-'), align: 'right', width: 5 },
    { header: 'LPORT', get: (e) => (e.lport ? e.lport : '-'), align: 'right', width: 5 },
    { header: 'LAT_MS', get: (e) => e.latency_ms.toFixed(3), align: 'right', width: 8 },
    { header: 'RESULT', get: (e) => e.result },
  ],
  json: (e) => ndjson(e),
  time: (e) => e.ts_ns,
});
