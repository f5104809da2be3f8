// A typed BPF object over libbpf: open a CO-RE object, set its read-only config before load,
// choose which programs load, load (with the verifier log in the error), attach, read maps,
// close. Every object and link is registered with core/cleanup so that none outlives netdx.
import { NetdxError, errnoName, isPermissionErrno } from '../errors.js';
import { existsSync, readFileSync } from 'node:fs';
import { addressOf, errno, isNull, libbpf, strerror, viewMemory, type Ptr } from '../ffi.js';
import { registerCleanup } from '../cleanup.js';
import { BpfMap } from './map.js';
import { RingBufReader, type RecordHandler, type RingBufOptions } from './ringbuf.js';

/** Events a probe could not deliver, by cause (NETDX_LOST_MAP in bpf/include/netdx.h). */
export interface LostEvents {
  /** The ring buffer had no room: user space fell behind. */
  full: number;
  /** The kernel refused ring space although the ring had room. */
  refused: number;
  /** A tracking map was full, so an object (a socket, a flow) was never followed. */
  untracked: number;
}

/** The `recursion_misses:` of a BPF program's /proc/PID/fdinfo text (0 when absent: before 5.12). */
export function parseRecursionMisses(fdinfo: string): number {
  return Number(/^recursion_misses:\s*(\d+)/m.exec(fdinfo)?.[1] ?? 0);
}

const BTF_KIND_VAR = 14;
const BTF_KIND_DATASEC = 15;
const LOG_BUF_SIZE = 1 << 20;
const LOG_TAIL_LINES = 12;

export interface RodataVar { offset: number; size: number }

/** A value for a `const volatile` global: arrays fill element by element, a Buffer byte for byte. */
export type RodataValue = number | bigint | boolean | readonly number[] | Buffer;

export class BpfLink {
  private ptr: Ptr | null;
  private unregister: () => void;
  constructor(ptr: Ptr, readonly program: string) {
    this.ptr = ptr;
    this.unregister = registerCleanup(() => this.destroy());
  }
  destroy(): void {
    if (this.ptr === null) return;
    libbpf().bpf_link__destroy(this.ptr);
    this.ptr = null;
    this.unregister();
  }
}

export class BpfObject {
  private ptr: Ptr | null;
  private loaded = false;
  private readonly logBufs = new Map<string, Buffer>();
  private readonly links: BpfLink[] = [];
  private readonly readers: RingBufReader[] = [];
  private readonly maps = new Map<string, BpfMap>();
  private lostAtClose: LostEvents | undefined;
  private skippedAtClose = 0;
  /** Programs attached at some point (their fds live until close: skippedRuns()). */
  private readonly attached = new Set<string>();
  private unregister: () => void;

  private constructor(ptr: Ptr, readonly path: string) {
    this.ptr = ptr;
    this.unregister = registerCleanup(() => this.close());
  }

  /**
   * Opens (does not load) a compiled CO-RE object. When the build left a minimal BTF beside it
   * (<name>.min.btf, from `bpftool gen min_core_btf`), CO-RE relocations resolve against that
   * instead of the kernel's full BTF, which libbpf would otherwise parse on every load.
   */
  static open(path: string, opts: { minBtf?: boolean } = {}): BpfObject {
    const lb = libbpf();
    const minBtf = path.replace(/\.bpf\.o$/, '.min.btf');
    let openOpts: Buffer | null = null;
    let keep: Buffer | null = null;
    if (opts.minBtf !== false && minBtf !== path && existsSync(minBtf)) {
      // struct bpf_object_open_opts (libbpf >= 0.5): sz at 0, btf_custom_path at 48.
      keep = Buffer.from(minBtf + '\0');
      openOpts = Buffer.alloc(56);
      openOpts.writeBigUInt64LE(56n, 0);
      openOpts.writeBigUInt64LE(BigInt(addressOf(keep)), 48);
    }
    const p = lb.bpf_object__open_file(path, openOpts) as Ptr | null;
    void keep; // the path must stay alive until open has copied it
    if (isNull(p)) {
      const e = errno();
      throw new NetdxError('E_BPF_LOAD', `opening BPF object ${path}: ${strerror(e)}`, { errno: e });
    }
    return new BpfObject(p as Ptr, path);
  }

  private get obj(): Ptr {
    if (this.ptr === null) throw new NetdxError('E_INTERNAL', `using BPF object ${this.path}: already closed`);
    return this.ptr;
  }

  get isLoaded(): boolean { return this.loaded && this.ptr !== null; }
  get isClosed(): boolean { return this.ptr === null; }

