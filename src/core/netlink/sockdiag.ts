// NETLINK_SOCK_DIAG: inet_diag dumps (TCP, UDP, RAW over IPv4/IPv6) and unix_diag dumps, the
// kernel interface ss uses. Requests are built here; replies are decoded straight from the
// receive buffer (NetlinkSocket.transact streams each message), so a 20,000-socket dump is
// never copied whole. Decoders take bytes and are tested on captured replies.
import { readFileSync } from 'node:fs';
import { formatIPv4, formatIPv6 } from '../addr.js';
import { NetdxError } from '../errors.js';
import { parseProcNetRaw } from '../proc/netraw.js';
import { NLM_F_DUMP, NETLINK_SOCK_DIAG, NetlinkSocket, align4 } from './netlink.js';
import { isOwnNetns, withNetns, type NetnsRef } from '../netns.js';

export const SOCK_DIAG_BY_FAMILY = 20;
export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_RAW = 255;

// include/net/tcp_states.h
export const TCP_STATES = {
  ESTABLISHED: 1, SYN_SENT: 2, SYN_RECV: 3, FIN_WAIT1: 4, FIN_WAIT2: 5, TIME_WAIT: 6, CLOSE: 7,
  CLOSE_WAIT: 8, LAST_ACK: 9, LISTEN: 10, CLOSING: 11, NEW_SYN_RECV: 12, BOUND_INACTIVE: 13,
} as const;
/** Every state (bits 0..13); the kernel ignores bits it does not know. */
export const ALL_STATES = 0x3ffe;

/** ss's names, indexed by the kernel's state number (CLOSE is UNCONN, as ss prints it). */
export const STATE_NAMES: readonly string[] = [
  'UNKNOWN', 'ESTAB', 'SYN-SENT', 'SYN-RECV', 'FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT', 'UNCONN',
  'CLOSE-WAIT', 'LAST-ACK', 'LISTEN', 'CLOSING', 'SYN-RECV', 'BOUND-INACTIVE',
];

/** State names (ss spelling, case-insensitive; CLOSE = UNCONN) to a 1<<state bitmask. */
export function stateMask(names: readonly string[]): number | undefined {
  let m = 0;
  for (const raw of names) {
    const n = raw.trim().toUpperCase();
    if (n === 'CLOSE' || n === 'CLOSED') { m |= 1 << TCP_STATES.CLOSE; continue; }
    if (n === 'ALL') { m |= ALL_STATES; continue; }
    const i = STATE_NAMES.indexOf(n === 'ESTABLISHED' ? 'ESTAB' : n);
    if (i <= 0) return undefined;
    m |= 1 << i;
  }
  return m;
}

// INET_DIAG_* reply attributes (include/uapi/linux/inet_diag.h); the exported ones are those the
// sockets tool's NDJSON writer walks in a reply.
const INET_DIAG_MEMINFO = 1;
export const INET_DIAG_INFO = 2;
/**
 * Asks for the congestion module's own info: idiag_ext is a u8, so BBR (INET_DIAG_BBRINFO, 16)
 * answers this bit too (tcp_bbr.c bbr_get_info), as it does for ss.
 */
const INET_DIAG_VEGASINFO = 3;
export const INET_DIAG_CONG = 4;
const INET_DIAG_TOS = 5;
const INET_DIAG_TCLASS = 6;
export const INET_DIAG_SKMEMINFO = 7;
export const INET_DIAG_SHUTDOWN = 8;
const INET_DIAG_PROTOCOL = 10;
const INET_DIAG_SKV6ONLY = 11;
const INET_DIAG_MARK = 15;
const INET_DIAG_BBRINFO = 16;
const INET_DIAG_CGROUP_ID = 21;
const ext = (a: number) => 1 << (a - 1);
/** What -i/-m need; the SHUTDOWN attribute is sent whether asked or not. */
const EXT_ALL = ext(INET_DIAG_MEMINFO) | ext(INET_DIAG_INFO) | ext(INET_DIAG_CONG) | ext(INET_DIAG_SKMEMINFO)
  | ext(INET_DIAG_SHUTDOWN) | ext(INET_DIAG_TOS) | ext(INET_DIAG_TCLASS) | ext(INET_DIAG_VEGASINFO);
