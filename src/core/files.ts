// Where netdx's own files are. Every path derived from netdx's location goes through here, so the
// modules under dist/ and the CLI bundle (dist/netdx.cjs, whose import.meta.url build.sh pins to
// this module's place: dist/core/files.js) find the same files.
import { fileURLToPath } from 'node:url';

/** dist/: bpf/ (BPF objects), wasm/ (WebAssembly modules), the compiled modules. */
export const DIST_DIR = fileURLToPath(new URL('../', import.meta.url));
/** The checkout (package.json, bpf/include). */
export const ROOT_DIR = fileURLToPath(new URL('../../', import.meta.url));
