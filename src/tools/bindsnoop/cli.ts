import { syscallTool } from '../../core/kit/syscli.js';
import { BINDSNOOP, optLetters } from './lib.js';

export default syscallTool({
  name: 'bindsnoop',
  layer: 'socket',
  summary: 'each bind() call: process, address, port, protocol, socket options and result',
  replaces: 'bindsnoop (BCC, libbpf-tools) — on syscall tracepoints, with unix paths',
  spec: BINDSNOOP,
  tracing: 'bind() calls',
  examples: ['netdx bindsnoop', 'netdx bindsnoop -x -T', 'netdx bindsnoop -L 80,443 --json'],
  columns: [
    { header: 'ADDR', get: (e) => e.addr, width: 15 },
    { header: 'PORT', get: (e) => (e.bound_port || e.port || '-'), align: 'right', width: 5 },
    { header: 'OPTS', get: (e) => optLetters(e.opts), width: 5 },
    { header: 'IF', get: (e) => e.ifindex || '-', align: 'right', width: 3 },
  ],
});
