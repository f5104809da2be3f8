// NDJSON written as bytes straight into one reused output chunk. For 20,000 sockets with tcp_info
// (~25 MB of JSON) building strings and then encoding them cost as much as the kernel's dump and
// left ~60 ms of garbage collection; writing digits and constant names into a Buffer leaves no
// garbage per socket. Callers reserve room for a whole line first (room), then write freely.

let bigV = NaN;
let bigS = '';

// Writers copy 4 bytes per store through a DataView (V8 inlines setUint32/setUint16 into plain
// unaligned stores once optimised): constant fragments as precomputed little-endian words, digits as
// pairs from a 100-entry table. Stores may run up to 3 bytes past the position returned; the
// caller's reserved room covers that and the next write overwrites it.
let viewBuf: Uint8Array | undefined;
let view: DataView = new DataView(new ArrayBuffer(0));
/** A DataView over d (cached: callers write into the same chunk for thousands of lines). */
export function viewOf(d: Uint8Array): DataView {
  if (d !== viewBuf) { viewBuf = d; view = new DataView(d.buffer, d.byteOffset, d.byteLength); }
  return view;
}

/** "00".."99" as little-endian u16 ASCII pairs. */
const PAIRS = Uint16Array.from({ length: 100 }, (_, i) => (48 + ((i / 10) | 0)) | ((48 + (i % 10)) << 8));

/**
 * An ASCII constant as [length, word0, word1, ...]: little-endian 4-byte words, zero-padded,
 * written by putFrag with one store per 4 bytes.
 */
export function frag(s: string): Int32Array {
  const w = new Int32Array(1 + ((s.length + 3) >> 2));
  w[0] = s.length;
  for (let i = 0; i < s.length; i++) w[1 + (i >> 2)]! |= (s.charCodeAt(i) & 0xff) << (8 * (i & 3));
  return w;
}

/** Writes a frag() at v's offset p (may store up to 3 bytes past the end); returns the new position. */
export function putFrag(v: DataView, p: number, f: Int32Array): number {
  const n = f.length;
  for (let i = 1, q = p; i < n; i++, q += 4) v.setInt32(q, f[i]!, true);
  return p + f[0]!;
}

/** Decimal digits of an integer 0 <= x < 2^32 at v's offset p; returns the new position. */
export function writeU32(v: DataView, p: number, x: number): number {
  if (x < 10) { v.setUint8(p, 48 + x); return p + 1; }
  if (x < 100) { v.setUint16(p, PAIRS[x]!, true); return p + 2; }
  const n = x < 1000 ? 3 : x < 10000 ? 4 : x < 100000 ? 5 : x < 1000000 ? 6 : x < 10000000 ? 7
    : x < 100000000 ? 8 : x < 1000000000 ? 9 : 10;
  let q = p + n;
  while (x >= 100) {
    const t = Math.floor(x / 100);
    q -= 2;
    v.setUint16(q, PAIRS[x - t * 100]!, true);
    x = t;
  }
  if (x >= 10) v.setUint16(q - 2, PAIRS[x]!, true);
  else v.setUint8(q - 1, 48 + x);
  return p + n;
}

/** Exactly 8 digits (zero-padded) of 0 <= x < 1e8. */
function write8(v: DataView, p: number, x: number): void {
  for (let q = p + 6; q >= p; q -= 2) {
    const t = Math.floor(x / 100);
    v.setUint16(q, PAIRS[x - t * 100]!, true);
    x = t;
  }
}

/**
 * Decimal digits of a non-negative integer (a u64 read as hi * 2^32 + lo) as JavaScript prints it,
 * so the output equals that of the object path (`${n}` / JSON.stringify).
 */
export function writeNumV(v: DataView, p: number, x: number): number {
  if (x < 4294967296 && x >= 0) return writeU32(v, p, x);
  if (x < 9007199254740992 && x >= 0) {
    // exact below 2^53: the high part (< 2^53 / 1e8, well within u32) then 8 zero-padded digits
    const hi = Math.floor(x / 100000000);
    p = writeU32(v, p, hi);
    write8(v, p, x - hi * 100000000);
    return p + 8;
  }
  // past 2^53 (u64 "infinity" such as max_pacing_rate) or anything odd: JavaScript's spelling
  if (x !== bigV) { bigV = x; bigS = String(x); } // the same ~0 on every socket: printed once
  for (let i = 0; i < bigS.length; i++) v.setUint8(p++, bigS.charCodeAt(i));
  return p;
}

/** Writes the decimal digits of a non-negative integer at d[p]; returns the new position. */
export function writeNum(d: Buffer, p: number, v: number): number {
  return writeNumV(viewOf(d), p, v);
}

/** Writes an ASCII string (field names, addresses, state names) byte by byte. */
export function writeAscii(d: Buffer, p: number, s: string): number {
  for (let i = 0; i < s.length; i++) d[p++] = s.charCodeAt(i);
  return p;
}

/**
 * A chunk of output bytes handed to `sink` when full or on flush(). The sink must be done with the
 * bytes when it returns (fs.writeSync, or a stream that wrote synchronously: files and pipes on
 * Linux); `keepsChunk` says whether it held on to them, in which case a fresh chunk is used.
 */
export class ByteChunks {
  buf: Buffer;
  pos = 0;
  constructor(readonly sink: (b: Buffer) => boolean, size = 1 << 20) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** Makes room for n more bytes (flushing if needed); returns the buffer to write into. */
  room(n: number): Buffer {
    if (this.pos + n > this.buf.length) {
      this.flush();
      if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
    }
    return this.buf;
  }

  /** Any string, as UTF-8. */
  str(s: string): void {
    const d = this.room(3 * s.length);
    this.pos += d.write(s, this.pos, 'utf8');
  }

  flush(): void {
    if (this.pos === 0) return;
    const kept = this.sink(this.buf.subarray(0, this.pos));
    if (kept) this.buf = Buffer.allocUnsafe(this.buf.length);
    this.pos = 0;
  }
}

/** A ByteChunks writing to a Node stream (process.stdout), reusing its chunk when it can. */
export function streamChunks(out: NodeJS.WritableStream, size?: number): ByteChunks {
  return new ByteChunks((b) => {
    out.write(b);
    // stdout to a file or pipe is written synchronously on Linux: then the chunk can be reused
    return ((out as { writableLength?: number }).writableLength ?? 1) > 0;
  }, size);
}
