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
