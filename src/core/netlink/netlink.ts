// Netlink over the libc FFI: one socket type for sock_diag, rtnetlink and generic netlink.
// Requests are built and replies parsed in TypeScript over Buffers; the parsing functions
// take bytes (not sockets) so that they are tested on captured replies without root.
import { NetdxError, errnoName, isPermissionErrno } from '../errors.js';
import { errno, libc, strerror } from '../ffi.js';
import { registerCleanup } from '../cleanup.js';

export const AF_NETLINK = 16;
export const NETLINK_ROUTE = 0;
export const NETLINK_SOCK_DIAG = 4;
export const NETLINK_GENERIC = 16;

export const NLM_F_REQUEST = 0x1;
export const NLM_F_MULTI = 0x2;
export const NLM_F_ACK = 0x4;
export const NLM_F_ROOT = 0x100;
export const NLM_F_MATCH = 0x200;
export const NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;

export const NLMSG_NOOP = 1;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLMSG_HDRLEN = 16;
const NLA_HDRLEN = 4;
const NLA_TYPE_MASK = 0x3fff; // drops NLA_F_NESTED and NLA_F_NET_BYTEORDER

const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_RCVBUF = 8;
const SOL_NETLINK = 270;
const NETLINK_EXT_ACK = 11;
const NETLINK_GET_STRICT_CHK = 12;

export interface NlMsg {
  type: number;
  flags: number;
  seq: number;
  pid: number;
  /** The message body after the 16-byte header (a view into the receive buffer copy). */
  body: Buffer;
}

export const align4 = (n: number): number => (n + 3) & ~3;

/** Builds one netlink message: header + body (+ attributes already encoded in body). */
export function buildMessage(type: number, flags: number, seq: number, body: Buffer): Buffer {
  const len = NLMSG_HDRLEN + body.length;
  const b = Buffer.alloc(align4(len));
  b.writeUInt32LE(len, 0);
  b.writeUInt16LE(type, 4);
  b.writeUInt16LE(flags, 6);
  b.writeUInt32LE(seq, 8);
  b.writeUInt32LE(0, 12);
  body.copy(b, NLMSG_HDRLEN);
  return b;
}

/** Encodes one attribute (type, payload), padded to 4 bytes. */
export function encodeAttr(type: number, payload: Buffer): Buffer {
  const len = NLA_HDRLEN + payload.length;
  const b = Buffer.alloc(align4(len));
  b.writeUInt16LE(len, 0);
  b.writeUInt16LE(type, 2);
  payload.copy(b, NLA_HDRLEN);
  return b;
}

export function attrU32(type: number, v: number): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt32LE(v >>> 0);
  return encodeAttr(type, p);
}

export function attrString(type: number, s: string): Buffer {
  return encodeAttr(type, Buffer.from(s + '\0'));
}

/**
 * Splits a receive buffer into messages. Throws on a truncated or malformed message rather
 * than returning half of it.
 */
export function parseMessages(buf: Buffer): NlMsg[] {
  const out: NlMsg[] = [];
  let off = 0;
  while (off + NLMSG_HDRLEN <= buf.length) {
    const len = buf.readUInt32LE(off);
    if (len < NLMSG_HDRLEN || off + len > buf.length) {
      throw new NetdxError('E_NETLINK', `parsing netlink reply: truncated message (length ${len} at offset ${off} of ${buf.length})`);
    }
    out.push({
      type: buf.readUInt16LE(off + 4),
      flags: buf.readUInt16LE(off + 6),
      seq: buf.readUInt32LE(off + 8),
      pid: buf.readUInt32LE(off + 12),
      body: buf.subarray(off + NLMSG_HDRLEN, off + len),
    });
    off += align4(len);
  }
  return out;
}

