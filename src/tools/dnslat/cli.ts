import { eventTool } from '../../core/kit/cli.js';
import { ndjson } from '../../core/output.js';
import { DNSLAT, DnsNameSummary } from './lib.js';

export default eventTool({
  name: 'dnslat',
  layer: 'ip',
  summary: 'each DNS query sent over UDP and its answer, seen on the wire: name, latency, rcode',
  replaces: 'gethostlatency for resolvers without libc; dnstop, tcpdump port 53',
  spec: DNSLAT,
  examples: ['netdx dnslat', 'netdx dnslat -s -d 60', 'netdx dnslat -D 53,8053 --json'],
  options: {
    summary: { type: 'bool', short: 's', help: 'a table per name and type at the end (answers, latency, rcodes, no answer)' },
  },
  tracing: 'DNS queries and answers (UDP port 53, or -D)',
  nouns: { events: 'answers', untracked: 'queries not followed' },
  aggregate: () => {
    const s = new DnsNameSummary();
    return {
      add: (e) => s.add(e), finish: (probe) => s.addUnanswered(probe),
      text: () => s.text(), rows: () => s.list() as unknown as Array<Record<string, unknown>>,
    };
  },
  columns: () => [
    { header: 'PID', get: (e) => (e.pid ? e.pid : '-'), width: 7 },
    { header: 'COMM', get: (e) => e.comm || '-', width: 15 },
    { header: 'SERVER', get: (e) => e.server, width: 15 },
    { header: 'ID', get: (e) => e.id, align: 'right', width: 5 },
    { header: 'LAT_MS', get: (e) => e.latency_ms.toFixed(3), align: 'right', width: 9 },
    { header: 'RCODE', get: (e) => e.rcode, width: 8 },
    { header: 'TYPE', get: (e) => e.type, width: 5 },
    { header: 'NAME', get: (e) => e.name },
  ],
  json: (e) => ndjson(e),
  time: (e) => e.ts_ns,
});
