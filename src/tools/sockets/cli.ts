import { defineTool } from '../../core/tool.js';
import { renderTable, tableLayout, type Column, type TableLayout } from '../../core/output.js';
import { NetdxError } from '../../core/errors.js';
import { resolveNetns, type NetnsRef } from '../../core/netns.js';
import {
  ALL_STATES, SK_MEMINFO_NAMES, TCP_INFO_FIELD_NAMES, forEachInetDiagMsg, stateMask, type InetSocket, type Proto, type SkMemInfo,
} from '../../core/netlink/sockdiag.js';
import { INET_JSON_LINE_MAX, NO_OWNER_JSON, inetSocketJson, writeInetDiagJson } from './json.js';
import { streamChunks } from './ndjson.js';
import { parseSocketFilter } from './filter.js';
import { InetJsonWriter } from './inetjson.js';
import { socketOwners, type Owner } from '../../core/proc/owners.js';
import {
  CONNECTED_STATES, LISTENING_STATES, SORT_FIELDS, addrListMatcher, forEachSocket, listSockets, namespaceForPid, socketSummary,
  type OwnedInet, type OwnedUnix,
} from './lib.js';

type Row = OwnedInet | OwnedUnix;
const WIDTH = 100;

const endpoint = (a: string, p: number | string, v6: boolean) => `${v6 ? `[${a}]` : a}:${p === 0 ? '*' : p}`;
const local = (s: Row) => (s.proto === 'unix' ? `${s.path || '*'} ${s.inode}` : endpoint(s.laddr, s.lport, s.family === 6));
const peer = (s: Row) => (s.proto === 'unix' ? `* ${s.peer}` : endpoint(s.raddr, s.rport, s.family === 6));
const owners = (o: Owner[] | undefined) => (o ? o.map((x) => `${x.comm}(${x.pid},fd=${x.fd})`).join(',') : '');

/** Rows that set the table's column widths before the rest is streamed. */
const SAMPLE = 5000;
/** Netid (u_str), State (FIN-WAIT-1), Recv-Q, Send-Q: widths for rows past the sample. */
const STREAM_MIN_WIDTHS = [5, 10, 6, 6];

/**
 * Addresses are laid out up to 26 columns each (an IPv4 end, a short IPv6 one, a mapped
 * [::ffff:127.0.0.1]:port); a longer one is never cut: the row moves on or wraps (output.ts).
 */
interface Details { owners: boolean; timers: boolean; extended: boolean }

/** The last column: owners (-p), then ss's -o timer and -e uid/inode/cookie, as ss appends them. */
function detailText(s: Row, d: Details): string {
  const parts: string[] = [];
  const o = owners(s.owners);
  if (o) parts.push(o);
  if (s.proto !== 'unix') {
    if (d.timers && s.timer) parts.push(`timer:(${TIMER_NAMES[Math.min(s.timer, 5)]},${msTimer(s.expires)},${s.retrans})`);
    if (d.extended) parts.push(`uid:${s.uid} ino:${s.inode} sk:${s.cookie.toString(16)}`);
  } else if (d.extended) parts.push(`ino:${s.inode}`);
  return parts.join(' ');
}

function columns(d: Details): Array<Column<Row>> {
  return [
    { header: 'Netid', get: (s) => (s.proto === 'unix' ? s.type : s.proto) },
    { header: 'State', get: (s) => s.state },
    { header: 'Recv-Q', get: (s) => s.recv_q, align: 'right' },
    { header: 'Send-Q', get: (s) => s.send_q, align: 'right' },
    { header: 'Local:Port', get: local, cap: 26 },
    { header: 'Peer:Port', get: peer, cap: 26 },
    { header: 'Process', get: (s) => detailText(s, d) },
  ];
}

const ONE_LINE_HEADER = 'Netid State Recv-Q Send-Q Local:Port Peer:Port Process';
/** -O: the same cells, single-spaced, never wrapped. */
const oneLine = (s: Row, d: Details) =>
  [s.proto === 'unix' ? s.type : s.proto, s.state, s.recv_q, s.send_q, local(s), peer(s), detailText(s, d)].join(' ').trimEnd();

/** idiag_timer's names, as ss prints them (1 is the retransmit timer, "on"). */
const TIMER_NAMES = ['off', 'on', 'keepalive', 'timewait', 'persist', 'unknown'];

