// Where compiled BPF objects live: dist/bpf/<name>.bpf.o, beside the compiled JavaScript.
import { DIST_DIR } from '../files.js';
import { existsSync } from 'node:fs';
import { NetdxError } from '../errors.js';

const BPF_DIR = `${DIST_DIR}bpf/`;

export function bpfObjectPath(name: string): string {
  const p = `${BPF_DIR}${name}.bpf.o`;
  if (!existsSync(p)) {
    if (!existsSync('/sys/kernel/btf/vmlinux')) {
      throw new NetdxError('E_UNSUPPORTED', `loading ${name}: this kernel has no BTF (/sys/kernel/btf/vmlinux); netdx's BPF tools are CO-RE and need CONFIG_DEBUG_INFO_BTF=y`);
    }
    throw new NetdxError('E_NOT_FOUND', `finding BPF object ${name}.bpf.o: not built (run ./netdx once, or npm run build)`);
  }
  return p;
}
