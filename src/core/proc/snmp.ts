// Parsers for the kernel's SNMP-style counter files, text in, counters out, named exactly as
// iproute2's nstat names them (the group prefix joined to the field: "Tcp" + "RetransSegs" =
// TcpRetransSegs, "TcpExt" + "ListenOverflows" = TcpExtListenOverflows; snmp6 names are used as
// they are: Ip6InReceives, Icmp6InMsgs, Udp6NoPorts).
//   /proc/net/snmp, /proc/net/netstat: pairs of lines, "Tcp: RtoAlgorithm RtoMin ..." then
//     "Tcp: 1 200 ..." (IcmpMsg's fields appear only once a type has been seen).
//   /proc/net/snmp6: one "Name<spaces/tab>value" per line.
// Values are bigints: the kernel's counters are unsigned 64-bit, and a few fields are signed
// (TcpMaxConn is -1).
import { NetdxError } from '../errors.js';

export type Counters = Map<string, bigint>;

/**
 * Fields that are not counters. nstat hides exactly the first seven (its "useless_numbers":
 * constants, and the gauge TcpCurrEstab); MPTcpExtMPCurrEstab is also a gauge (it goes down as
 * well as up) though nstat shows it. netdx keeps them all but reports them as values, never as
 * deltas or rates.
 */
export const NSTAT_HIDDEN: ReadonlySet<string> = new Set([
  'IpForwarding', 'IpDefaultTTL', 'TcpRtoAlgorithm', 'TcpRtoMin', 'TcpRtoMax', 'TcpMaxConn', 'TcpCurrEstab',
]);
export const GAUGES: ReadonlySet<string> = new Set([...NSTAT_HIDDEN, 'MPTcpExtMPCurrEstab']);

export function isGauge(name: string): boolean {
  return GAUGES.has(name);
}

function parseValue(raw: string, source: string, line: number): bigint {
  if (!/^-?\d+$/.test(raw)) throw new NetdxError('E_IO', `parsing ${source}: line ${line}: '${raw}' is not a number`);
  return BigInt(raw);
}

/** /proc/net/snmp and /proc/net/netstat: header and value lines in pairs. */
export function parseSnmpTable(text: string, source = '/proc/net/snmp', into: Counters = new Map()): Counters {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length % 2 !== 0) throw new NetdxError('E_IO', `parsing ${source}: ${lines.length} lines, expected header/value pairs`);
  for (let i = 0; i < lines.length; i += 2) {
    const head = lines[i]!.trim().split(/\s+/);
    const vals = lines[i + 1]!.trim().split(/\s+/);
    const prefix = head[0]!;
    if (!prefix.endsWith(':') || vals[0] !== prefix) {
      throw new NetdxError('E_IO', `parsing ${source}: line ${i + 2}: expected '${prefix}' values after its header`);
    }
    const group = prefix.slice(0, -1);
    // Fields pair by position; extra values past the header (old 2.4 ICMP) are dropped, as nstat does.
    if (vals.length < head.length) throw new NetdxError('E_IO', `parsing ${source}: line ${i + 2}: ${vals.length - 1} values for ${head.length - 1} fields`);
    for (let j = 1; j < head.length; j++) into.set(group + head[j]!, parseValue(vals[j]!, source, i + 2));
  }
  return into;
}

/** /proc/net/snmp6: "Ip6InReceives   123" lines. */
export function parseSnmp6(text: string, source = '/proc/net/snmp6', into: Counters = new Map()): Counters {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!.trim();
    if (l === '') continue;
    const m = /^(\S+)\s+(\S+)$/.exec(l);
    if (!m) throw new NetdxError('E_IO', `parsing ${source}: line ${i + 1}: expected 'Name value'`);
    into.set(m[1]!, parseValue(m[2]!, source, i + 1));
  }
  return into;
}

/**
 * All counters from the three files' texts, in nstat's order (snmp, snmp6, netstat). A file
 * that is absent (IPv6 disabled: no snmp6) is passed as undefined.
 */
export function parseAllCounters(texts: { snmp?: string; snmp6?: string; netstat?: string }): Counters {
  const out: Counters = new Map();
  if (texts.snmp !== undefined) parseSnmpTable(texts.snmp, '/proc/net/snmp', out);
  if (texts.snmp6 !== undefined) parseSnmp6(texts.snmp6, '/proc/net/snmp6', out);
  if (texts.netstat !== undefined) parseSnmpTable(texts.netstat, '/proc/net/netstat', out);
  return out;
}
