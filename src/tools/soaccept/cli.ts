import { syscallTool } from '../../core/kit/syscli.js';
import { SOACCEPT } from './lib.js';

export default syscallTool(SOACCEPT, {
  summary: 'each accept() call: process, listener port, peer, new fd, wait and result (EAGAIN)',
  replaces: 'soaccept (BPF Performance Tools), tcpaccept (BCC) — with the queue left and the wait',
  example: 'netdx soaccept -L 8080 -D 40000',
  columns: [
    { header: 'LPORT', get: (e) => e.lport || '-', align: 'right', width: 5 },
    { header: 'RADDR', get: (e) => e.raddr, width: 15 },
    { header: 'RPORT', get: (e) => e.rport || '-', align: 'right', width: 5 },
    { header: 'FD', get: (e) => (e.newfd >= 0 ? e.newfd : '-'), align: 'right', width: 4 },
  ],
});
