// Floor for `netdx sockets -ta [-i] --json`: the kernel's dump alone, as netdx asks for it (one
// TCP sock_diag dump, tcp_info etc. with -i), received and walked but not formatted. Prints the
// in-process milliseconds of the dump, after start-up and imports.
import { forEachInetDiagMsg } from '../../dist/core/netlink/sockdiag.js';

// -i: as `netdx sockets -i --json` asks (tcp_info, congestion algorithm, skmeminfo, shutdown)
const info = process.argv[2] === '-i' ? (process.argv[3] === 'all' ? true : 'json') : false;
const t = process.hrtime.bigint();
let n = 0;
let bytes = 0;
forEachInetDiagMsg({ protocol: 'tcp', info }, (_b, start, end) => { n++; bytes += end - start; });
const ms = Number(process.hrtime.bigint() - t) / 1e6;
process.stdout.write(JSON.stringify({ ms, sockets: n, bytes }) + '\n');