/** Attributes in buf[start, end) as (type -> payload); the last one of a type wins. */
export function parseAttrs(buf: Buffer, start = 0, end = buf.length): Map<number, Buffer> {
  const m = new Map<number, Buffer>();
  let off = start;
  while (off + NLA_HDRLEN <= end) {
    const len = buf.readUInt16LE(off);
    if (len < NLA_HDRLEN || off + len > end) break; // a truncated tail attribute is dropped
    m.set(buf.readUInt16LE(off + 2) & NLA_TYPE_MASK, buf.subarray(off + NLA_HDRLEN, off + len));
    off += align4(len);
  }
  return m;
}

/** Every attribute in order, repeated types kept (for nested lists). */
export function parseAttrList(buf: Buffer, start = 0, end = buf.length): Array<[number, Buffer]> {
  const out: Array<[number, Buffer]> = [];
  let off = start;
  while (off + NLA_HDRLEN <= end) {
    const len = buf.readUInt16LE(off);
    if (len < NLA_HDRLEN || off + len > end) break;
    out.push([buf.readUInt16LE(off + 2) & NLA_TYPE_MASK, buf.subarray(off + NLA_HDRLEN, off + len)]);
    off += align4(len);
  }
  return out;
}

export function attrCString(b: Buffer | undefined): string | undefined {
  if (!b) return undefined;
  const z = b.indexOf(0);
  return b.subarray(0, z < 0 ? b.length : z).toString('utf8');
}

/** The errno of an NLMSG_ERROR body (0 is an ACK). */
export function nlmsgErrno(body: Buffer): number {
  return -body.readInt32LE(0);
}

// A dump reply comes one skb per recv, and the kernel caps those at 32 KiB whatever the buffer
// (measured: 310 recvs of <= 31,980 bytes for a 9.8 MB, 20,000-socket dump with 32 KiB, 1 MiB or
// 8 MiB buffers alike); 1 MiB leaves room for large single replies.
const RECV_BUF = 1 << 20;

export class NetlinkSocket {
  private fd: number;
  private seq = 1;
  private readonly rbuf: Buffer = Buffer.alloc(RECV_BUF);
  private unregister: () => void;