  programNames(): string[] {
    const lb = libbpf();
    const names: string[] = [];
    let p = lb.bpf_object__next_program(this.obj, null) as Ptr | null;
    while (!isNull(p)) {
      names.push(lb.bpf_program__name(p) as string);
      p = lb.bpf_object__next_program(this.obj, p) as Ptr | null;
    }
    return names;
  }

  private prog(name: string): Ptr {
    const p = libbpf().bpf_object__find_program_by_name(this.obj, name) as Ptr | null;
    if (isNull(p)) throw new NetdxError('E_INTERNAL', `finding BPF program ${name}: not in ${this.path}`);
    return p as Ptr;
  }

  sectionName(prog: string): string {
    return libbpf().bpf_program__section_name(this.prog(prog)) as string;
  }

  /** Only the named programs load; the others stay in the object unloaded. */
  selectPrograms(names: readonly string[]): void {
    const want = new Set(names);
    for (const n of this.programNames()) libbpf().bpf_program__set_autoload(this.prog(n), want.has(n));
    for (const n of want) this.prog(n); // throws on a typo
  }

  /** Offsets of the .rodata variables (`const volatile` globals) from the object's BTF. */
  rodataLayout(): Map<string, RodataVar> {
    const lb = libbpf();
    const btf = lb.bpf_object__btf(this.obj) as Ptr | null;
    const out = new Map<string, RodataVar>();
    if (isNull(btf)) return out;
    const id = lb.btf__find_by_name_kind(btf, '.rodata', BTF_KIND_DATASEC) as number;
    if (id < 0) return out;
    const t = lb.btf__type_by_id(btf, id) as Ptr;
    // struct btf_type { u32 name_off; u32 info; u32 size; } then vlen btf_var_secinfo { type, offset, size }
    const info = new DataView(viewMemory(t, 12)).getUint32(4, true);
    const vlen = info & 0xffff;
    const secinfo = new DataView(viewMemory(t, 12 + vlen * 12));
    for (let i = 0; i < vlen; i++) {
      const varId = secinfo.getUint32(12 + i * 12, true);
      const offset = secinfo.getUint32(16 + i * 12, true);
      const size = secinfo.getUint32(20 + i * 12, true);
      const vt = lb.btf__type_by_id(btf, varId) as Ptr;
      const vdv = new DataView(viewMemory(vt, 12));
      if (((vdv.getUint32(4, true) >> 24) & 0x1f) !== BTF_KIND_VAR) continue;
      const name = lb.btf__name_by_offset(btf, vdv.getUint32(0, true)) as string;
      out.set(name, { offset, size });
    }
    return out;
  }

  /**
   * Sets `const volatile` globals before load: the tool's read-only filter config.
   * Numbers are written little-endian at the variable's size; arrays fill element by element.
   */
  setRodata(values: Record<string, RodataValue>): void {
    if (this.loaded) throw new NetdxError('E_INTERNAL', 'setting BPF read-only config: object already loaded');
    const lb = libbpf();
    const map = lb.bpf_object__find_map_by_name(this.obj, '.rodata') as Ptr | null;
    const layout = this.rodataLayout();
    if (isNull(map)) throw new NetdxError('E_INTERNAL', `setting BPF read-only config: ${this.path} has no .rodata`);
    const sizeOut = [0];
    const base = lb.bpf_map__initial_value(map, sizeOut) as Ptr;
    const mem = Buffer.from(viewMemory(base, Number(sizeOut[0])));
    for (const [name, value] of Object.entries(values)) {
      const v = layout.get(name);
      if (!v) throw new NetdxError('E_INTERNAL', `setting BPF read-only config: no variable ${name} in ${this.path}`);
      writeScalarOrArray(mem, v, value, name);
    }
  }

  load(): void {
    const lb = libbpf();
    for (const n of this.programNames()) {
      const p = this.prog(n);
      if (!lb.bpf_program__autoload(p)) continue;
      const buf = Buffer.alloc(LOG_BUF_SIZE);
      this.logBufs.set(n, buf);
      lb.bpf_program__set_log_buf(p, buf, buf.length);
    }
    const rc = lb.bpf_object__load(this.obj) as number;
    if (rc < 0) {
      const e = -rc;
      const { text: log, prog } = this.verifierLogTail();
      // The verifier rejects with EACCES too: with a log it is a rejection, not a privilege issue.
      const code = isPermissionErrno(e) && !log ? 'E_PERMISSION' : 'E_BPF_LOAD';
      // The failing program: the one with a log, else the only one loading (else unknown).
      const loading = this.programNames().filter((n) => lb.bpf_program__autoload(this.prog(n)));
      const failed = prog ?? (loading.length === 1 ? loading[0] : undefined);
      throw new NetdxError(code, `loading BPF object ${baseName(this.path)}: ${strerror(e)} (${errnoName(e)})`,
        { errno: e, detail: log || undefined, section: failed ? this.sectionName(failed) : undefined });
    }
    this.loaded = true;
    this.logBufs.clear();
  }

