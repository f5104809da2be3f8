// dnslat as a library: one typed event per DNS answer to a query this host sent over UDP, matched
// on the wire (any resolver: libc, Go, c-ares, dig), with the question, the latency and the rcode;
// and the per-name summary the CLI prints with -s.
import { formatAddr } from '../../core/addr.js';
import { structDecoder } from '../../core/bpf/struct.js';
import type { EventSpec } from '../../core/kit/events.js';
import { renderTable, type Column } from '../../core/output.js';
import type { EventProbe } from '../../core/kit/events.js';
import { dnslat_event, dnslat_query } from './dnslat.h.js';

export interface DnsLatEvent {
  /** The question's name ('' for the root); a name longer than the copy ends in '...'. */
  name: string;
  /** The question's type (A, AAAA, ... or TYPEnnn). */
  type: string;
  /** The DNS message id. */
  id: number;
  /** NOERROR, NXDOMAIN, SERVFAIL, REFUSED, ... or RCODEnn. */
  rcode: string;
  /** First send of the query to its answer. */
  latency_ms: number;
  /** Answer records. */
  answers: number;
  /** The answer was truncated (TC): the client asks again over TCP. */
  truncated: boolean;
  /** Sends of the query (the same id from the same port): more than 1 is a retransmit. */
  tries: number;
  /** The query's sender. */
  pid: number;
  tid: number;
  comm: string;
  /** The devices' network namespace. */
  netns: number;
  family: 4 | 6;
  client: string;
  cport: number;
  server: string;
  sport: number;
  /** The answer's arrival (CLOCK_MONOTONIC ns). */
  ts_ns: number;
}

const TYPES: Record<number, string> = {
  1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV', 35: 'NAPTR',
  41: 'OPT', 43: 'DS', 46: 'RRSIG', 48: 'DNSKEY', 64: 'SVCB', 65: 'HTTPS', 255: 'ANY', 257: 'CAA',
};
const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'];

