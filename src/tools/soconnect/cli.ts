import { connectColumns, syscallTool } from '../../core/kit/syscli.js';
import { SOCONNECT } from './lib.js';

export default syscallTool(SOCONNECT, {
  summary: 'each connect() call, any protocol: process, fd, destination, latency and result',
  replaces: 'soconnect (BPF Performance Tools, bpftrace) — every family, the local port, errno names',
  example: 'netdx soconnect -D 53,443 -4',
  columns: connectColumns(),
});
