import { syscallTool } from '../../core/kit/syscli.js';
import { SOCONNECT } from './lib.js';

export default syscallTool(SOCONNECT, {
  summary: 'each connect() call, any protocol: process, fd, destination, latency and result',
  replaces: 'soconnect (BPF Performance Tools, bpftrace) — every family, the local port, errno names',
  example: 'netdx soconnect -D 53,443 -4',
  columns: [
    { header: 'FD', get: (e) => e.fd, align: 'right', width: 4 },
    { header: 'DADDR', get: (e) => e.daddr, width: 15 },
    { header: 'DPORT', get: (e) => e.dport || '-', align: 'right', width: 5 },
    { header: 'LPORT', get: (e) => e.lport || '-', align: 'right', width: 5 },
  ],
});