/** A question as sent (labels, QTYPE, QCLASS), of which `len` bytes were copied: its name and type. */
export function decodeQuestion(b: Uint8Array, len: number): { name: string; type: string } {
  const labels: string[] = [];
  let i = 0;
  for (;;) {
    if (i >= len) return { name: labels.join('.') + '...', type: '?' };
    const n = b[i]!;
    if (n === 0) break;
    if (n & 0xc0) return { name: labels.join('.') + '...', type: '?' }; // no compression in a question
    const end = Math.min(i + 1 + n, len);
    // as dig prints them: a dot or a byte outside printable ASCII escaped
    labels.push(Array.from(b.subarray(i + 1, end), (c) => (c === 0x2e || c === 0x5c ? `\\${String.fromCharCode(c)}`
      : c > 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\${String(c).padStart(3, '0')}`)).join(''));
    if (i + 1 + n > len) return { name: labels.join('.') + '...', type: '?' };
    i += 1 + n;
  }
  const t = i + 2 < len ? (b[i + 1]! << 8) | b[i + 2]! : -1;
  return { name: labels.join('.'), type: t < 0 ? '?' : TYPES[t] ?? `TYPE${t}` };
}

const raw = structDecoder(dnslat_event);

export function decodeDnsLat(dv: DataView, off: number): DnsLatEvent {
  const r = raw(dv, off);
  const family = r.family === 10 ? 6 : 4;
  const q = decodeQuestion(r.qname, r.qlen);
  const rc = r.flags & 0xf;
  return {
    name: q.name, type: q.type, id: r.id, rcode: RCODES[rc] ?? `RCODE${rc}`, latency_ms: r.latency_ns / 1e6,
    answers: r.ancount, truncated: (r.flags & 0x200) !== 0, tries: r.tries,
    pid: r.pid, tid: r.tid, comm: r.comm, netns: r.netns, family,
    client: formatAddr(family, r.caddr), cport: r.cport, server: formatAddr(family, r.saddr), sport: r.sport, ts_ns: r.ts_ns,
  };
}

export const DNSLAT: EventSpec<DnsLatEvent> = {
  name: 'dnslat',
  object: 'dnslat',
  hooks: ['raw_tracepoint', 'ringbuf'],
  filters: ['pid', 'family', 'lport', 'rport', 'netns', 'cgroup'],
  variants: (['raw', 'tp', 'btf'] as const).map((k) => ({
    via: { raw: 'raw_tp', tp: 'tracepoint', btf: 'tp_btf' }[k],
    programs: [`dnslat_tx_${k}`, `dnslat_rx_${k}`],
  })),
  decode: decodeDnsLat,
};

/** Answers per question (name and type): how many, their latency, their rcodes; and the queries
 * that got none. */
export interface DnsNameRow {
  name: string;
  type: string;
  /** Answers. */
  count: number;
  /** Queries still without an answer when the run ended. */
  unanswered: number;
  avg_ms: number;
  max_ms: number;
  /** Answers by rcode. */
  rcodes: Record<string, number>;
  /** Queries sent more than once. */
  retried: number;
}

const query = structDecoder(dnslat_query);
const view = (b: Buffer) => new DataView(b.buffer, b.byteOffset, b.length);

/** The per-name summary of dnslat -s: names with unanswered queries first, then the slowest. */
export class DnsNameSummary {
  private readonly rows = new Map<string, DnsNameRow & { total: number }>();

  private row(name: string, type: string): DnsNameRow & { total: number } {
    const k = `${name}\0${type}`;
    let r = this.rows.get(k);
    if (!r) this.rows.set(k, r = { name, type, count: 0, unanswered: 0, avg_ms: 0, max_ms: 0, rcodes: {}, retried: 0, total: 0 });
    return r;
  }

  add(e: DnsLatEvent): void {
    const r = this.row(e.name, e.type);
    r.count++;
    r.total += e.latency_ms;
    r.avg_ms = r.total / r.count;
    r.max_ms = Math.max(r.max_ms, e.latency_ms);
    r.rcodes[e.rcode] = (r.rcodes[e.rcode] ?? 0) + 1;
    if (e.tries > 1) r.retried++;
  }

  /** Counts the queries the probe still waits an answer for (at the end, once events are in). */
  addUnanswered(probe: EventProbe<DnsLatEvent>): void {
    for (const [, v] of probe.map('pending').entries()) {
      const q = query(view(v), 0);
      const { name, type } = decodeQuestion(q.qname, q.qlen);
      const r = this.row(name, type);
      r.unanswered++;
      if (q.tries > 1) r.retried++;
    }
  }

  list(): DnsNameRow[] {
    return [...this.rows.values()].map(({ total: _t, ...r }) => r)
      .sort((a, b) => b.unanswered - a.unanswered || b.avg_ms - a.avg_ms || a.name.localeCompare(b.name));
  }

  text(): string {
    const rows = this.list();
    if (!rows.length) return 'No DNS queries.\n';
    const cols: Array<Column<DnsNameRow>> = [
      { header: 'COUNT', get: (r) => r.count, align: 'right' },
      { header: 'NOANSWER', get: (r) => r.unanswered, align: 'right' },
      { header: 'AVG_MS', get: (r) => (r.count ? r.avg_ms.toFixed(3) : '-'), align: 'right' },
      { header: 'MAX_MS', get: (r) => (r.count ? r.max_ms.toFixed(3) : '-'), align: 'right' },
      { header: 'RETRIED', get: (r) => r.retried, align: 'right' },
      { header: 'RCODES', get: (r) => Object.entries(r.rcodes).map(([c, n]) => `${c} ${n}`).join(', ') || '-' },
      { header: 'TYPE', get: (r) => r.type },
      { header: 'NAME', get: (r) => r.name },
    ];
    return renderTable(cols, rows);
  }
}
