// Where netdx tcplife's launch-to-attached time goes: node bootstrap, module imports (koffi,
// libbpf binding), then each step of TcpLifeTracer.start (open, select, rodata, load, attach)
// for the tp_btf attempt and, if it fails, the tracepoint fallback. Needs root.
//   node bench/tcplife/profile-attach.mjs [DIST_DIR]     (default: this repo's dist/)
import { fileURLToPath } from 'node:url';

const at = (label, t0) => console.log(`${label.padEnd(40)} ${(performance.now() - t0).toFixed(1).padStart(7)} ms`);
const boot = performance.now(); // ms from process start to the first line of user code
console.log(`${'node bootstrap (timeOrigin -> script)'.padEnd(40)} ${boot.toFixed(1).padStart(7)} ms`);
const dist = process.argv[2] ?? fileURLToPath(new URL('../../dist/', import.meta.url));

let t = performance.now();
await import(`${dist}/cli/args.js`);
await import(`${dist}/tools/registry.js`);
at('import cli modules (args, registry)', t);
t = performance.now();
const ffi = await import(`${dist}/core/ffi.js`);
at('import koffi (core/ffi.js)', t);
t = performance.now();
const { BpfObject } = await import(`${dist}/core/bpf/object.js`);
const { bpfObjectPath } = await import(`${dist}/core/bpf/paths.js`);
const { ensureTracefs } = await import(`${dist}/core/bpf/features.js`);
await import(`${dist}/tools/tcplife/cli.js`);
at('import tcplife + core/bpf modules', t);
t = performance.now();
ffi.libbpf();
at('dlopen libbpf + bind functions', t);
t = performance.now();
ensureTracefs();
at('ensureTracefs', t);

const rodata = { target_tgid: 0, target_family: 0, n_lports: 1, lports: Buffer.alloc(16), n_dports: 0, dports: Buffer.alloc(16) };
for (const via of ['tp_btf', 'tracepoint']) {
  const main = via === 'tp_btf' ? 'tcplife_btf' : 'tcplife_tp';
  const t0 = performance.now();
  t = t0;
  const obj = BpfObject.open(bpfObjectPath('tcplife'));
  at(`[${via}] bpf_object__open_file`, t);
  try {
    t = performance.now();
    obj.selectPrograms([main, 'tcplife_accept4', 'tcplife_accept']);
    obj.setRodata(rodata);
    at(`[${via}] select programs + rodata`, t);
    t = performance.now();
    obj.load();
    at(`[${via}] bpf_object__load (BTF, CO-RE, verifier)`, t);
    t = performance.now();
    obj.attach(main);
    obj.attach('tcplife_accept4');
    obj.attach('tcplife_accept');
    at(`[${via}] attach 3 programs`, t);
    t = performance.now();
    obj.ringbuf('events', () => {}).start(10);
    at(`[${via}] mmap ring buffer`, t);
    at(`[${via}] total`, t0);
    obj.close();
    break;
  } catch (e) {
    at(`[${via}] FAILED (${e.message.split('\n')[0]})`, t0);
    obj.close();
  }
}
console.log(`${'total since process start'.padEnd(40)} ${performance.now().toFixed(1).padStart(7)} ms`);