/** ss's print_ms_timer: 1min59sec, 2.345ms-style figures ("1min", "59sec", "200ms", "1.500ms"). */
export function msTimer(timeout: number): string {
  let secs = Math.floor(timeout / 1000);
  const minutes = Math.floor(secs / 60);
  secs %= 60;
  let msecs = timeout % 1000;
  let out = '';
  if (minutes) { msecs = 0; out += `${minutes}min`; if (minutes > 9) secs = 0; }
  if (secs) { if (secs > 9) msecs = 0; out += `${secs}${msecs ? '.' : 'sec'}`; }
  if (msecs) out += `${String(msecs).padStart(3, '0')}ms`;
  return out;
}

const ms = (us: number) => (us / 1000).toFixed(3).replace(/\.?0+$/, '') || '0';
const bps = (bytesPerSec: number) => {
  const b = bytesPerSec * 8;
  return b >= 1e9 ? `${(b / 1e9).toFixed(1)}Gbps` : b >= 1e6 ? `${(b / 1e6).toFixed(1)}Mbps` : b >= 1e3 ? `${(b / 1e3).toFixed(1)}Kbps` : `${b}bps`;
};

/** tcpi_options bit: window scaling was negotiated (include/uapi/linux/tcp.h). */
const TCPI_OPT_WSCALE = 4;

/** ss -i's second line, from tcp_info (kernel units: µs for times, bytes/s for rates). */
function infoText(s: InetSocket): string {
  const t = s.tcp_info;
  const parts: string[] = [];
  if (s.cong) parts.push(s.cong);
  if (!t) return parts.join(' ');
  if (s.state === 'LISTEN') { parts.push(`cwnd:${t.snd_cwnd}`); return parts.join(' '); } // nothing measured yet
  if ((t.options ?? 0) & TCPI_OPT_WSCALE) parts.push(`wscale:${t.snd_wscale},${t.rcv_wscale}`);
  if (t.backoff) parts.push(`backoff:${t.backoff}`);
  // The kernel's "no sample yet" values (rtt 0 before the first ACK, min_rtt ~0 on a SYN-SENT
  // socket) are shown as absent, not as 0 ms or 71 minutes.
  if (t.rtt) parts.push(`rtt:${ms(t.rtt)}/${ms(t.rttvar ?? 0)}`);
  if (t.min_rtt !== undefined && t.min_rtt !== 0xffffffff) parts.push(`minrtt:${ms(t.min_rtt)}`);
  parts.push(`rto:${(t.rto ?? 0) / 1000}`, `cwnd:${t.snd_cwnd}`);
  if (t.snd_ssthresh !== undefined && t.snd_ssthresh < 0x7fffffff) parts.push(`ssthresh:${t.snd_ssthresh}`);
  parts.push(`mss:${t.snd_mss}`, `pmtu:${t.pmtu}`);
  parts.push(`retrans:${t.retrans}/${t.total_retrans}`, `lost:${t.lost}`, `reord:${t.reordering}`);
  for (const k of ['bytes_sent', 'bytes_acked', 'bytes_received', 'bytes_retrans'] as const) if (t[k]) parts.push(`${k}:${t[k]}`);
  if (t.delivery_rate) parts.push(`delivery_rate:${bps(t.delivery_rate)}`);
  if (t.pacing_rate !== undefined && t.pacing_rate < 2 ** 53) parts.push(`pacing_rate:${bps(t.pacing_rate)}`);
  for (const k of ['busy_time', 'rwnd_limited', 'sndbuf_limited'] as const) if (t[k]) parts.push(`${k === 'busy_time' ? 'busy' : k}:${Math.round(t[k] / 1000)}ms`);
  if (t.notsent_bytes) parts.push(`notsent:${t.notsent_bytes}`);
  // ms since the last data sent, data received and ACK received (ss's names)
  parts.push(`lastsnd:${t.last_data_sent}`, `lastrcv:${t.last_data_recv}`, `lastack:${t.last_ack_recv}`);
  parts.push(`rcv_space:${t.rcv_space}`);
  if (t.snd_wnd !== undefined) parts.push(`snd_wnd:${t.snd_wnd}`);
  if (s.bbr) {
    const b = s.bbr;
    parts.push(`bbr:(bw:${bps(b.bw)},mrtt:${ms(b.min_rtt)},pacing_gain:${+b.pacing_gain.toFixed(5)},cwnd_gain:${+b.cwnd_gain.toFixed(5)})`);
  }
  return parts.join(' ');
}