const EXT_BASE = ext(INET_DIAG_SKMEMINFO) | ext(INET_DIAG_SHUTDOWN);
/** What the sockets tool's NDJSON writer writes with -i: no MEMINFO/TOS/TCLASS (~30 bytes less a socket to build and walk). */
const EXT_JSON = ext(INET_DIAG_INFO) | ext(INET_DIAG_CONG) | ext(INET_DIAG_SKMEMINFO) | ext(INET_DIAG_SHUTDOWN);
const extFor = (info: boolean | 'json') => (info === 'json' ? EXT_JSON : info ? EXT_ALL : EXT_BASE);

export type Proto = 'tcp' | 'udp' | 'raw';
const PROTO_NUM: Record<Proto, number> = { tcp: IPPROTO_TCP, udp: IPPROTO_UDP, raw: IPPROTO_RAW };

/**
 * struct inet_diag_req_v2 (56 bytes). For RAW the `pad` byte is sdiag_raw_protocol
 * (struct inet_diag_req_raw): the handler is chosen by sdiag_protocol = IPPROTO_RAW, and a raw
 * protocol of IPPROTO_RAW is what ss sends to dump raw sockets of every protocol.
 */
export function buildInetDiagReq(family: 4 | 6, proto: Proto, states: number, info: boolean | 'json'): Buffer {
  const b = Buffer.alloc(56);
  b[0] = family === 4 ? AF_INET : AF_INET6;
  b[1] = PROTO_NUM[proto];
  b[2] = extFor(info);
  b[3] = proto === 'raw' ? IPPROTO_RAW : 0;
  b.writeUInt32LE(states >>> 0, 4);
  // id: ports, addresses and ifindex zero (wildcards); cookie INET_DIAG_NOCOOKIE
  b.writeUInt32LE(0xffffffff, 48);
  b.writeUInt32LE(0xffffffff, 52);
  return b;
}

/** The original TCP-only request type (include/uapi/linux/inet_diag.h), still served by inet_diag. */
export const TCPDIAG_GETSOCK = 18;

/**
 * struct inet_diag_req (60 bytes), the request of TCPDIAG_GETSOCK. The kernel answers it with
 * sdiag_family AF_UNSPEC, i.e. IPv4 and IPv6 sockets in ONE walk of the TCP hashes, where
 * SOCK_DIAG_BY_FAMILY needs one dump per family and each walks the whole established hash
 * (262,144 buckets here, ~5 ms a walk even in an empty namespace, ~9 ms for an IPv6 dump that
 * skips 20,000 IPv4 sockets). Replies are inet_diag_msg as usual, with type TCPDIAG_GETSOCK.
 */
export function buildTcpDiagCompatReq(states: number, info: boolean | 'json'): Buffer {
  const b = Buffer.alloc(60);
  b[3] = extFor(info);
  b.writeUInt32LE(0xffffffff, 44); // id.idiag_cookie: INET_DIAG_NOCOOKIE
  b.writeUInt32LE(0xffffffff, 48);
  b.writeUInt32LE(states >>> 0, 52);
  return b;
}

// ---------------------------------------------------------------- tcp_info

export type TcpInfoFieldType = 'u8' | 'u16' | 'u32' | 'u64' | 'lo4' | 'hi4' | 'bit0' | 'bits1_2';
/**
 * struct tcp_info (include/uapi/linux/tcp.h) in order, names without the tcpi_ prefix. Offsets
 * follow C layout; a reply carries only the prefix its kernel knows, and only fields that fit in
 * the reply's length are decoded.
 */
