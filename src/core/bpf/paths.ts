// Where compiled BPF objects live: dist/bpf/<name>.bpf.o, beside the compiled JavaScript.
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { NetdxError } from '../errors.js';

const BPF_DIR = fileURLToPath(new URL('../../bpf/', import.meta.url));

export function bpfObjectPath(name: string): string {
  const p = `${BPF_DIR}${name}.bpf.o`;
  if (!existsSync(p)) throw new NetdxError('E_NOT_FOUND', `finding BPF object ${name}.bpf.o: not built (run ./netdx once, or npm run build)`);
  return p;
}