const memText = (m: SkMemInfo) =>
  `skmem:(r${m.rmem_alloc},rb${m.rcvbuf},t${m.wmem_alloc},tb${m.sndbuf},f${m.fwd_alloc},w${m.wmem_queued},o${m.optmem},bl${m.backlog},d${m.drops})`;

/** Wraps words into indented lines within the table width. */
function wrap(text: string): string[] {
  const out: string[] = [];
  let line = '   ';
  for (const w of text.split(' ')) {
    if (line.length + 1 + w.length > WIDTH && line.trim()) { out.push(line); line = '   '; }
    line += ' ' + w;
  }
  if (line.trim()) out.push(line);
  return out;
}

// The JSON hot path: 20,000 sockets with tcp_info must stay near ss's time, so each reply message
// is written as NDJSON bytes straight into a reused 1 MiB output chunk (see json.ts and ndjson.ts).
function ownerJson(o: Owner[] | undefined, withOwners: boolean): string {
  if (!o) return NO_OWNER_JSON;
  const many = withOwners && o.length > 1 ? `,"owners":${JSON.stringify(o)}` : '';
  return `,"pid":${o[0]!.pid},"comm":${JSON.stringify(o[0]!.comm)}${many}`;
}

function jsonLine(s: Row, withOwners: boolean): string {
  const who = ownerJson(s.owners, withOwners);
  if (s.proto !== 'unix') return inetSocketJson(s, who);
  return `{"proto":"unix","type":"${s.type}","state":"${s.state}","path":${JSON.stringify(s.path)},"inode":${s.inode},"peer":${s.peer},`
    + `"recv_q":${s.recv_q},"send_q":${s.send_q}${who}${s.mem ? `,"mem":${JSON.stringify(s.mem)}` : ''}}\n`;
}

function summaryText(netns?: NetnsRef): string {
  const s = socketSummary(netns);
  const rows = ['TCP', 'TCP6', 'UDP', 'UDP6', 'UDPLITE', 'UDPLITE6', 'RAW', 'RAW6', 'FRAG', 'FRAG6']
    .filter((k) => s[k]).map((k) => ({ k, v: s[k]! }));
  const head = `Total: ${s.sockets?.used ?? '?'} sockets in use\n`;
  return head + renderTable<{ k: string; v: Record<string, number> }>([
    { header: 'Proto', get: (r) => r.k },
    { header: 'In use', get: (r) => r.v.inuse, align: 'right' },
    { header: 'Orphan', get: (r) => r.v.orphan, align: 'right' },
    { header: 'TIME-WAIT', get: (r) => r.v.tw, align: 'right' },
    { header: 'Allocated', get: (r) => r.v.alloc, align: 'right' },
    { header: 'Mem (pages)', get: (r) => r.v.mem ?? r.v.memory, align: 'right' },
  ], rows);
}