const TCP_INFO_FIELDS: ReadonlyArray<[string, TcpInfoFieldType]> = [
  ['state', 'u8'], ['ca_state', 'u8'], ['retransmits', 'u8'], ['probes', 'u8'], ['backoff', 'u8'],
  ['options', 'u8'], ['snd_wscale', 'lo4'], ['rcv_wscale', 'hi4'], ['delivery_rate_app_limited', 'bit0'],
  ['fastopen_client_fail', 'bits1_2'],
  ['rto', 'u32'], ['ato', 'u32'], ['snd_mss', 'u32'], ['rcv_mss', 'u32'],
  ['unacked', 'u32'], ['sacked', 'u32'], ['lost', 'u32'], ['retrans', 'u32'], ['fackets', 'u32'],
  ['last_data_sent', 'u32'], ['last_ack_sent', 'u32'], ['last_data_recv', 'u32'], ['last_ack_recv', 'u32'],
  ['pmtu', 'u32'], ['rcv_ssthresh', 'u32'], ['rtt', 'u32'], ['rttvar', 'u32'], ['snd_ssthresh', 'u32'],
  ['snd_cwnd', 'u32'], ['advmss', 'u32'], ['reordering', 'u32'], ['rcv_rtt', 'u32'], ['rcv_space', 'u32'],
  ['total_retrans', 'u32'],
  ['pacing_rate', 'u64'], ['max_pacing_rate', 'u64'], ['bytes_acked', 'u64'], ['bytes_received', 'u64'],
  ['segs_out', 'u32'], ['segs_in', 'u32'], ['notsent_bytes', 'u32'], ['min_rtt', 'u32'],
  ['data_segs_in', 'u32'], ['data_segs_out', 'u32'], ['delivery_rate', 'u64'],
  ['busy_time', 'u64'], ['rwnd_limited', 'u64'], ['sndbuf_limited', 'u64'],
  ['delivered', 'u32'], ['delivered_ce', 'u32'], ['bytes_sent', 'u64'], ['bytes_retrans', 'u64'],
  ['dsack_dups', 'u32'], ['reord_seen', 'u32'], ['rcv_ooopack', 'u32'], ['snd_wnd', 'u32'],
  ['rcv_wnd', 'u32'], ['rehash', 'u32'], ['total_rto', 'u16'], ['total_rto_recoveries', 'u16'],
  ['total_rto_time', 'u32'], ['received_ce', 'u32'], ['delivered_e1_bytes', 'u32'],
  ['delivered_e0_bytes', 'u32'], ['delivered_ce_bytes', 'u32'], ['received_e1_bytes', 'u32'],
  ['received_e0_bytes', 'u32'], ['received_ce_bytes', 'u32'], ['accecn_fail_mode', 'u16'],
  ['accecn_opt_seen', 'u16'],
];

/** tcp_info with the kernel's names (tcpi_ dropped). Times in µs unless the kernel says ms. */
export type TcpInfo = Record<string, number>;

export interface TcpInfoField { name: string; type: TcpInfoFieldType; off: number; size: number }
/**
 * Each tcp_info field with its byte offset and size in the struct (bitfields: the byte they sit
 * in): the one source of names and offsets for the decoder here and the sockets tool's writers.
 */
export const TCP_INFO_LAYOUT: readonly TcpInfoField[] = (() => {
  const out: TcpInfoField[] = [];
  let off = 0;
  const SIZE: Record<TcpInfoFieldType, number> = { u8: 1, u16: 2, u32: 4, u64: 8, lo4: 1, hi4: 0, bit0: 1, bits1_2: 0 };
  for (const [name, type] of TCP_INFO_FIELDS) {
    // bitfields share the byte of the field before them
    if (type === 'hi4' || type === 'bits1_2') { out.push({ name, type, off: off - 1, size: 1 }); continue; }
    const size = SIZE[type];
    off = (off + size - 1) & ~(size - 1);
    out.push({ name, type, off, size });
    off += size;
  }
  return out;
})();
export const TCP_INFO_FIELD_NAMES: readonly string[] = TCP_INFO_LAYOUT.map((f) => f.name);

