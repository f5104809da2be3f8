import { existsSync } from 'node:fs';
import { NetdxError } from '../../core/errors.js';
import { eventTool } from '../../core/kit/cli.js';
import { ndjson } from '../../core/output.js';
import { GETHOSTLATENCY } from './lib.js';

export default eventTool({
  name: 'gethostlatency',
  layer: 'socket',
  summary: 'each getaddrinfo/gethostbyname* call: process, name asked, latency and result',
  replaces: 'gethostlatency (BCC, libbpf-tools, bpftrace), in the libc each process maps',
  spec: GETHOSTLATENCY,
  examples: ['netdx gethostlatency', 'netdx gethostlatency -p 1234 --json', 'netdx gethostlatency --libc /proc/1234/root/lib/libc.so.6'],
  options: { libc: { type: 'string', arg: 'PATH', help: 'the libc to trace (default: the one -p PID maps, else the system\'s)' } },
  tracing: 'name lookups',
  nouns: { events: 'lookups', untracked: 'lookups not followed' },
  check(o) {
    if (o.libc !== undefined && !existsSync(o.libc)) throw new NetdxError('E_USAGE', `parsing --libc: no file ${o.libc}`);
  },
  columns: () => [
    { header: 'PID', get: (e) => e.pid, width: 7 },
    { header: 'TID', get: (e) => e.tid, width: 7 },
    { header: 'COMM', get: (e) => e.comm, width: 15 },
    { header: 'FUNC', get: (e) => e.func, width: 11 },
    { header: 'LAT_MS', get: (e) => e.latency_ms.toFixed(3), align: 'right', width: 9 },
    { header: 'RESULT', get: (e) => e.result, width: 12 },
    { header: 'HOST', get: (e) => e.host },
  ],
  json: (e) => ndjson(e),
  time: (e) => e.ts_ns,
});
