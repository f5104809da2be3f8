// The sockets tool's NDJSON lines, written as bytes straight from sock_diag's inet_diag replies
// (core/netlink/sockdiag.ts receives and decodes them; this file only writes): one line per
// socket without an object or a string in between, the same bytes as inetSocketJson() gives for
// the decoded socket. inetjson.ts writes the same lines in WebAssembly and falls back to this.
// Field names and offsets come from sockdiag.ts's tables (TCP_INFO_LAYOUT, SK_MEMINFO_NAMES,
// STATE_NAMES), so the decoder and the writers have one source.
import { formatIPv6 } from '../../core/addr.js';
import { NetdxError } from '../../core/errors.js';
import { align4 } from '../../core/netlink/netlink.js';
import {
  AF_INET6, INET_DIAG_CONG, INET_DIAG_INFO, INET_DIAG_SHUTDOWN, INET_DIAG_SKMEMINFO, SK_MEMINFO_NAMES, STATE_NAMES,
  TCP_INFO_LAYOUT, cstr, type InetSocket, type Proto, type TcpInfoFieldType,
} from '../../core/netlink/sockdiag.js';
import { frag, putFrag, viewOf, writeAscii, writeNumV, writeU32 } from './ndjson.js';

// tcp_info straight to JSON bytes, driven by a table: keys stored from one pool of 4-byte
// words, numbers written as digit pairs (ndjson.ts), so 20,000 sockets build no object and no
// string each. A compact loop on purpose: a one-shot run is over in ~0.3 s, and V8 optimises this
// loop within the first few hundred sockets, whereas a generated straight-line encoder (~1,000
// constant stores) ran unoptimised for most of a 20,000-socket dump (~70-110 ms against ~480 ms).
const K_U8 = 0, K_LO4 = 1, K_HI4 = 2, K_BIT0 = 3, K_BITS12 = 4, K_U16 = 5, K_U32 = 6, K_U64 = 7;
const KIND: Record<TcpInfoFieldType, number> = { u8: K_U8, lo4: K_LO4, hi4: K_HI4, bit0: K_BIT0, bits1_2: K_BITS12, u16: K_U16, u32: K_U32, u64: K_U64 };
const TI_OFF = Int32Array.from(TCP_INFO_LAYOUT, (f) => f.off);
const TI_END = Int32Array.from(TCP_INFO_LAYOUT, (f) => f.off + f.size);
const TI_KIND = Int32Array.from(TCP_INFO_LAYOUT, (f) => KIND[f.type]);
const TI_KEY_TEXT = TCP_INFO_LAYOUT.map((f, i) => `${i ? ',' : '{'}"${f.name}":`);
const TI_KEY_FRAGS = TI_KEY_TEXT.map(frag);
/** Key i is words TI_KW[TI_KW_AT[i], TI_KW_AT[i+1]) and TI_KLEN[i] bytes long. */
const TI_KLEN = Int32Array.from(TI_KEY_FRAGS, (k) => k[0]!);
const TI_KW_AT = Int32Array.from({ length: TI_KEY_FRAGS.length + 1 },
  (_, i) => TI_KEY_FRAGS.slice(0, i).reduce((a, k) => a + k.length - 1, 0));
const TI_KW = Int32Array.from(TI_KEY_FRAGS.flatMap((k) => [...k.subarray(1)]));

/** Input views, cached like viewOf's (one receive buffer for a whole dump). */
let inBuf: Uint8Array | undefined;
let inView: DataView = new DataView(new ArrayBuffer(0));
function viewIn(b: Uint8Array): DataView {
  if (b !== inBuf) { inBuf = b; inView = new DataView(b.buffer, b.byteOffset, b.byteLength); }
  return inView;
}

/** tcp_info at buf[off, off+len) as a JSON object, written at d[p]; returns the new position. */
export function writeTcpInfoJson(b: Buffer, o: number, len: number, d: Buffer, p: number): number {
  return tcpInfoJson(viewIn(b), o, len, viewOf(d), p);
}