// One generated decoder per reply length: an object literal with a fixed shape and constant
// offsets is several times faster than a loop over a field table, and 20,000 sockets go through it.
type TcpInfoDecoder = (b: Buffer, o: number) => TcpInfo;
const decoders = new Map<number, TcpInfoDecoder>();

const u32Expr = (at: string) => `((b[${at}]|b[${at}+1]<<8|b[${at}+2]<<16)+b[${at}+3]*16777216)`;

/** [name, JS expression reading it from b at o] for each field that fits in len bytes. */
function fieldExprs(len: number): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const f of TCP_INFO_LAYOUT) {
    if (f.off + f.size > len) break;
    const at = `o+${f.off}`;
    out.push([f.name, {
      u8: `b[${at}]`, lo4: `(b[${at}]&15)`, hi4: `(b[${at}]>>4)`, bit0: `(b[${at}]&1)`, bits1_2: `((b[${at}]>>1)&3)`,
      // little-endian reads without readUInt32LE's bounds checks (the caller checked the length)
      u16: `(b[${at}]|b[${at}+1]<<8)`, u32: u32Expr(at),
      u64: `(${u32Expr(at)}+${u32Expr(`${at}+4`)}*4294967296)`,
    }[f.type]]);
  }
  return out;
}

function tcpInfoDecoder(len: number): TcpInfoDecoder {
  let d = decoders.get(len);
  if (!d) {
    d = new Function('b', 'o', `return {${fieldExprs(len).map(([n, e]) => `${n}:${e}`).join(',')}};`) as TcpInfoDecoder;
    decoders.set(len, d);
  }
  return d;
}


/** Decodes struct tcp_info from buf[off, off+len): only the fields that fit in len. */
export function decodeTcpInfo(buf: Buffer, off = 0, len = buf.length - off): TcpInfo {
  return tcpInfoDecoder(len)(buf, off);
}

// ---------------------------------------------------------------- sockets

/** skmeminfo (SK_MEMINFO_*), bytes; the kernel's names lowercased. */
export interface SkMemInfo {
  rmem_alloc: number; rcvbuf: number; wmem_alloc: number; sndbuf: number; fwd_alloc: number;
  wmem_queued: number; optmem: number; backlog: number; drops: number;
}

/** SkMemInfo's fields in the kernel's order (SK_MEMINFO_RMEM_ALLOC = 0, ...), u32 each. */
export const SK_MEMINFO_NAMES: ReadonlyArray<keyof SkMemInfo> = [
  'rmem_alloc', 'rcvbuf', 'wmem_alloc', 'sndbuf', 'fwd_alloc', 'wmem_queued', 'optmem', 'backlog', 'drops',
];

function decodeSkMem(b: Buffer, o: number, len: number): SkMemInfo {
  const u = (i: number) => (4 * i + 4 <= len ? b.readUInt32LE(o + 4 * i) : 0);
  return {
    rmem_alloc: u(0), rcvbuf: u(1), wmem_alloc: u(2), sndbuf: u(3), fwd_alloc: u(4),
    wmem_queued: u(5), optmem: u(6), backlog: u(7), drops: u(8),
  };
}

/** struct inet_diag_meminfo (INET_DIAG_MEMINFO, TCP only). */
export interface InetMemInfo { rmem: number; wmem: number; fmem: number; tmem: number }

