// Typed access to a BPF map: single-element ops, iteration, per-CPU values, and batched
// lookup-and-delete (one syscall for many entries; falls back to iterate+delete on kernels or
// map types without batch support).
import { NetdxError, errnoName } from '../errors.js';
import { errno, libbpf, strerror, type Ptr } from '../ffi.js';

export const BPF_ANY = 0;
export const BPF_NOEXIST = 1;
export const BPF_EXIST = 2;

const PERCPU_TYPES = new Set([5 /* PERCPU_HASH */, 6 /* PERCPU_ARRAY */, 10 /* LRU_PERCPU_HASH */]);

let possibleCpus = 0;
export function numPossibleCpus(): number {
  if (!possibleCpus) possibleCpus = libbpf().libbpf_num_possible_cpus() as number;
  return possibleCpus;
}

/**
 * A map of a BPF object. The handle may be taken before the object is loaded: the map's fd (and
 * its size, which max_entries sizing may change) is looked up when first used after load.
 */
export class BpfMap {
  readonly keySize: number;
  readonly valueSize: number;
  readonly type: number;
  private fdCache = -1;
  /**
   * @param ptr libbpf's struct bpf_map, valid while its object is open
   * @param isOpen false once the object is closed (then every operation is a coded error)
   */
  constructor(private readonly ptr: Ptr, readonly name: string, private readonly isOpen: () => boolean = () => true) {
    const lb = libbpf();
    this.keySize = lb.bpf_map__key_size(ptr) as number;
    this.valueSize = lb.bpf_map__value_size(ptr) as number;
    this.type = lb.bpf_map__type(ptr) as number;
  }

  /** The map's fd; a coded error before its object is loaded or after it is closed. */
  get fd(): number {
    if (this.fdCache >= 0) {
      if (!this.isOpen()) throw new NetdxError('E_BPF_MAP', `using BPF map ${this.name}: its object is closed`);
      return this.fdCache;
    }
    if (!this.isOpen()) throw new NetdxError('E_BPF_MAP', `using BPF map ${this.name}: its object is closed`);
    const fd = libbpf().bpf_map__fd(this.ptr) as number;
    if (fd < 0) throw new NetdxError('E_BPF_MAP', `using BPF map ${this.name}: its object is not loaded yet`);
    this.fdCache = fd;
    return fd;
  }

  /** max_entries as the map was (or will be) created; for a ring buffer, its size in bytes. */
  get maxEntries(): number {
    if (!this.isOpen()) throw new NetdxError('E_BPF_MAP', `using BPF map ${this.name}: its object is closed`);
    return libbpf().bpf_map__max_entries(this.ptr) as number;
  }

  get perCpu(): boolean { return PERCPU_TYPES.has(this.type); }

  /** Bytes of one value buffer as the kernel fills it (per-CPU maps: one 8-aligned slot per CPU). */
  get valueBufSize(): number {
    return this.perCpu ? Math.ceil(this.valueSize / 8) * 8 * numPossibleCpus() : this.valueSize;
  }

  private fail(op: string, e: number): NetdxError {
    return new NetdxError('E_BPF_MAP', `${op} BPF map ${this.name}: ${strerror(e)} (${errnoName(e)})`, { errno: e });
  }

  lookup(key: Buffer): Buffer | undefined {
    const v = Buffer.alloc(this.valueBufSize);
    const rc = libbpf().bpf_map_lookup_elem(this.fd, key, v) as number;
    if (rc < 0) {
      const e = errno();
      if (e === 2) return undefined;
      throw this.fail('reading', e);
    }
    return v;
  }

  update(key: Buffer, value: Buffer, flags = BPF_ANY): void {
    if (libbpf().bpf_map_update_elem(this.fd, key, value, flags) < 0) throw this.fail('updating', errno());
  }

  delete(key: Buffer): boolean {
    if ((libbpf().bpf_map_delete_elem(this.fd, key) as number) < 0) {
      const e = errno();
      if (e === 2) return false;
      throw this.fail('deleting from', e);
    }
    return true;
  }

  keys(): Buffer[] {
    const out: Buffer[] = [];
    let prev: Buffer | null = null;
    for (;;) {
      const next = Buffer.alloc(this.keySize);
      if ((libbpf().bpf_map_get_next_key(this.fd, prev, next) as number) < 0) {
        const e = errno();
        if (e === 2) break;
        throw this.fail('iterating', e);
      }
      out.push(next);
      prev = next;
    }
    return out;
  }

  entries(): Array<[Buffer, Buffer]> {
    const out: Array<[Buffer, Buffer]> = [];
    for (const k of this.keys()) {
      const v = this.lookup(k);
      if (v) out.push([k, v]);
    }
    return out;
  }

  /** Splits a per-CPU value buffer into one slice per possible CPU. */
  perCpuValues(v: Buffer): Buffer[] {
    const stride = Math.ceil(this.valueSize / 8) * 8;
    const out: Buffer[] = [];
    for (let i = 0; i < numPossibleCpus(); i++) out.push(v.subarray(i * stride, i * stride + this.valueSize));
    return out;
  }

  /** Sums a per-CPU u64 counter at `offset` across CPUs (plain maps: just reads it). */
  sumU64(v: Buffer, offset = 0): bigint {
    if (!this.perCpu) return v.readBigUInt64LE(offset);
    let s = 0n;
    for (const slot of this.perCpuValues(v)) s += slot.readBigUInt64LE(offset);
    return s;
  }

  /**
   * Drains the map: every entry is returned and deleted, in batches of `batch` entries per
   * syscall where the kernel supports it (hash maps, 5.6+).
   */
  drain(batch = 4096): Array<[Buffer, Buffer]> {
    const lb = libbpf();
    const out: Array<[Buffer, Buffer]> = [];
    const keys = Buffer.alloc(this.keySize * batch);
    const vals = Buffer.alloc(this.valueBufSize * batch);
    const token = Buffer.alloc(Math.max(8, this.keySize));
    let inBatch: Buffer | null = null;
    for (;;) {
      const count = [batch];
      const rc = lb.bpf_map_lookup_and_delete_batch(this.fd, inBatch, token, keys, vals, count, null) as number;
      const e = rc < 0 ? errno() : 0;
      if (rc < 0 && e !== 2) {
        if (out.length === 0 && (e === 22 || e === 95 || e === 524)) return this.drainSlow();
        throw this.fail('draining', e);
      }
      const n = count[0] as number;
      for (let i = 0; i < n; i++) {
        out.push([Buffer.from(keys.subarray(i * this.keySize, (i + 1) * this.keySize)),
          Buffer.from(vals.subarray(i * this.valueBufSize, (i + 1) * this.valueBufSize))]);
      }
      if (rc < 0) break; // ENOENT: that was the last batch
      inBatch = Buffer.from(token);
    }
    return out;
  }

  private drainSlow(): Array<[Buffer, Buffer]> {
    const out = this.entries();
    for (const [k] of out) this.delete(k);
    return out;
  }
}
