// BPF ring buffer consumer that never blocks Node's event loop and makes no FFI call per
// record: the ring's pages are mmap'd once and read through a DataView; the consumer position
// is written back directly. Measured on this machine kind: ~0.09 µs of JS per record against
// ~1.6 µs through libbpf's ring_buffer__consume with a per-record callback.
//
// Layout (kernel/bpf/ringbuf.c): page 0 holds consumer_pos (written by us), page 1 holds
// producer_pos (read-only), then the data area of `size` bytes mapped twice back to back so a
// record that wraps reads contiguously. Each record has an 8-byte header: u32 len with
// BUSY (bit 31) and DISCARD (bit 30) flags, u32 page offset; records are 8-byte aligned.
//
// Every reader of the process is drained by one shared poller (one timer, however many probes),
// and a reader is safe to use after close: poll() then reads nothing and returns 0.
import { NetdxError } from '../errors.js';
import { errno, libc, strerror, viewMemory, type Ptr } from '../ffi.js';
import { registerCleanup } from '../cleanup.js';
import type { BpfMap } from './map.js';

const PROT_READ = 1;
const PROT_WRITE = 2;
const MAP_SHARED = 1;
const BUSY = 0x80000000;
const DISCARD = 0x40000000;
const HDR = 8;
const MAP_FAILED = 0xffffffffffffffffn;

export type RecordHandler = (view: DataView, offset: number, length: number) => void;

export interface RingBufOptions {
  /**
   * Told of each record whose handler threw. The record is counted in `failed` and consumed
   * all the same: it is never delivered twice, and the other records (and probes) go on.
   */
  onError?: (err: unknown) => void;
}

export class RingBufReader {
  private consumerPtr: Ptr = 0n;
  private dataPtr: Ptr = 0n;
  // 64-bit positions are read and written with Atomics: a single 8-byte access. A DataView
  // store may be split into smaller writes, and a half-written consumer position can run ahead
  // of the producer for an instant; the kernel then computes the free space with an underflow
  // and refuses every reserve as "ring full" (seen under load in bench/tcplife).
  private readonly consumer: BigUint64Array;
  private readonly producer: BigUint64Array;
  /** Record headers, read with Atomics.load: ordered after the kernel's xchg that clears BUSY
   * (smp_store_release in bpf_ringbuf_commit), which a plain load is not on arm64. */
  private readonly headers: Uint32Array;
  private readonly data: DataView;
  private readonly mask: number;
  private readonly page: number;
  private readonly size: number;
  private readonly unregister: () => void;
  private closed = false;
  /** Records handed to the handler so far (not counting discarded ones). */
  records = 0;
  /** Records whose handler threw. */
  failed = 0;

  constructor(map: BpfMap, private readonly onRecord: RecordHandler, size: number, private readonly opts: RingBufOptions = {}) {
    const c = libc();
    this.page = c.getpagesize() as number;
    this.size = size;
    this.mask = size - 1;
    const fd = map.fd;
    const cons = c.mmap(null, this.page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) as Ptr;
    if (cons === MAP_FAILED || cons === null) {
      const e = errno();
      throw new NetdxError('E_BPF_MAP', `mapping ring buffer ${map.name}: ${strerror(e)}`, { errno: e });
    }
    const prod = c.mmap(null, this.page + 2 * size, PROT_READ, MAP_SHARED, fd, this.page) as Ptr;
    if (prod === MAP_FAILED || prod === null) {
      const e = errno();
      c.munmap(cons, this.page);
      throw new NetdxError('E_BPF_MAP', `mapping ring buffer ${map.name}: ${strerror(e)}`, { errno: e });
    }
    this.consumerPtr = cons;
    this.dataPtr = prod;
    this.consumer = new BigUint64Array(viewMemory(cons, this.page), 0, 1);
    const all = viewMemory(prod, this.page + 2 * size);
    this.producer = new BigUint64Array(all, 0, 1);
    this.data = new DataView(all, this.page, 2 * size);
    this.headers = new Uint32Array(all, this.page, (2 * size) / 4);
    this.unregister = registerCleanup(() => this.close());
  }

  get isClosed(): boolean { return this.closed; }

  /** Reads every complete record now; returns how many were handed to the handler (0 once closed). */
  poll(): number {
    if (this.closed) return 0;
    const start = Number(Atomics.load(this.consumer, 0));
    let cons = start;
    const prod = Number(Atomics.load(this.producer, 0));
    let n = 0;
    try {
      while (cons < prod) {
        const off = cons & this.mask;
        const len = Atomics.load(this.headers, off >>> 2);
        if (len & BUSY) break; // the producer is still writing this one
        const payload = len & ~(BUSY | DISCARD);
        const next = cons + ((payload + HDR + 7) & ~7);
        if (!(len & DISCARD)) {
          n++;
          try {
            this.onRecord(this.data, off + HDR, payload);
          } catch (e) {
            this.failed++;
            this.opts.onError?.(e);
          }
        }
        cons = next;
        // Publish every 1,024 records too, so the kernel can reuse space during a long drain.
        if ((n & 1023) === 0) Atomics.store(this.consumer, 0, BigInt(cons));
      }
    } finally {
      // Whatever happens above (an onError that throws), what was consumed stays consumed.
      if (cons !== start && !this.closed) Atomics.store(this.consumer, 0, BigInt(cons));
      this.records += n;
    }
    return n;
  }

  /** Drains on the shared poller's timer (every `intervalMs` at most): cheap, and never blocks. */
  start(intervalMs = DEFAULT_POLL_MS): void {
    if (!this.closed) poller.add(this, intervalMs);
  }

  stop(): void {
    poller.remove(this);
  }

  /** Stops polling and unmaps the ring; safe to call again, and poll() is a no-op after it. */
  close(): void {
    if (this.closed) return;
    this.stop();
    this.closed = true;
    libc().munmap(this.consumerPtr, this.page);
    libc().munmap(this.dataPtr, this.page + 2 * this.size);
    this.consumerPtr = 0n;
    this.dataPtr = 0n;
    this.unregister();
  }
}

export const DEFAULT_POLL_MS = 10;

/**
 * One timer for every ring of the process: the doctor's bundle of probes and a tool with several
 * rings wake once per interval, not once per ring. Tick hooks (a CLI writing out what the drain
 * produced) run after each drain. The timer keeps the process alive only while a reader polls.
 */
class Poller {
  private readonly readers = new Map<RingBufReader, number>();
  private readonly hooks = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private interval = 0;

  add(r: RingBufReader, intervalMs: number): void {
    this.readers.set(r, Math.max(1, intervalMs));
    this.arm();
  }

  remove(r: RingBufReader): void {
    if (this.readers.delete(r)) this.arm();
  }

  /** Runs `fn` after every drain; returns the function that removes it. */
  onTick(fn: () => void): () => void {
    this.hooks.add(fn);
    return () => { this.hooks.delete(fn); };
  }

  /** Drains every reader now, then runs the hooks. */
  drain(): void {
    for (const r of this.readers.keys()) r.poll();
    for (const h of this.hooks) h();
  }

  private arm(): void {
    const want = this.readers.size ? Math.min(...this.readers.values()) : 0;
    if (want === this.interval) return;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.interval = want;
    if (want) this.timer = setInterval(() => this.drain(), want);
  }
}

/** The process's ring poller. */
export const poller = new Poller();
