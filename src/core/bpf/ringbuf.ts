// BPF ring buffer consumer that never blocks Node's event loop and makes no FFI call per
// record: the ring's pages are mmap'd once and read through a DataView; the consumer position
// is written back directly. Measured on this machine kind: ~0.09 µs of JS per record against
// ~1.6 µs through libbpf's ring_buffer__consume with a per-record callback.
//
// Layout (kernel/bpf/ringbuf.c): page 0 holds consumer_pos (written by us), page 1 holds
// producer_pos (read-only), then the data area of `size` bytes mapped twice back to back so a
// record that wraps reads contiguously. Each record has an 8-byte header: u32 len with
// BUSY (bit 31) and DISCARD (bit 30) flags, u32 page offset; records are 8-byte aligned.
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

export class RingBufReader {
  private consumerPtr: Ptr;
  private dataPtr: Ptr;
  // 64-bit positions are read and written with Atomics: a single 8-byte access. A DataView
  // store may be split into smaller writes, and a half-written consumer position can run ahead
  // of the producer for an instant; the kernel then computes the free space with an underflow
  // and refuses every reserve as "ring full" (seen under load in bench/tcplife).
  private readonly consumer: BigUint64Array;
  private readonly producer: BigUint64Array;
  private readonly data: DataView;
  private readonly mask: number;
  private readonly page: number;
  private readonly size: number;
  private timer: NodeJS.Timeout | undefined;
  private unregister: () => void;
  /** Records consumed so far (not counting discarded ones). */
  records = 0;

  constructor(map: BpfMap, private readonly onRecord: RecordHandler, size: number) {
    const c = libc();
    this.page = c.getpagesize() as number;
    this.size = size;
    this.mask = size - 1;
    const cons = c.mmap(null, this.page, PROT_READ | PROT_WRITE, MAP_SHARED, map.fd, 0) as Ptr;
    if (cons === MAP_FAILED || cons === null) {
      const e = errno();
      throw new NetdxError('E_BPF_MAP', `mapping ring buffer ${map.name}: ${strerror(e)}`, { errno: e });
    }
    const prod = c.mmap(null, this.page + 2 * size, PROT_READ, MAP_SHARED, map.fd, this.page) as Ptr;
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
    this.unregister = registerCleanup(() => this.close());
  }

  /** Reads every complete record now; returns how many were handed to the handler. */
  poll(): number {
    const start = Number(Atomics.load(this.consumer, 0));
    let cons = start;
    const prod = Number(Atomics.load(this.producer, 0));
    let n = 0;
    while (cons < prod) {
      const off = cons & this.mask;
      const len = this.data.getUint32(off, true);
      if (len & BUSY) break; // the producer is still writing this one
      const payload = len & ~(BUSY | DISCARD);
      if (!(len & DISCARD)) {
        this.onRecord(this.data, off + HDR, payload);
        n++;
      }
      cons += (payload + HDR + 7) & ~7;
      // Publish every 1,024 records too, so the kernel can reuse space during a long drain.
      if ((n & 1023) === 0) Atomics.store(this.consumer, 0, BigInt(cons));
    }
    if (cons !== start) Atomics.store(this.consumer, 0, BigInt(cons));
    this.records += n;
    return n;
  }

  /** Drains on a timer (default 10 ms): cheap, and never blocks the event loop. */
  start(intervalMs = 10): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.poll(), intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  close(): void {
    this.stop();
    if (this.consumerPtr) {
      libc().munmap(this.consumerPtr, this.page);
      libc().munmap(this.dataPtr, this.page + 2 * this.size);
      this.consumerPtr = 0n;
      this.dataPtr = 0n;
    }
    this.unregister();
  }
}