function tcpInfoJson(bv: DataView, o: number, len: number, dv: DataView, p: number): number {
  const n = TI_OFF.length;
  let i = 0;
  for (; i < n && TI_END[i]! <= len; i++) {
    for (let w = TI_KW_AT[i]!, we = TI_KW_AT[i + 1]!, q = p; w < we; w++, q += 4) dv.setInt32(q, TI_KW[w]!, true);
    p += TI_KLEN[i]!;
    const at = o + TI_OFF[i]!;
    let v: number;
    switch (TI_KIND[i]) {
      case K_U8: v = bv.getUint8(at); break;
      case K_LO4: v = bv.getUint8(at) & 15; break;
      case K_HI4: v = bv.getUint8(at) >> 4; break;
      case K_BIT0: v = bv.getUint8(at) & 1; break;
      case K_BITS12: v = (bv.getUint8(at) >> 1) & 3; break;
      case K_U16: v = bv.getUint16(at, true); break;
      case K_U32: v = bv.getUint32(at, true); break;
      default: {
        const hi = bv.getUint32(at + 4, true);
        v = bv.getUint32(at, true);
        if (hi !== 0) { p = writeNumV(dv, p, hi * 4294967296 + v); continue; }
      }
    }
    // most tcp_info values are single digits (zeros above all)
    if (v < 10) dv.setUint8(p++, 48 + v);
    else p = writeU32(dv, p, v);
  }
  if (i === 0) dv.setUint8(p++, 123);
  dv.setUint8(p, 125);
  return p + 1;
}

const SKMEM_KEY_TEXT = SK_MEMINFO_NAMES.map((n, i) => `${i ? ',' : '{'}"${n}":`);
const SKMEM_KEYS = SKMEM_KEY_TEXT.map(frag);
function skMemJson(bv: DataView, o: number, len: number, dv: DataView, p: number): number {
  for (let i = 0; i < 9; i++) {
    p = putFrag(dv, p, SKMEM_KEYS[i]!);
    p = writeU32(dv, p, 4 * i + 4 <= len ? bv.getUint32(o + 4 * i, true) : 0);
  }
  dv.setUint8(p, 125);
  return p + 1;
}

/** The owner fragment of a socket nobody is known to own (without -p, or owner gone). */
export const NO_OWNER_JSON = ',"pid":null,"comm":null';

/** Room to reserve for one inet line before writeInetDiagJson, beyond the owner fragment. */
export const INET_JSON_LINE_MAX = 8192;

/** Writes a quoted JSON string of the C string at b[start, end) (kernel names: ASCII). */
function writeCStrJson(b: Buffer, start: number, end: number, d: Buffer, p: number): number {
  const p0 = p;
  d[p++] = 34;
  for (let i = start; i < end && i < start + 64; i++) {
    const c = b[i]!;
    if (c === 0) break;
    // anything that would need escaping is not a congestion-control name: write it as JSON would
    if (c < 0x20 || c === 34 || c === 92 || c >= 0x7f) return p0 + d.write(JSON.stringify(cstr(b, start, end)), p0, 'utf8');
    d[p++] = c;
  }
  d[p] = 34;
  return p + 1;
}

function writeAddr(b: Buffer, bv: DataView, o: number, v6: boolean, d: Buffer, dv: DataView, p: number): number {
  if (v6) return writeAscii(d, p, formatIPv6(b, o));
  p = writeU32(dv, p, bv.getUint8(o)); dv.setUint8(p++, 46);
  p = writeU32(dv, p, bv.getUint8(o + 1)); dv.setUint8(p++, 46);
  p = writeU32(dv, p, bv.getUint8(o + 2)); dv.setUint8(p++, 46);
  return writeU32(dv, p, bv.getUint8(o + 3));
}

