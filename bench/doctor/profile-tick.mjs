// Where the doctor's per-second sampling goes: each read of one tick of record.ts (the /proc
// files, rtnetlink dumps, the sock_diag dumps of listeners, SYN_RECV and UDP), the end-of-window
// dump of every TCP connection with tcp_info, and the once-per-window reads (kallsyms for a few
// drop locations, kernel BTF enums: the first call, as a window makes it). Median of REPS calls
// each, in this process (root, the host's namespace). Run it right after the connection workload
// (20,000 server sockets in TIME-WAIT for a minute) to see what those cost the dumps.
//   node bench/doctor/profile-tick.mjs [DIST_DIR] [REPS]     (default: this repo's dist/, 21)
import { readFileSync, openSync, readSync, closeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = process.argv[2] ?? fileURLToPath(new URL('../../dist/', import.meta.url));
const reps = Number(process.argv[3] ?? 21);
const { dumpLinks, dumpQdiscs } = await import(`${dist}/core/netlink/rtnl.js`);
const { TCP_STATES, dumpInetSockets, forEachInetDiagBody, parseInetDiagMsg } = await import(`${dist}/core/netlink/sockdiag.js`);
const { parseAllCounters } = await import(`${dist}/core/proc/snmp.js`);
const { parseSoftnetStat } = await import(`${dist}/core/proc/softnet.js`);
const { parseSoftirqs } = await import(`${dist}/core/proc/softirqs.js`);
const { parseProcStat } = await import(`${dist}/core/proc/cpustat.js`);
const { readKallsyms } = await import(`${dist}/core/proc/kallsyms.js`);
const { kernelEnum, releaseKernelBtf } = await import(`${dist}/core/bpf/btf.js`);

const buf = Buffer.allocUnsafe(1 << 18);
const readProc = (path) => {
  const fd = openSync(path, 'r');
  let n = 0;
  for (;;) { const got = readSync(fd, buf, n, buf.length - n, n); if (got <= 0) break; n += got; }
  closeSync(fd);
  return buf.toString('utf8', 0, n);
};
const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const rows = [];
function time(label, fn, n = reps) {
  const wall = [], cpu = [];
  let out;
  for (let i = 0; i < n; i++) {
    const c0 = cpuMs(), t0 = performance.now();
    out = fn();
    wall.push(performance.now() - t0); cpu.push(cpuMs() - c0);
  }
  rows.push([label, med(wall), med(cpu), out]);
}
const LISTEN = 1 << TCP_STATES.LISTEN, SYNR = 1 << TCP_STATES.SYN_RECV;
const CONNECTED = [TCP_STATES.ESTABLISHED, TCP_STATES.SYN_SENT, TCP_STATES.FIN_WAIT1, TCP_STATES.FIN_WAIT2, TCP_STATES.CLOSE_WAIT,
  TCP_STATES.LAST_ACK, TCP_STATES.CLOSING].reduce((m, s) => m | (1 << s), 0);

time('counters: /proc/net/snmp, netstat, snmp6 + parse', () => parseAllCounters({ snmp: readProc('/proc/net/snmp'), snmp6: readProc('/proc/net/snmp6'), netstat: readProc('/proc/net/netstat') }).size);
time('/proc/net/softnet_stat + parse', () => parseSoftnetStat(readFileSync('/proc/net/softnet_stat', 'utf8'), [0, 1]).length);
time('/proc/softirqs + parse', () => parseSoftirqs(readFileSync('/proc/softirqs', 'utf8')).cpus.length);
time('/proc/stat + parse', () => parseProcStat(readFileSync('/proc/stat', 'utf8')).length);
time('rtnetlink: links (IFLA_STATS64)', () => dumpLinks().length);
time('rtnetlink: qdiscs', () => dumpQdiscs().length);
time('sock_diag: TCP listeners (skmeminfo)', () => dumpInetSockets({ protocol: 'tcp', states: LISTEN }).length);
time('sock_diag: TCP SYN_RECV', () => dumpInetSockets({ protocol: 'tcp', states: SYNR }).length);
time('sock_diag: UDP', () => dumpInetSockets({ protocol: 'udp' }).length);
time('window ends: TCP connections + tcp_info', () => { let n = 0; forEachInetDiagBody({ protocol: 'tcp', states: CONNECTED, info: true }, (b, p) => { parseInetDiagMsg(b, p); n++; }); return n; }, 5);
time('sock_diag: every TCP socket, no decode (ehash size)', () => { let n = 0; forEachInetDiagBody({ protocol: 'tcp' }, () => { n++; }); return n; }, 5);
time('once: kernel BTF enums (skb_drop_reason, sk_rst_reason)', () => { const n = kernelEnum('skb_drop_reason').size + kernelEnum('sk_rst_reason').size; releaseKernelBtf(); return n; }, 1);
time('once: /proc/kallsyms, 3 drop locations named', () => readKallsyms([0xffffffff81000010n, 0xffffffff81a00000n, 0xffffffff81b00000n]).symbolize(0xffffffff81a00000n), 3);

console.log(`${'what'.padEnd(58)} ${'wall ms'.padStart(8)} ${'cpu ms'.padStart(8)}  result`);
for (const [l, w, c, o] of rows) console.log(`${l.padEnd(58)} ${w.toFixed(2).padStart(8)} ${c.toFixed(2).padStart(8)}  ${o}`);
const tick = rows.slice(0, 9).reduce((s, r) => s + r[2], 0);
console.log(`one tick (the first 9 rows): ${tick.toFixed(2)} ms CPU`);
console.log(`VmHWM ${readFileSync('/proc/self/status', 'utf8').match(/VmHWM:\s+(\d+)/)[1]} kB`);