export interface InetSocket {
  proto: Proto;
  family: 4 | 6;
  state: string;
  /** The kernel's state number (TCP_ESTABLISHED = 1, ...). */
  state_num: number;
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
  /** Unread bytes; for a listener, connections waiting in the accept queue. */
  recv_q: number;
  /** Unacknowledged bytes; for a listener, the backlog limit given to listen(). */
  send_q: number;
  inode: number;
  uid: number;
  ifindex: number;
  cookie: bigint;
  /** idiag_timer (0 none, 1 retransmit, 2 keepalive, 3 TIME_WAIT, 4 zero-window probe) */
  timer: number;
  /** Milliseconds until the timer fires. */
  expires: number;
  retrans: number;
  /** For raw sockets, the IP protocol (from INET_DIAG_PROTOCOL). */
  protocol?: number;
  tcp_info?: TcpInfo;
  mem?: SkMemInfo;
  meminfo?: InetMemInfo;
  cong?: string;
  /** BBR's model (struct tcp_bbr_info), with -i when the socket runs BBR. */
  bbr?: BbrInfo;
  /** Shutdown bits: 1 = no more receives (SHUT_RD), 2 = no more sends (SHUT_WR). */
  shutdown?: number;
  tos?: number;
  tclass?: number;
  v6only?: boolean;
  mark?: number;
  cgroup_id?: bigint;
}

export interface BbrInfo {
  /** Estimated bottleneck bandwidth, bytes per second. */
  bw: number;
  /** Its min RTT estimate, µs. */
  min_rtt: number;
  /** Gains as ratios (the kernel's are <<8 fixed point). */
  pacing_gain: number;
  cwnd_gain: number;
}

/** The C string at b[start, end): up to its NUL, bytes as latin1 (kernel names are ASCII). */
export function cstr(b: Buffer, start: number, end: number): string {
  return b.toString('latin1', start, cstrEnd(b, start, end));
}