const PROTO_HEAD_TEXT = ['{"proto":"tcp","family":', '{"proto":"udp","family":', '{"proto":"raw","family":'];
const PROTO_HEAD: Record<Proto, Int32Array> = { tcp: frag(PROTO_HEAD_TEXT[0]!), udp: frag(PROTO_HEAD_TEXT[1]!), raw: frag(PROTO_HEAD_TEXT[2]!) };
const STATE_TEXT = STATE_NAMES.map((n) => `,"state":"${n}","laddr":"`);
const STATE_JSON = STATE_TEXT.map(frag);
const T_LPORT = '","lport":', T_RADDR = ',"raddr":"', T_RPORT = '","rport":', T_RECVQ = ',"recv_q":', T_SENDQ = ',"send_q":';
const T_INODE = ',"inode":', T_UID = ',"uid":', T_IFINDEX = ',"ifindex":', T_COOKIE = ',"cookie":';
const T_CONG = ',"cong":', T_SHUTDOWN = ',"shutdown":', T_TCP_INFO = ',"tcp_info":', T_MEM = ',"mem":';
const F_LPORT = frag(T_LPORT), F_RADDR = frag(T_RADDR), F_RPORT = frag(T_RPORT), F_RECVQ = frag(T_RECVQ), F_SENDQ = frag(T_SENDQ);
const F_INODE = frag(T_INODE), F_UID = frag(T_UID), F_IFINDEX = frag(T_IFINDEX), F_COOKIE = frag(T_COOKIE), F_NO_OWNER = frag(NO_OWNER_JSON);
const F_CONG = frag(T_CONG), F_SHUTDOWN = frag(T_SHUTDOWN), F_TCP_INFO = frag(T_TCP_INFO), F_MEM = frag(T_MEM);

/**
 * What inetjson.as.ts (the WebAssembly writer of the same lines) needs: the constant pieces of a
 * line, in the order that file numbers them, and tcp_info's layout.
 */
export const INET_JSON_TABLES = {
  frags: [
    ...PROTO_HEAD_TEXT, ...STATE_TEXT, ',"state":"STATE-', '","laddr":"',
    T_LPORT, T_RADDR, T_RPORT, T_RECVQ, T_SENDQ, T_INODE, T_UID, T_IFINDEX, T_COOKIE, NO_OWNER_JSON,
    T_CONG, T_SHUTDOWN, T_TCP_INFO, T_MEM, ...SKMEM_KEY_TEXT, String(2 ** 64),
  ] as readonly string[],
  tcpInfo: { off: TI_OFF, end: TI_END, kind: TI_KIND, keys: TI_KEY_TEXT },
};

/**
 * One NDJSON line for the inet_diag_msg body at b[o, end), written as bytes at d[p] (the caller
 * reserved INET_JSON_LINE_MAX plus the owner fragment's UTF-8 length); returns the new position.
 * `who` is the owner fragment (`,"pid":..,"comm":..`). The same fields, in the same order, as
 * inetSocketJson() gives for a decoded InetSocket (the tests hold the two equal).
 */