  constructor(readonly protocol: number, readonly what = 'netlink') {
    const c = libc();
    const fd = c.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol) as number;
    if (fd < 0) {
      const e = errno();
      throw new NetdxError(isPermissionErrno(e) ? 'E_PERMISSION' : 'E_NETLINK',
        `opening ${what} socket: ${strerror(e)} (${errnoName(e)})`, { errno: e });
    }
    this.fd = fd;
    const one = Buffer.alloc(4);
    one.writeInt32LE(1);
    c.setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, one, 4);
    c.setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, one, 4);
    const sz = Buffer.alloc(4);
    sz.writeInt32LE(RECV_BUF);
    c.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, sz, 4);
    const sa = Buffer.alloc(12);
    sa.writeUInt16LE(AF_NETLINK, 0);
    if ((c.bind(fd, sa, 12) as number) < 0) {
      const e = errno();
      this.close();
      throw new NetdxError('E_NETLINK', `binding ${what} socket: ${strerror(e)}`, { errno: e });
    }
    this.unregister = registerCleanup(() => this.close());
  }

  private send(msg: Buffer): void {
    const sa = Buffer.alloc(12);
    sa.writeUInt16LE(AF_NETLINK, 0);
    const n = libc().sendto(this.fd, msg, msg.length, 0, sa, 12) as number;
    if (n < 0) {
      const e = errno();
      throw new NetdxError('E_NETLINK', `sending ${this.what} request: ${strerror(e)}`, { errno: e });
    }
  }

  private recvChunk(into: Buffer): Buffer {
    for (;;) {
      const n = Number(libc().recv(this.fd, into, into.length, 0));
      if (n < 0) {
        const e = errno();
        if (e === 4) continue; // EINTR
        throw new NetdxError('E_NETLINK', `receiving ${this.what} reply: ${strerror(e)} (${errnoName(e)})`, { errno: e });
      }
      return into.subarray(0, n);
    }
  }

  /**
   * Sends a request and collects every reply message until NLMSG_DONE (dumps) or the ACK /
   * single reply (requests). Messages are handed to `onMessage` straight from the receive
   * buffer (valid only during the call), so a 20,000-socket dump is never copied whole.
   */
  transact(type: number, flags: number, body: Buffer, onMessage: (m: NlMsg) => void): void {
    this.transactRaw(type, flags, body, (buf, start, end, mtype, mflags) => onMessage({
      type: mtype, flags: mflags, seq: buf.readUInt32LE(start - 8), pid: buf.readUInt32LE(start - 4), body: buf.subarray(start, end),
    }));
  }

  /**
   * transact() without an object or a sub-Buffer per message: `onMessage` gets the receive buffer
   * and the body's [start, end) in it (valid only during the call). For dumps of tens of thousands
   * of sockets, where those allocations were a visible share of the time and of the GC.
   * `into` receives instead of the socket's own buffer (the NDJSON writer's WebAssembly memory).
   */
  transactRaw(type: number, flags: number, body: Buffer,
    onMessage: (buf: Buffer, start: number, end: number, type: number, flags: number) => void, into = this.rbuf): void {
    const seq = this.seq++;
    this.send(buildMessage(type, flags | NLM_F_REQUEST, seq, body));
    const dump = (flags & NLM_F_DUMP) !== 0;
    // When onMessage throws, the rest of the reply is still read (to NLMSG_DONE for this
    // sequence number) before the error goes up: a dump left open on the socket makes the
    // kernel refuse the next request on it with EBUSY.
    let failed: { err: unknown } | undefined;
    for (;;) {
      const chunk = this.recvChunk(into);
      const n = chunk.length;
      for (let off = 0; off + NLMSG_HDRLEN <= n;) {
        const len = chunk.readUInt32LE(off);
        if (len < NLMSG_HDRLEN || off + len > n) {
          throw new NetdxError('E_NETLINK', `parsing netlink reply: truncated message (length ${len} at offset ${off} of ${n})`);
        }
        const mtype = chunk.readUInt16LE(off + 4);
        const mflags = chunk.readUInt16LE(off + 6);
        const start = off + NLMSG_HDRLEN;
        const end = off + len;
        off += align4(len);
        if (chunk.readUInt32LE(start - 8) !== seq) continue; // a stale reply to an earlier request
        if (mtype === NLMSG_DONE) {
          if (failed) throw failed.err;
          // A dump that failed before its first message reports the errno in DONE's payload
          // (e.g. ENOENT: no sock_diag handler for that protocol in this kernel).
          const e = end - start >= 4 ? -chunk.readInt32LE(start) : 0;
          if (e > 0) {
            throw new NetdxError(isPermissionErrno(e) ? 'E_PERMISSION' : 'E_NETLINK',
              `dumping ${this.what} (type ${type}): ${strerror(e)} (${errnoName(e)})`, { errno: e });
          }
          return;
        }
        if (mtype === NLMSG_ERROR) {
          if (failed) throw failed.err;
          const e = -chunk.readInt32LE(start);
          if (e === 0) return; // ACK
          throw new NetdxError(isPermissionErrno(e) ? 'E_PERMISSION' : 'E_NETLINK',
            `requesting ${this.what} (type ${type}): ${strerror(e)} (${errnoName(e)})`, { errno: e });
        }
        if (mtype === NLMSG_NOOP || failed) continue;
        try {
          onMessage(chunk, start, end, mtype, mflags);
        } catch (err) {
          if (!dump && !(mflags & NLM_F_MULTI)) throw err; // a single reply: nothing more follows
          failed = { err };
          continue;
        }
        if (!dump && !(mflags & NLM_F_MULTI) && !(flags & NLM_F_ACK)) return;
      }
    }
  }

  /** Convenience: all reply bodies, copied. */
  request(type: number, flags: number, body: Buffer): NlMsg[] {
    const out: NlMsg[] = [];
    this.transact(type, flags, body, (m) => out.push({ ...m, body: Buffer.from(m.body) }));
    return out;
  }

  close(): void {
    if (this.fd >= 0) {
      libc().close(this.fd);
      this.fd = -1;
    }
    this.unregister?.();
  }
}
