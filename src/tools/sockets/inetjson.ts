// NDJSON lines of inet_diag replies written by WebAssembly (inetjson.as.ts, built into
// dist/wasm/inetjson.wasm): the same bytes as writeInetDiagJson() (json.ts), without V8's warm-up. The
// netlink replies are received straight into the module's memory and the lines written there,
// so no byte crosses between JavaScript and WebAssembly but the output chunks.
import { readFileSync } from 'node:fs';
import { NetdxError } from '../../core/errors.js';
import { DIST_DIR } from '../../core/files.js';
import type { Proto } from '../../core/netlink/sockdiag.js';
import { INET_JSON_LINE_MAX, INET_JSON_TABLES, NO_OWNER_JSON, writeInetDiagJson } from './json.js';

const WASM_PATH = `${DIST_DIR}wasm/inetjson.wasm`;

interface Exports {
  memory: WebAssembly.Memory;
  FRAG_COUNT: WebAssembly.Global;
  reserve(n: number): number;
  setTables(count: number, off: number, end: number, kind: number, keyAt: number, keys: number, fAt: number, fBytes: number): void;
  inetLine(o: number, end: number, proto: number, who: number, whoLen: number, p: number): number;
}

const PROTO_NUM: Record<Proto, number> = { tcp: 0, udp: 1, raw: 2 };
/** The netlink receive area: the kernel sends dump replies in skbs of at most 32 KiB. */
const RECV_SIZE = 1 << 20;
const OUT_SIZE = 1 << 20;
const WHO_MAX = 1 << 16;
/** Stores may run 7 bytes past a line's end (see copy() in inetjson.as.ts). */
const SLACK = 16;

/**
 * Lines of inet sockets into output chunks handed to `sink`, which says whether it kept the bytes
 * (as ByteChunks' sinks do).
 */
export class InetJsonWriter {
  /** Receive netlink replies here (forEachInetDiagMsg's recvBuf). */
  readonly recvBuf: Buffer;
  private readonly x: Exports;
  private readonly out: Buffer;
  private readonly outAt: number;
  private readonly whoAt: number;
  private readonly mem: Buffer;
  private pos = 0;
  private direct = false;

  private constructor(x: Exports, private readonly sink: (b: Buffer) => boolean) {
    this.x = x;
    const t = INET_JSON_TABLES;
    if ((x.FRAG_COUNT.value as number) !== t.frags.length) throw new NetdxError('E_INTERNAL', `loading inetjson.wasm: it numbers ${x.FRAG_COUNT.value} fragments, json.ts has ${t.frags.length}`);
    const n = t.tcpInfo.off.length;
    const keyText = t.tcpInfo.keys.join('');
    const fragText = t.frags.join('');
    const at = {
      off: x.reserve(4 * n), end: x.reserve(4 * n), kind: x.reserve(4 * n), keyAt: x.reserve(4 * (n + 1)),
      keys: x.reserve(keyText.length + SLACK), fragAt: x.reserve(4 * (t.frags.length + 1)), frags: x.reserve(fragText.length + SLACK),
    };
    const recvAt = x.reserve(RECV_SIZE + SLACK);
    this.outAt = x.reserve(OUT_SIZE + INET_JSON_LINE_MAX + WHO_MAX + SLACK);
    this.whoAt = x.reserve(WHO_MAX + SLACK);
    // every reserve() is done: from here the memory no longer grows, so views stay valid
    this.mem = Buffer.from(x.memory.buffer);
    const i32 = (p: number, v: ArrayLike<number>) => new Int32Array(x.memory.buffer, p, v.length).set(v);
    i32(at.off, t.tcpInfo.off); i32(at.end, t.tcpInfo.end); i32(at.kind, t.tcpInfo.kind);
    const starts = (parts: readonly string[]) => parts.reduce<number[]>((a, s) => [...a, a[a.length - 1]! + s.length], [0]);
    i32(at.keyAt, starts(t.tcpInfo.keys)); this.mem.write(keyText, at.keys, 'latin1');
    i32(at.fragAt, starts(t.frags)); this.mem.write(fragText, at.frags, 'latin1');
    x.setTables(n, at.off, at.end, at.kind, at.keyAt, at.keys, at.fragAt, at.frags);
    if (x.memory.buffer !== this.mem.buffer) throw new NetdxError('E_INTERNAL', 'writing socket JSON: inetjson.wasm memory grew after open');
    this.recvBuf = this.mem.subarray(recvAt, recvAt + RECV_SIZE);
    this.out = this.mem.subarray(this.outAt, this.outAt + OUT_SIZE + INET_JSON_LINE_MAX + WHO_MAX);
  }

  /** The writer, or undefined when inetjson.wasm is not built (the JavaScript writer then does it). */
  static open(sink: (b: Buffer) => boolean): InetJsonWriter | undefined {
    let bytes: Buffer;
    try { bytes = readFileSync(WASM_PATH); } catch { return undefined; }
    // abort(): AssemblyScript's call when memory cannot grow (reserve() happens once, at open)
    const env = { abort: () => { throw new NetdxError('E_INTERNAL', 'writing socket JSON: inetjson.wasm is out of memory'); } };
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), { env });
    return new InetJsonWriter(inst.exports as unknown as Exports, sink);
  }

  /** The line of the inet_diag_msg at buf[start, end) (buf: a view of recvBuf), with owner fragment `who`. */
  line(buf: Buffer, start: number, end: number, proto: Proto, who: string): void {
    if (end - start < 72) throw new NetdxError('E_NETLINK', `decoding inet_diag_msg: ${end - start} bytes, a message has at least 72`);
    let whoLen = 0;
    if (who !== NO_OWNER_JSON) {
      whoLen = this.mem.write(who, this.whoAt, WHO_MAX, 'utf8');
      if (whoLen === WHO_MAX) { whoLen = 0; who = NO_OWNER_JSON; } // cannot happen: pid and comm are short
    }
    if (this.pos + INET_JSON_LINE_MAX + whoLen > OUT_SIZE) this.flush();
    const o = buf.byteOffset + start;
    const p = this.x.inetLine(o, buf.byteOffset + end, PROTO_NUM[proto], this.whoAt, whoLen, this.outAt + this.pos);
    // 0: a line the module leaves to JavaScript (a name to escape, a u64 JavaScript would round)
    this.pos = p !== 0 ? p - this.outAt : writeInetDiagJson(buf, start, end, proto, who, this.out, this.pos);
  }

  flush(): void {
    if (this.pos === 0) return;
    const b = this.out.subarray(0, this.pos);
    // This memory is reused for the next chunk: the sink gets copies until one write shows that it
    // is done with the bytes when it returns (stdout to a file, pipe or terminal on Linux is).
    if (this.direct) this.sink(b);
    else this.direct = !this.sink(Buffer.from(b));
    this.pos = 0;
  }
}