export function writeInetDiagJson(b: Buffer, o: number, end: number, proto: Proto, who: string, d: Buffer, p: number): number {
  if (end - o < 72) throw new NetdxError('E_NETLINK', `decoding inet_diag_msg: ${end - o} bytes, a message has at least 72`);
  const bv = viewIn(b);
  const dv = viewOf(d);
  const v6 = bv.getUint8(o) === AF_INET6;
  const st = bv.getUint8(o + 1);
  p = putFrag(dv, p, PROTO_HEAD[proto]);
  dv.setUint8(p++, v6 ? 54 : 52);
  const sf = STATE_JSON[st];
  p = sf ? putFrag(dv, p, sf) : writeAscii(d, p, `,"state":"STATE-${st}","laddr":"`);
  p = writeAddr(b, bv, o + 8, v6, d, dv, p);
  p = putFrag(dv, p, F_LPORT);
  p = writeU32(dv, p, bv.getUint16(o + 4));
  p = putFrag(dv, p, F_RADDR);
  p = writeAddr(b, bv, o + 24, v6, d, dv, p);
  p = putFrag(dv, p, F_RPORT);
  p = writeU32(dv, p, bv.getUint16(o + 6));
  p = putFrag(dv, p, F_RECVQ);
  p = writeU32(dv, p, bv.getUint32(o + 56, true));
  p = putFrag(dv, p, F_SENDQ);
  p = writeU32(dv, p, bv.getUint32(o + 60, true));
  p = putFrag(dv, p, F_INODE);
  p = writeU32(dv, p, bv.getUint32(o + 68, true));
  p = putFrag(dv, p, F_UID);
  p = writeU32(dv, p, bv.getUint32(o + 64, true));
  p = putFrag(dv, p, F_IFINDEX);
  p = writeU32(dv, p, bv.getUint32(o + 40, true));
  p = putFrag(dv, p, F_COOKIE);
  const lo = bv.getUint32(o + 44, true), hi = bv.getUint32(o + 48, true);
  // exact, as the object path's bigint: a cookie is an identifier, not a measure
  p = hi === 0 ? writeU32(dv, p, lo) : hi < 0x200000 ? writeNumV(dv, p, hi * 4294967296 + lo)
    : writeAscii(d, p, ((BigInt(hi) << 32n) | BigInt(lo)).toString());
  // the owner fragment: the same constant for every socket without -p, so no Buffer.write (and its
  // argument checks) per socket unless there is an owner
  p = who === NO_OWNER_JSON ? putFrag(dv, p, F_NO_OWNER) : p + d.write(who, p, 'utf8');
  // attributes: cong, shutdown, tcp_info, mem, in that order whatever order the kernel sent them
  let info = -1, infoLen = 0, mem = -1, memLen = 0, cong = -1, congEnd = 0, shut = -1;
  for (let off = o + 72; off + 4 <= end;) {
    const len = bv.getUint16(off, true);
    if (len < 4 || off + len > end) break;
    const type = bv.getUint16(off + 2, true) & 0x3fff;
    if (type === INET_DIAG_INFO) { if (proto === 'tcp') { info = off + 4; infoLen = len - 4; } }
    else if (type === INET_DIAG_SKMEMINFO) { mem = off + 4; memLen = len - 4; }
    else if (type === INET_DIAG_CONG) { cong = off + 4; congEnd = off + len; }
    else if (type === INET_DIAG_SHUTDOWN) shut = bv.getUint8(off + 4);
    off += align4(len);
  }
  if (cong >= 0) { p = putFrag(dv, p, F_CONG); p = writeCStrJson(b, cong, congEnd, d, p); }
  if (shut >= 0) { p = putFrag(dv, p, F_SHUTDOWN); p = writeU32(dv, p, shut); }
  if (info >= 0) { p = putFrag(dv, p, F_TCP_INFO); p = tcpInfoJson(bv, info, infoLen, dv, p); }
  if (mem >= 0) { p = putFrag(dv, p, F_MEM); p = skMemJson(bv, mem, memLen, dv, p); }
  dv.setUint16(p, 0x0a7d, true); // "}\n"
  return p + 2;
}

let scratch: Buffer | undefined;
/** One NDJSON line for an inet_diag_msg body, as a string (writeInetDiagJson is the fast path). */
export function inetDiagJsonLine(b: Buffer, proto: Proto, who: string): string {
  const need = INET_JSON_LINE_MAX + 3 * who.length;
  if (!scratch || scratch.length < need) scratch = Buffer.allocUnsafe(need);
  const n = writeInetDiagJson(b, 0, b.length, proto, who, scratch, 0);
  return scratch.toString('utf8', 0, n);
}

/** The NDJSON line for a decoded socket (same shape as inetDiagJsonLine). */
export function inetSocketJson(s: InetSocket, who: string): string {
  return `{"proto":"${s.proto}","family":${s.family},"state":"${s.state}","laddr":"${s.laddr}","lport":${s.lport},`
    + `"raddr":"${s.raddr}","rport":${s.rport},"recv_q":${s.recv_q},"send_q":${s.send_q},"inode":${s.inode},"uid":${s.uid},`
    + `"ifindex":${s.ifindex},"cookie":${s.cookie}${who}`
    + (s.cong !== undefined ? `,"cong":${JSON.stringify(s.cong)}` : '')
    + (s.shutdown !== undefined ? `,"shutdown":${s.shutdown}` : '')
    + (s.protocol !== undefined ? `,"protocol":${s.protocol}` : '')
    + (s.tcp_info ? `,"tcp_info":${JSON.stringify(s.tcp_info)}` : '')
    + (s.mem ? `,"mem":${JSON.stringify(s.mem)}` : '')
    + '}\n';
}