function cstrEnd(b: Buffer, start: number, end: number): number {
  let z = start;
  while (z < end && b[z] !== 0) z++;
  return z;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A socket path as text: UTF-8 kept as UTF-8, and where the bytes are not UTF-8 (a path is any
 * bytes but NUL), each byte outside printable ASCII written as \xNN, as ss does. Control
 * characters are escaped in either case, so a path cannot rewrite the terminal.
 */
export function pathText(b: Buffer, start: number, end: number): string {
  const bytes = b.subarray(start, end);
  let text: string | undefined;
  try { text = strictUtf8.decode(bytes); } catch { text = undefined; }
  if (text !== undefined) return text.replace(/[\x00-\x1f\x7f\\]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  let out = '';
  for (const c of bytes) out += c >= 0x20 && c < 0x7f && c !== 0x5c ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
  return out;
}

/** Decodes one inet_diag_msg body (72 bytes + attributes). */
export function parseInetDiagMsg(b: Buffer, proto: Proto): InetSocket {
  if (b.length < 72) throw new NetdxError('E_NETLINK', `decoding inet_diag_msg: ${b.length} bytes, a message has at least 72`);
  const family = b[0] === AF_INET6 ? 6 : 4;
  const v6 = family === 6;
  const st = b[1]!;
  const lo = b.readUInt32LE(44);
  const hi = b.readUInt32LE(48);
  const s: InetSocket = {
    proto, family, state: STATE_NAMES[st] ?? `STATE-${st}`, state_num: st,
    laddr: v6 ? formatIPv6(b, 8) : formatIPv4(b, 8), lport: b.readUInt16BE(4),
    raddr: v6 ? formatIPv6(b, 24) : formatIPv4(b, 24), rport: b.readUInt16BE(6),
    recv_q: b.readUInt32LE(56), send_q: b.readUInt32LE(60), inode: b.readUInt32LE(68),
    uid: b.readUInt32LE(64), ifindex: b.readUInt32LE(40),
    cookie: hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo),
    timer: b[2]!, expires: b.readUInt32LE(52), retrans: b[3]!,
  };
  let off = 72;
  const end = b.length;
  while (off + 4 <= end) {
    const len = b.readUInt16LE(off);
    if (len < 4 || off + len > end) break;
    const type = b.readUInt16LE(off + 2) & 0x3fff;
    const p = off + 4;
    const plen = len - 4;
    switch (type) {
      case INET_DIAG_INFO: if (proto === 'tcp') s.tcp_info = decodeTcpInfo(b, p, plen); break;
      case INET_DIAG_SKMEMINFO: s.mem = decodeSkMem(b, p, plen); break;
      case INET_DIAG_MEMINFO:
        if (plen >= 16) s.meminfo = { rmem: b.readUInt32LE(p), wmem: b.readUInt32LE(p + 4), fmem: b.readUInt32LE(p + 8), tmem: b.readUInt32LE(p + 12) };
        break;
      case INET_DIAG_CONG: s.cong = cstr(b, p, p + plen); break;
      case INET_DIAG_BBRINFO:
        if (plen >= 20) {
          s.bbr = { bw: b.readUInt32LE(p + 4) * 2 ** 32 + b.readUInt32LE(p), min_rtt: b.readUInt32LE(p + 8),
            pacing_gain: b.readUInt32LE(p + 12) / 256, cwnd_gain: b.readUInt32LE(p + 16) / 256 };
        }
        break;
      case INET_DIAG_SHUTDOWN: s.shutdown = b[p]!; break;
      case INET_DIAG_TOS: s.tos = b[p]!; break;
      case INET_DIAG_TCLASS: s.tclass = b[p]!; break;
      case INET_DIAG_PROTOCOL: s.protocol = b[p]!; break;
      case INET_DIAG_SKV6ONLY: s.v6only = b[p] !== 0; break;
      case INET_DIAG_MARK: s.mark = b.readUInt32LE(p); break;
      case INET_DIAG_CGROUP_ID: if (plen >= 8) s.cgroup_id = b.readBigUInt64LE(p); break;
    }
    off += align4(len);
  }
  return s;
}

export interface DumpInetOptions {
  protocol: Proto;
  family?: 4 | 6;
  /** Bitmask of 1<<TCP_STATE; default every state. */
  states?: number;
  /**
   * Ask for tcp_info, congestion algorithm, MEMINFO and TOS (skmeminfo and shutdown always);
   * 'json': only what the sockets tool's NDJSON writer writes (tcp_info and congestion algorithm).
   */
  info?: boolean | 'json';
  /** Receive into this buffer rather than the socket's own (at least 64 KiB). */
  recvBuf?: Buffer;
  /** The network namespace to dump (default: the process's own). */
  netns?: NetnsRef;
}

const shared = new Map<number, NetlinkSocket>();
/**
 * One sock_diag socket per namespace, reused by every dump (opened on first use): a netlink
 * socket answers for the namespace it was created in.
 */
function sockDiag(netns?: NetnsRef): NetlinkSocket {
  const key = isOwnNetns(netns) ? 0 : netns!.inode;
  let s = shared.get(key);
  if (!s) {
    s = withNetns(key ? netns : undefined, () => new NetlinkSocket(NETLINK_SOCK_DIAG, 'sock_diag'));
    shared.set(key, s);
  }
  return s;
}

/**
 * Streams every matching inet socket's message body to `onBody` (valid only during the call).
 * The fastest path: callers that decode only what they need use this directly.
 */
export function forEachInetDiagBody(opts: DumpInetOptions, onBody: (body: Buffer, proto: Proto) => void): void {
  forEachInetDiagMsg(opts, (buf, start, end, proto) => onBody(buf.subarray(start, end), proto));
}

/**
 * forEachInetDiagBody without a sub-Buffer per socket: each inet_diag_msg is buf[start, end) of the
 * receive buffer (valid only during the call). For NDJSON of tens of thousands of sockets.
 */
export function forEachInetDiagMsg(opts: DumpInetOptions, onMsg: (buf: Buffer, start: number, end: number, proto: Proto) => void): void {
  let states = opts.states ?? ALL_STATES;
  // Request sockets (SYN-RECV) live in their own table; asking for SYN_RECV means them too.
  if (states & (1 << TCP_STATES.SYN_RECV)) states |= 1 << TCP_STATES.NEW_SYN_RECV;
  const nl = sockDiag(opts.netns);
  const proto = opts.protocol;
  if (proto === 'tcp' && !opts.family) {
    // Both families in one walk of the kernel's socket hashes (see buildTcpDiagCompatReq).
    let got = 0;
    try {
      nl.transactRaw(TCPDIAG_GETSOCK, NLM_F_DUMP, buildTcpDiagCompatReq(states, opts.info ?? false),
        (buf, start, end, type) => { if (type === TCPDIAG_GETSOCK) { got++; onMsg(buf, start, end, proto); } }, opts.recvBuf);
      return;
    } catch (e) {
      // A kernel without the compat request refuses it before the first socket (EINVAL, or
      // ENOENT/EOPNOTSUPP without inet_diag's TCPDIAG handler): then ask per family. Any other
      // failure (EBUSY, EPERM, an error thrown by onMsg) is the caller's to see.
      if (got > 0 || !(e instanceof NetdxError) || ![22, 2, 95].includes(e.errno ?? 0)) throw e;
    }
  }
  for (const fam of opts.family ? [opts.family] : ([4, 6] as const)) {
    nl.transactRaw(SOCK_DIAG_BY_FAMILY, NLM_F_DUMP, buildInetDiagReq(fam, proto, states, opts.info ?? false),
      (buf, start, end, type) => { if (type === SOCK_DIAG_BY_FAMILY) onMsg(buf, start, end, proto); }, opts.recvBuf);
  }
}

/** Every inet socket of one protocol in this network namespace (IPv4 then IPv6). */
export function dumpInetSockets(opts: { protocol: 'tcp' | 'udp' | 'raw'; family?: 4 | 6; states?: number; info?: boolean; netns?: NetnsRef }): InetSocket[] {
  const out: InetSocket[] = [];
  if (opts.protocol === 'raw') {
    for (const fam of opts.family ? [opts.family] : ([4, 6] as const)) {
      try {
        forEachInetDiagBody({ ...opts, family: fam }, (b, p) => out.push(parseInetDiagMsg(b, p)));
      } catch (e) {
        // No raw_diag in this kernel (CONFIG_INET_RAW_DIAG off): read /proc/net/raw{,6} as ss does.
        if (!(e instanceof NetdxError && e.errno === 2)) throw e;
        const text = withNetns(opts.netns, () => readFileSync(fam === 4 ? '/proc/net/raw' : '/proc/net/raw6', 'utf8'));
        const states = opts.states ?? ALL_STATES;
        for (const s of parseProcNetRaw(text, fam)) if (states & (1 << s.state_num)) out.push(s);
      }
    }
    return out;
  }
  forEachInetDiagBody(opts, (b, p) => out.push(parseInetDiagMsg(b, p)));
  return out;
}

// ---------------------------------------------------------------- unix

const UDIAG_SHOW_NAME = 0x1;
const UDIAG_SHOW_VFS = 0x2;
const UDIAG_SHOW_PEER = 0x4;
const UDIAG_SHOW_ICONS = 0x8;
const UDIAG_SHOW_RQLEN = 0x10;
const UDIAG_SHOW_MEMINFO = 0x20;
const UDIAG_SHOW_UID = 0x40;
const UNIX_DIAG_NAME = 0;
const UNIX_DIAG_VFS = 1;
const UNIX_DIAG_PEER = 2;
const UNIX_DIAG_ICONS = 3;
const UNIX_DIAG_RQLEN = 4;
const UNIX_DIAG_MEMINFO = 5;
const UNIX_DIAG_SHUTDOWN = 6;
const UNIX_DIAG_UID = 7;

const UNIX_TYPES: Record<number, 'u_str' | 'u_dgr' | 'u_seq'> = { 1: 'u_str', 2: 'u_dgr', 5: 'u_seq' };

export interface UnixSocket {
  proto: 'unix';
  /** ss's Netid: u_str (stream), u_dgr (datagram), u_seq (seqpacket). */
  type: 'u_str' | 'u_dgr' | 'u_seq' | string;
  state: string;
  state_num: number;
  /** Bound path; abstract names start with '@' (as ss prints them); '' when unbound. */
  path: string;
  inode: number;
  /** Inode of the peer socket (0 when unconnected). */
  peer: number;
  /** Unread bytes; for a listener, connections waiting to be accepted. */
  recv_q: number;
  /** Bytes in flight; for a listener, the backlog limit. */
  send_q: number;
  uid?: number;
  cookie: bigint;
  mem?: SkMemInfo;
  shutdown?: number;
  vfs?: { ino: number; dev: number };
  /** For listeners: inodes of connections not yet accepted. */
  pending?: number[];
}

/** struct unix_diag_req (24 bytes) asking for everything ss -x shows. */
export function buildUnixDiagReq(states = ALL_STATES): Buffer {
  const b = Buffer.alloc(24);
  b[0] = AF_UNIX;
  b.writeUInt32LE(states >>> 0, 4);
  b.writeUInt32LE(UDIAG_SHOW_NAME | UDIAG_SHOW_VFS | UDIAG_SHOW_PEER | UDIAG_SHOW_ICONS | UDIAG_SHOW_RQLEN
    | UDIAG_SHOW_MEMINFO | UDIAG_SHOW_UID, 12);
  b.writeUInt32LE(0xffffffff, 16);
  b.writeUInt32LE(0xffffffff, 20);
  return b;
}

/** Decodes one unix_diag_msg body (16 bytes + attributes). */
export function parseUnixDiagMsg(b: Buffer): UnixSocket {
  if (b.length < 16) throw new NetdxError('E_NETLINK', `decoding unix_diag_msg: ${b.length} bytes, a message has at least 16`);
  const st = b[2]!;
  const s: UnixSocket = {
    proto: 'unix', type: UNIX_TYPES[b[1]!] ?? `u_${b[1]}`, state: STATE_NAMES[st] ?? `STATE-${st}`, state_num: st,
    path: '', inode: b.readUInt32LE(4), peer: 0, recv_q: 0, send_q: 0,
    cookie: BigInt(b.readUInt32LE(8)) | (BigInt(b.readUInt32LE(12)) << 32n),
  };
  let off = 16;
  while (off + 4 <= b.length) {
    const len = b.readUInt16LE(off);
    if (len < 4 || off + len > b.length) break;
    const p = off + 4;
    const plen = len - 4;
    switch (b.readUInt16LE(off + 2) & 0x3fff) {
      case UNIX_DIAG_NAME:
        // sun_path bytes as given; an abstract name begins with NUL, shown as '@'
        s.path = plen > 0 && b[p] === 0 ? '@' + pathText(b, p + 1, p + plen) : pathText(b, p, cstrEnd(b, p, p + plen));
        break;
      case UNIX_DIAG_VFS: if (plen >= 8) s.vfs = { ino: b.readUInt32LE(p), dev: b.readUInt32LE(p + 4) }; break;
      case UNIX_DIAG_PEER: s.peer = b.readUInt32LE(p); break;
      case UNIX_DIAG_ICONS: {
        const l: number[] = [];
        for (let i = 0; i + 4 <= plen; i += 4) l.push(b.readUInt32LE(p + i));
        s.pending = l;
        break;
      }
      case UNIX_DIAG_RQLEN: s.recv_q = b.readUInt32LE(p); s.send_q = b.readUInt32LE(p + 4); break;
      case UNIX_DIAG_MEMINFO: s.mem = decodeSkMem(b, p, plen); break;
      case UNIX_DIAG_SHUTDOWN: s.shutdown = b[p]!; break;
      case UNIX_DIAG_UID: s.uid = b.readUInt32LE(p); break;
    }
    off += align4(len);
  }
  return s;
}

/** Every unix socket in this network namespace. */
export function dumpUnixSockets(opts: { states?: number; netns?: NetnsRef } = {}): UnixSocket[] {
  const out: UnixSocket[] = [];
  sockDiag(opts.netns).transact(SOCK_DIAG_BY_FAMILY, NLM_F_DUMP, buildUnixDiagReq(opts.states),
    (m) => { if (m.type === SOCK_DIAG_BY_FAMILY) out.push(parseUnixDiagMsg(m.body)); });
  return out;
}