  private verifierLogTail(): { text: string; prog?: string } {
    for (const [name, buf] of this.logBufs) {
      const end = buf.indexOf(0);
      const text = buf.subarray(0, end < 0 ? buf.length : end).toString('utf8').trim();
      if (!text) continue;
      const lines = text.split('\n');
      const tail = lines.slice(-LOG_TAIL_LINES);
      return { text: [`verifier log of ${name} (last ${tail.length} of ${lines.length} lines):`, ...tail.map((l) => '  ' + l)].join('\n'), prog: name };
    }
    return { text: '' };
  }

  /** Attaches a loaded program by its SEC() name. */
  attach(prog: string): BpfLink {
    const l = libbpf().bpf_program__attach(this.prog(prog)) as Ptr | null;
    if (isNull(l)) { const e = errno(); throw attachError(prog, this.sectionName(prog), e); }
    const link = new BpfLink(l as Ptr, prog);
    this.links.push(link);
    this.attached.add(prog);
    return link;
  }

  attachUprobe(prog: string, binary: string, offset: number, pid = -1, retprobe = false): BpfLink {
    const l = libbpf().bpf_program__attach_uprobe(this.prog(prog), retprobe, pid, binary, offset) as Ptr | null;
    if (isNull(l)) { const e = errno(); throw attachError(prog, `uprobe ${binary}+0x${offset.toString(16)}`, e, 'uprobe'); }
    const link = new BpfLink(l as Ptr, prog);
    this.links.push(link);
    this.attached.add(prog);
    return link;
  }

  /** Attaches a uprobe on a function by name (libbpf resolves the ELF symbol). */
  attachUprobeFunc(prog: string, binary: string, func: string, pid = -1, retprobe = false): BpfLink {
    const opts = { sz: 40, ref_ctr_offset: 0, bpf_cookie: 0, retprobe, func_name: func };
    const l = libbpf().bpf_program__attach_uprobe_opts(this.prog(prog), pid, binary, 0, opts) as Ptr | null;
    if (isNull(l)) { const e = errno(); throw attachError(prog, `uprobe ${binary}:${func}`, e, 'uprobe'); }
    const link = new BpfLink(l as Ptr, prog);
    this.links.push(link);
    this.attached.add(prog);
    return link;
  }

  programFd(prog: string): number {
    return libbpf().bpf_program__fd(this.prog(prog)) as number;
  }

  /** A map of this object; the handle may be taken before load (its fd is looked up when used). */
  map(name: string): BpfMap {
    let m = this.maps.get(name);
    if (m) return m;
    m = new BpfMap(this.mapPtr(name), name, () => this.ptr !== null);
    this.maps.set(name, m);
    return m;
  }

  hasMap(name: string): boolean {
    return !isNull(libbpf().bpf_object__find_map_by_name(this.obj, name));
  }

  /** Sizes a map before load (a ring buffer: bytes, a power of two and a multiple of the page). */
  setMaxEntries(name: string, n: number): void {
    if (this.loaded) throw new NetdxError('E_INTERNAL', `sizing BPF map ${name}: object already loaded`);
    const rc = libbpf().bpf_map__set_max_entries(this.mapPtr(name), n) as number;
    if (rc < 0) throw new NetdxError('E_BPF_MAP', `sizing BPF map ${name} to ${n}: ${strerror(-rc)} (${errnoName(-rc)})`, { errno: -rc });
  }

  /**
   * Makes this object's map `name` the given, already created map (before load): several probes
   * then write one ring buffer, or share one owner cache. Types and sizes must match.
   */
  reuseMap(name: string, map: BpfMap): void {
    if (this.loaded) throw new NetdxError('E_INTERNAL', `sharing BPF map ${name}: object already loaded`);
    const rc = libbpf().bpf_map__reuse_fd(this.mapPtr(name), map.fd) as number;
    if (rc < 0) throw new NetdxError('E_BPF_MAP', `sharing BPF map ${map.name} as ${name}: ${strerror(-rc)} (${errnoName(-rc)})`, { errno: -rc });
  }

  /** A non-blocking reader over a BPF_MAP_TYPE_RINGBUF map of this (loaded) object. */
  ringbuf(name: string, onRecord: RecordHandler, opts: RingBufOptions = {}): RingBufReader {
    const m = this.map(name);
    const r = new RingBufReader(m, onRecord, m.maxEntries, opts);
    this.readers.push(r);
    return r;
  }

