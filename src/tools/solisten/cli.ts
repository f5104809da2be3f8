import { syscallTool } from '../../core/kit/syscli.js';
import { SOLISTEN } from './lib.js';

export default syscallTool(SOLISTEN, {
  summary: 'each listen() call: process, address, port, backlog asked and the limit set',
  replaces: 'solisten (BCC) — on syscall tracepoints, with the effective backlog',
  example: 'netdx solisten -L 8080 -p 1234',
  columns: [
    { header: 'LADDR', get: (e) => e.laddr, width: 15 },
    { header: 'LPORT', get: (e) => e.lport || '-', align: 'right', width: 5 },
    { header: 'BACKLOG', get: (e) => e.backlog, align: 'right', width: 7 },
    { header: 'LIMIT', get: (e) => (e.err ? '-' : e.max_backlog), align: 'right', width: 5 },
  ],
});
