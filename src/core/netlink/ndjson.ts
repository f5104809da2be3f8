// NDJSON written as bytes straight into one reused output chunk. For 20,000 sockets with tcp_info
// (~25 MB of JSON) building strings and then encoding them cost as much as the kernel's dump and
// left ~60 ms of garbage collection; writing digits and constant names into a Buffer leaves no
// garbage per socket. Callers reserve room for a whole line first (room), then write freely.

let bigV = NaN;
let bigS = '';

/** Writes the decimal digits of a non-negative integer at d[p]; returns the new position. */
export function writeNum(d: Buffer, p: number, v: number): number {
  if (v < 10 && v >= 0) { d[p] = 48 + v; return p + 1; }
  if (v < 2147483648 && v >= 0) {
    // int32 range: V8 turns the divisions into multiplications (most tcp_info values land here)
    let n = 2;
    for (let t = 100; n < 10 && v >= t; t *= 10) n++;
    let q = p + n;
    let x = v | 0;
    while (x >= 10) {
      const t = (x / 10) | 0;
      d[--q] = 48 + x - t * 10;
      x = t;
    }
    d[--q] = 48 + x;
    return p + n;
  }
  // Past 2^53 (u64 "infinity" such as max_pacing_rate) or anything odd: as JavaScript prints it,
  // so the output equals that of the object path (`${n}` / JSON.stringify).
  if (!(v < 9007199254740992 && v >= 0)) {
    if (v !== bigV) { bigV = v; bigS = String(v); } // the same ~0 on every socket: printed once
    return writeAscii(d, p, bigS);
  }
  let n = 2;
  for (let t = 100; n < 16 && v >= t; t *= 10) n++;
  let q = p + n;
  while (v >= 10) {
    const t = Math.floor(v / 10);
    d[--q] = 48 + (v - t * 10);
    v = t;
  }
  d[--q] = 48 + v;
  return p + n;
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
  constructor(private readonly sink: (b: Buffer) => boolean, size = 1 << 20) {
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