export default defineTool({
  name: 'sockets',
  layer: 'socket',
  summary: 'sockets with owners, queues, tcp_info and memory (ss -tuanpi -m)',
  reads: 'NETLINK_SOCK_DIAG (inet_diag, unix_diag), /proc/PID/fd, /proc/net/sockstat',
  replaces: 'ss -tuwxanpieom -s, with its filters (over NETLINK_SOCK_DIAG, owners from /proc/*/fd)',
  args: '[FILTER]',
  options: {
    tcp: { type: 'bool', short: 't', help: 'TCP sockets' },
    udp: { type: 'bool', short: 'u', help: 'UDP sockets' },
    raw: { type: 'bool', short: 'w', help: 'raw sockets' },
    unix: { type: 'bool', short: 'x', help: 'unix sockets' },
    ipv4: { type: 'bool', short: '4', help: 'IPv4 only' },
    ipv6: { type: 'bool', short: '6', help: 'IPv6 only' },
    all: { type: 'bool', short: 'a', help: 'every state (default: connected ones, as ss)' },
    listening: { type: 'bool', short: 'l', help: 'listening (and bound unconnected) sockets only' },
    state: { type: 'strings', arg: 'NAME[,..]', help: 'only these states (ESTAB, LISTEN, TIME-WAIT, UNCONN, ...)' },
    port: { type: 'ports', arg: 'PORT[,..]', help: 'local or remote port is one of these' },
    addr: { type: 'strings', arg: 'ADDR[,..]', help: 'local or remote address is one of these' },
    processes: { type: 'bool', short: 'p', help: 'show owning processes (reads /proc/*/fd)' },
    pid: { type: 'int', arg: 'PID', help: "only this process's sockets" },
    info: { type: 'bool', short: 'i', help: 'TCP internals: rtt, cwnd, mss, retransmits, bytes, rates' },
    memory: { type: 'bool', short: 'm', help: 'socket memory (skmeminfo)' },
    sort: { type: 'string', arg: 'FIELD', help: 'sort by recv_q, send_q, rtt, bytes_acked, lport, ... (any tcp_info name)' },
    summary: { type: 'bool', short: 's', help: 'counts per protocol from /proc/net/sockstat{,6}' },
    netns: { type: 'string', short: 'N', arg: 'NAME', help: 'this network namespace (a name under /run/netns, or a path)' },
    options: { type: 'bool', short: 'o', help: 'timers: retransmit (on), keepalive, time-wait, persist' },
    extended: { type: 'bool', short: 'e', help: 'uid, inode and cookie (sk:) of each socket' },
    'no-header': { type: 'bool', short: 'H', help: 'no header line' },
    oneline: { type: 'bool', short: 'O', help: "one line per socket (-i and -m text on the socket's line)" },
    numeric: { type: 'bool', short: 'n', help: 'numeric (netdx never resolves names: accepted for ss habits)' },
  },
  examples: [
    'netdx sockets -tl', 'netdx sockets -tni --sort rtt', 'netdx sockets -tap --port 443',
    'netdx sockets -x --pid 1234', 'netdx sockets -ta -i -m --json', 'netdx sockets -s',
    "netdx sockets -to state established '( dport = :443 or sport = :443 )'",
    "netdx sockets -tn state connected dst 198.18.0.0/15 and sport gt :1023",
  ],
  async run(opts, ctx) {
    if (opts.ipv4 && opts.ipv6) throw new NetdxError('E_USAGE', 'parsing arguments: -4 and -6 exclude each other');
    // a filter that cannot apply is an error, not an empty table
    if (opts.unix && !opts.tcp && !opts.udp && !opts.raw) {
      const bad = opts.ipv4 ? '-4' : opts.ipv6 ? '-6' : opts.port.length ? '--port' : opts.addr.length ? '--addr' : undefined;
      if (bad) throw new NetdxError('E_USAGE', `parsing arguments: ${bad} does not apply to unix sockets (-x)`);
    }
    const filter = parseSocketFilter(opts._);
    if (opts.pid !== undefined && !(opts.pid > 0)) throw new NetdxError('E_USAGE', 'parsing --pid: PID must be above 0');
    let netns = opts.netns !== undefined ? resolveNetns(opts.netns) : undefined;
    if (opts.pid !== undefined) {
      const f = namespaceForPid(opts.pid, netns);
      netns = f.netns;
      if (f.note) ctx.err.write(`netdx sockets: ${f.note}\n`);
    }
    const sortable = new Set([...SORT_FIELDS, ...TCP_INFO_FIELD_NAMES, ...SK_MEMINFO_NAMES]);
    if (opts.sort !== undefined && !sortable.has(opts.sort)) {
      throw new NetdxError('E_USAGE', `parsing --sort: '${opts.sort}' is not a field (${SORT_FIELDS.slice(0, 8).join(', ')}, or any tcp_info or skmeminfo name)`);
    }
    // sorting by a tcp_info field needs tcp_info, whether -i shows it or not
    const needInfo = opts.info || (opts.sort !== undefined && TCP_INFO_FIELD_NAMES.includes(opts.sort) && !SORT_FIELDS.slice(0, 10).includes(opts.sort));
    if (opts.addr.length) addrListMatcher(opts.addr); // bad addresses are usage errors before any work
    let states = opts.all ? ALL_STATES : opts.listening ? LISTENING_STATES : CONNECTED_STATES;
    if (opts.state.length) {
      const m = stateMask(opts.state);
      if (m === undefined) throw new NetdxError('E_USAGE', `parsing --state: '${opts.state.join(',')}' has an unknown state (ESTAB, SYN-SENT, SYN-RECV, FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT, UNCONN, CLOSE-WAIT, LAST-ACK, LISTEN, CLOSING)`);
      states = m;
    }
    // ss's `state` words choose the states as --state does (both: either); `exclude` removes
    if (filter.states !== undefined) states = opts.state.length ? states | filter.states : filter.states;
    states &= ~filter.exclude;
    if (opts.summary) {
      if (opts.json) ctx.out.write(JSON.stringify(socketSummary(netns)) + '\n');
      else ctx.out.write(summaryText(netns));
      return 0;
    }
    const any = opts.tcp || opts.udp || opts.raw || opts.unix;
    const family = opts.ipv4 ? 4 : opts.ipv6 ? 6 : undefined;
    const query = {
      tcp: opts.tcp || !any, udp: opts.udp || !any, raw: opts.raw || !any, unix: opts.unix || (!any && !family),
      family, states, info: needInfo, ports: opts.port, addrs: opts.addr, match: filter.match,
      owners: opts.processes, pid: opts.pid, sort: opts.sort, netns,
    } as const;
    const withOwners = opts.processes || opts.pid !== undefined;
    if (opts.json && !opts.sort && !opts.addr.length && !filter.match) {
      // Streamed: each TCP/UDP reply message becomes a line without an object in between, written
      // by WebAssembly (inetjson.ts) or, where it is not built, by JavaScript (json.ts).
      const w = streamChunks(ctx.out);
      const wasm = InetJsonWriter.open(w.sink);
      const owners = withOwners ? socketOwners(opts.pid) : undefined;
      const ports = opts.port.length ? new Set(opts.port) : undefined;
      for (const protocol of ['tcp', 'udp'] as Proto[]) {
        if (!query[protocol]) continue;
        forEachInetDiagMsg({ protocol, family, states, info: opts.info && 'json', recvBuf: wasm?.recvBuf, netns }, (b, start, end, p) => {
          if (ports && !ports.has(b.readUInt16BE(start + 4)) && !ports.has(b.readUInt16BE(start + 6))) return;
          const o = owners?.get(b.readUInt32LE(start + 68));
          if (opts.pid !== undefined && !o) return;
          const who = o || withOwners ? ownerJson(o, withOwners) : NO_OWNER_JSON;
          if (wasm) { wasm.line(b, start, end, p, who); return; }
          const d = w.room(INET_JSON_LINE_MAX + 3 * who.length);
          w.pos = writeInetDiagJson(b, start, end, p, who, d, w.pos);
        });
      }
      wasm?.flush();
      const rest = listSockets({ ...query, tcp: false, udp: false });
      for (const s of [...rest.inet, ...rest.unix]) w.str(jsonLine(s, withOwners));
      w.flush();
      return 0;
    }
    if (opts.json) {
      const w = streamChunks(ctx.out);
      const list = listSockets(query);
      for (const s of [...list.inet, ...list.unix]) w.str(jsonLine(s, withOwners));
      w.flush();
      return 0;
    }
    // The table, streamed: widths from the first SAMPLE rows (all of them on most hosts), then each
    // row printed as it comes, so 20,000 sockets are never held (sorted output must hold them).
    const w = streamChunks(ctx.out);
    let layout: TableLayout<Row> | undefined;
    const emit = (s: Row) => {
      const extra: string[] = [];
      if (opts.memory && s.mem) extra.push(memText(s.mem));
      if (opts.info && s.proto !== 'unix') extra.push(infoText(s));
      const text = extra.filter(Boolean).join(' ');
      // -O: one line per socket, for grep and awk (it may pass 100 columns: that is what it asks)
      if (opts.oneline) { w.str(oneLine(s, details) + (text ? ' ' + text : '') + '\n'); return; }
      w.str(layout!.row(s) + '\n');
      if (text) for (const l of wrap(text)) w.str(l + '\n');
    };
    const details = { owners: true, timers: opts.options, extended: opts.extended };
    const start = (sample: Row[], more: boolean) => {
      // past the sample, the widest Netid, state and queue headers keep later rows in line
      layout = tableLayout(columns(details), sample, more ? STREAM_MIN_WIDTHS : []);
      if (!opts['no-header']) w.str((opts.oneline ? ONE_LINE_HEADER : layout.header()) + '\n');
      for (const s of sample) emit(s);
      sample.length = 0;
    };
    const sample: Row[] = [];
    if (opts.sort) {
      const list = listSockets(query);
      start([...list.inet, ...list.unix], false);
    } else {
      forEachSocket(query, (s) => {
        if (layout) return emit(s);
        sample.push(s);
        if (sample.length === SAMPLE) start(sample, true);
      });
      if (!layout) start(sample, false);
    }
    w.flush();
    return 0;
  },
});
