import { syscallTool } from '../../core/kit/syscli.js';
import { BINDSNOOP, optLetters } from './lib.js';

export default syscallTool(BINDSNOOP, {
  summary: 'each bind() call: process, address, port, protocol, socket options and result',
  replaces: 'bindsnoop (BCC, libbpf-tools) — on syscall tracepoints, with unix paths',
  example: 'netdx bindsnoop -L 80,443',
  columns: [
    { header: 'ADDR', get: (e) => e.addr, width: 15 },
    { header: 'PORT', get: (e) => e.bound_port || e.port || '-', align: 'right', width: 5 },
    { header: 'OPTS', get: (e) => optLetters(e.opts), width: 5 },
    { header: 'IF', get: (e) => e.ifindex || '-', align: 'right', width: 3 },
  ],
});