  private mapPtr(name: string): Ptr {
    const p = libbpf().bpf_object__find_map_by_name(this.obj, name) as Ptr | null;
    if (isNull(p)) throw new NetdxError('E_INTERNAL', `finding BPF map ${name}: not in ${this.path}`);
    return p as Ptr;
  }

  /**
   * The lost-event counters of NETDX_LOST_MAP (bpf/include/netdx.h). After close, the counts read
   * at close.
   */
  lostEvents(map = 'lost'): LostEvents {
    if (this.ptr === null) return this.lostAtClose ?? { full: 0, refused: 0, untracked: 0 };
    const m = this.map(map);
    const slot = (i: number) => {
      if (i >= m.maxEntries) return 0;
      const k = Buffer.alloc(4);
      k.writeUInt32LE(i);
      const v = m.lookup(k);
      return v ? Number(m.sumU64(v)) : 0;
    };
    return { full: slot(0), refused: slot(1), untracked: slot(2) };
  }

  /**
   * Runs the kernel skipped of the programs attached so far: a program is not run while it already
   * runs on that CPU (a softirq that interrupts it in process context, say; recursion_misses,
   * Linux 5.12+), so its event or count is missing. Rare, but under heavy load it happens on every
   * way of attaching (bench/tcpretrans: ~0.3% of retransmits at 68,000/s). After close, the count
   * read at close.
   */
  skippedRuns(): number {
    if (this.ptr === null) return this.skippedAtClose;
    let n = 0;
    for (const p of this.attached) {
      try {
        n += parseRecursionMisses(readFileSync(`/proc/self/fdinfo/${this.programFd(p)}`, 'utf8'));
      } catch { /* no fdinfo to read: nothing known */ }
    }
    return n;
  }

  /** Detaches every program (the maps and rings stay readable until close). */
  detach(): void {
    for (const l of this.links) l.destroy();
    this.links.length = 0;
  }

  /** Detaches every link and frees the object; safe to call twice. */
  close(): void {
    this.detach();
    for (const r of this.readers) r.close();
    this.readers.length = 0;
    // detached: the counts are final
    if (this.ptr !== null && this.loaded) {
      try { if (this.hasMap('lost')) this.lostAtClose = this.lostEvents(); } catch { /* closing anyway */ }
      this.skippedAtClose = this.skippedRuns();
    }
    if (this.ptr !== null) {
      libbpf().bpf_object__close(this.ptr);
      this.ptr = null;
    }
    this.unregister();
  }
}

function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

function attachError(prog: string, where: string, e: number, section = where): NetdxError {
  const code = isPermissionErrno(e) ? 'E_PERMISSION' : e === 2 || e === 95 || e === 524 ? 'E_UNSUPPORTED' : 'E_BPF_ATTACH';
  return new NetdxError(code, `attaching BPF program ${prog} (${where}): ${strerror(e)} (${errnoName(e)})`, { errno: e, section });
}

function writeScalarOrArray(mem: Buffer, v: RodataVar, value: RodataValue, name: string): void {
  if (Buffer.isBuffer(value)) {
    if (value.length > v.size) throw new NetdxError('E_INTERNAL', `setting ${name}: ${value.length} bytes > ${v.size}`);
    value.copy(mem, v.offset);
    return;
  }
  if (Array.isArray(value)) {
    const arr = value as readonly number[];
    if (arr.length === 0) return;
    const elem = v.size / Math.max(1, arr.length);
    // Element size is inferred from the array's declared size only when the caller fills it
    // whole; otherwise callers pass a Buffer. Keep it strict to catch layout drift early.
    if (!Number.isInteger(elem) || ![1, 2, 4, 8].includes(elem)) {
      throw new NetdxError('E_INTERNAL', `setting ${name}: ${arr.length} elements do not fill ${v.size} bytes`);
    }
    arr.forEach((x, i) => writeInt(mem, v.offset + i * elem, elem, x));
    return;
  }
  const n = typeof value === 'boolean' ? (value ? 1 : 0) : (value as number | bigint);
  writeInt(mem, v.offset, v.size, n);
}

function writeInt(mem: Buffer, off: number, size: number, n: number | bigint): void {
  switch (size) {
    case 1: mem.writeUInt8(Number(n) & 0xff, off); break;
    case 2: mem.writeUInt16LE(Number(n) & 0xffff, off); break;
    case 4: mem.writeUInt32LE(Number(n) >>> 0, off); break;
    case 8: mem.writeBigUInt64LE(BigInt.asUintN(64, BigInt(n)), off); break;
    default: throw new NetdxError('E_INTERNAL', `setting BPF config: unsupported size ${size}`);
  }
}
