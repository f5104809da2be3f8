// Reads struct layouts from a BPF object's BTF: the shared C headers are the contract for
// event structs, and tests compare each TypeScript decoder's offsets with what clang laid out.
import { NetdxError } from '../errors.js';
import { isNull, libbpf, viewMemory, errno, strerror, type Ptr } from '../ffi.js';

const BTF_KIND_STRUCT = 4;

export interface StructLayout { size: number; members: Record<string, number> }

export function structLayoutFromElf(path: string, struct: string): StructLayout {
  const lb = libbpf();
  const btf = lb.btf__parse_elf(path, null) as Ptr | null;
  if (isNull(btf)) throw new NetdxError('E_BPF_LOAD', `reading BTF of ${path}: ${strerror(errno())}`);
  try {
    const id = lb.btf__find_by_name_kind(btf, struct, BTF_KIND_STRUCT) as number;
    if (id < 0) throw new NetdxError('E_NOT_FOUND', `finding struct ${struct} in ${path}: not in its BTF`);
    const t = lb.btf__type_by_id(btf, id) as Ptr;
    const hdr = new DataView(viewMemory(t, 12));
    const info = hdr.getUint32(4, true);
    const vlen = info & 0xffff;
    const kflag = info >>> 31;
    const size = hdr.getUint32(8, true);
    const mem = new DataView(viewMemory(t, 12 + vlen * 12));
    const members: Record<string, number> = {};
    for (let i = 0; i < vlen; i++) {
      const name = lb.btf__name_by_offset(btf, mem.getUint32(12 + i * 12, true)) as string;
      const bits = mem.getUint32(20 + i * 12, true);
      members[name] = (kflag ? bits & 0xffffff : bits) / 8;
    }
    return { size, members };
  } finally {
    lb.btf__free(btf);
  }
}

const BTF_KIND_ENUM = 6;
const BTF_KIND_ENUM64 = 19;

let vmlinux: Ptr | null | undefined;
const enums = new Map<string, Map<number, string>>();

/**
 * The values of an enum of the running kernel, by number, from its BTF (/sys/kernel/btf/vmlinux):
 * drop and reset reasons are numbered differently from one kernel to the next, so names are never
 * taken from a table. Empty when the kernel has no BTF or no such enum.
 */
export function kernelEnum(name: string): ReadonlyMap<number, string> {
  let m = enums.get(name);
  if (m) return m;
  m = new Map();
  enums.set(name, m);
  const lb = libbpf();
  if (vmlinux === undefined) {
    const p = lb.btf__load_vmlinux_btf() as Ptr | null;
    vmlinux = isNull(p) ? null : p;
  }
  if (vmlinux === null) return m;
  for (const kind of [BTF_KIND_ENUM, BTF_KIND_ENUM64]) {
    const id = lb.btf__find_by_name_kind(vmlinux, name, kind) as number;
    if (id < 0) continue;
    const t = lb.btf__type_by_id(vmlinux, id) as Ptr;
    const vlen = new DataView(viewMemory(t, 12)).getUint32(4, true) & 0xffff;
    const stride = kind === BTF_KIND_ENUM ? 8 : 12; // struct btf_enum { name_off, val } / btf_enum64 { name_off, lo, hi }
    const body = new DataView(viewMemory(t, 12 + vlen * stride));
    for (let i = 0; i < vlen; i++) {
      const n = lb.btf__name_by_offset(vmlinux, body.getUint32(12 + i * stride, true)) as string;
      m.set(body.getUint32(16 + i * stride, true), n);
    }
    break;
  }
  return m;
}

/** Frees the kernel BTF kernelEnum() loaded (about 5 MB here); names already read stay. */
export function releaseKernelBtf(): void {
  if (vmlinux) libbpf().btf__free(vmlinux);
  vmlinux = undefined;
}

/**
 * A value's name in an enum of the running kernel without the enum's prefix ('SK_RST_REASON_',
 * 'SKB_DROP_REASON_'): NO_SOCKET, NETFILTER_DROP; 'reason N' when this kernel has no such value.
 */
export function kernelEnumName(name: string, prefix: string, value: number): string {
  const n = kernelEnum(name).get(value);
  return n === undefined ? `reason ${value}` : n.startsWith(prefix) ? n.slice(prefix.length) : n;
}
