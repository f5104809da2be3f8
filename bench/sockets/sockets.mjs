// Times `netdx sockets` against ss on the same sockets, side by side in one run (see run.sh),
// with the floors below which netdx cannot go: Node's own start-up, netdx's start-up (modules and
// koffi, no dump), and the kernel's dump time.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const [small = 2000, large = 20000, runs = 11] = process.argv.slice(2).map(Number);
const MAIN = 'dist/netdx.cjs';
const PER_HOLDER = 5000; // connections per holder process (2 fds each; the hard fd limit may be 20,000)
const holders = [];
process.on('exit', () => { for (const h of holders) try { h.kill('SIGKILL'); } catch { /* gone */ } });

/** `sockets` established TCP sockets: sockets/2 loopback connections, each listed from both ends. */
async function holdSockets(sockets) {
  let left = Math.ceil(sockets / 2);
  let port = 20000;
  const started = [];
  while (left > 0) {
    const n = Math.min(left, PER_HOLDER);
    left -= n;
    const h = spawn('python3', ['bench/sockets/holder.py', String(n), String(port++)], { stdio: ['pipe', 'pipe', 'inherit'] });
    holders.push(h);
    started.push(h);
  }
  for (const h of started) {
    const rl = createInterface({ input: h.stdout });
    const [line] = await once(rl, 'line');
    if (line !== 'READY') throw new Error(`holder said ${line}`);
  }
  return started;
}
function release(list) { for (const h of list) { h.stdin.end(); h.kill('SIGKILL'); } }

function time(cmd, args, env) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env: env ?? process.env });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status} ${r.stderr}`);
  return Number(process.hrtime.bigint() - t) / 1e9;
}
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
/** TCP sockets by state, from ss. (ss -tanH prints ~1 MB for 20k sockets: the default 1 MiB
 *  maxBuffer of spawnSync truncated it, which is why an earlier run "held" 18,798 sockets.) */
function countTcp() {
  const r = spawnSync('ss', ['-tanH'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.error) throw r.error;
  const by = {};
  for (const l of r.stdout.split('\n')) if (l) { const s = l.split(/\s+/)[0]; by[s] = (by[s] ?? 0) + 1; }
  return by;
}
function maxRssMB(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  return Number(r.stderr.trim().split('\n').pop()) / 1024;
}
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
/** Busy share of all CPUs over the last 0.5 s, from /proc/stat. */
function busy() {
  const read = () => readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const a = read();
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
  const b = read();
  const d = b.map((x, i) => x - a[i]);
  const total = d.reduce((s, x) => s + x, 0);
  return total > 0 ? (100 * (total - d[3] - d[4])) / total : 0;
}
// This machine is shared (other sessions build and benchmark on it): each round waits, at most
// 30 s, for the CPUs to be under 15% busy, and the rounds that could not are counted.
let noisy = 0;
function quiet() {
  for (let i = 0; i < 60; i++) if (busy() < 15) return;
  noisy++;
}

const noCa = { ...process.env };
delete noCa.NODE_EXTRA_CA_CERTS;
const FLOORS = [
  ['node -e ""', 'node', ['-e', '']],
  ...(process.env.NODE_EXTRA_CA_CERTS ? [['node -e "" without NODE_EXTRA_CA_CERTS', 'node', ['-e', ''], noCa]] : []),
  ['node + koffi import (no CA var)', 'node', ['-e', 'require("koffi")'], noCa],
  ['./netdx sockets --help (start-up)', './netdx', ['sockets', '--help']],
];
const PAIRS = [
  ['ss -tan', 'ss', ['-tan']],
  ['./netdx sockets -ta --json', './netdx', ['sockets', '-ta', '--json']],
  ['ss -tani', 'ss', ['-tani']],
  ['./netdx sockets -ta -i --json', './netdx', ['sockets', '-ta', '-i', '--json']],
  ['node netdx.cjs sockets -ta -i --json', 'node', [MAIN, 'sockets', '-ta', '-i', '--json']],
  ['./netdx sockets -ta (table)', './netdx', ['sockets', '-ta']],
  ['ss -tanim', 'ss', ['-tanim']],
  ['./netdx sockets -ta -i -m (table)', './netdx', ['sockets', '-ta', '-i', '-m']],
];
const ALL = [...FLOORS, ...PAIRS];

const results = {};
const loads = [load()];
for (const size of [small, large]) {
  const hs = await holdSockets(size);
  const by = countTcp();
  const want = Math.ceil(size / 2) * 2;
  if (by.ESTAB !== want) throw new Error(`expected ${want} established sockets, ss sees ${JSON.stringify(by)}`);
  const t = Object.fromEntries(ALL.map(([name]) => [name, []]));
  const dump = { plain: [], info: [] };
  time('./netdx', ['sockets', '-ta', '--json']); // warm the page cache
  for (let i = 0; i < runs; i++) {
    quiet();
    for (const [name, cmd, args, env] of ALL) t[name].push(time(cmd, args, env)); // interleaved
    for (const k of ['plain', 'info']) {
      const r = spawnSync('node', ['bench/sockets/dump.mjs', ...(k === 'info' ? ['-i'] : [])], { encoding: 'utf8' });
      dump[k].push(JSON.parse(r.stdout));
    }
  }
  results[size] = {
    by, sockets: Object.values(by).reduce((a, b) => a + b, 0),
    med: Object.fromEntries(ALL.map(([name]) => [name, median(t[name])])),
    dump: Object.fromEntries(Object.entries(dump).map(([k, v]) => [k, { ms: median(v.map((x) => x.ms)), bytes: v[0].bytes }])),
    rss: maxRssMB('./netdx', ['sockets', '-ta', '-i', '--json']),
    rssSs: maxRssMB('ss', ['-tani']),
  };
  release(hs);
  loads.push(load());
  await new Promise((r) => setTimeout(r, 500));
}

const fmt = (s) => `${(s * 1000).toFixed(0)} ms`;
console.log(`netdx sockets vs ss — ${new Date().toISOString().slice(0, 10)}, ${runs} interleaved runs each, medians; stdout to /dev/null`);
console.log(`load average (1/5/15 min) at start and after each size: ${loads.join(' | ')}`);
console.log(`rounds that started on a busy machine (>= 15% CPU for 30 s): ${noisy} of ${2 * runs}`);
if (process.env.NODE_EXTRA_CA_CERTS) console.log('NODE_EXTRA_CA_CERTS is set here: node reads that bundle at start; ./netdx unsets it');
for (const size of [small, large]) {
  const r = results[size];
  console.log(`\n${r.sockets} TCP sockets (${Object.entries(r.by).map(([k, v]) => `${v} ${k}`).join(', ')})`);
  console.log(`  peak RSS: ./netdx sockets -ta -i --json ${r.rss.toFixed(0)} MB, ss -tani ${r.rssSs.toFixed(0)} MB`);
  console.log('  floors:');
  for (const [name] of FLOORS) console.log(`    ${name.padEnd(38)} ${fmt(r.med[name]).padStart(8)}`);
  for (const [k, d] of Object.entries(r.dump)) {
    console.log(`    kernel dump alone, in-process${k === 'info' ? ' (-i)' : ''}`.padEnd(42) + `${d.ms.toFixed(0).padStart(5)} ms  (${(d.bytes / 1e6).toFixed(1)} MB)`);
  }
  console.log('  commands:');
  for (const [name] of PAIRS) console.log(`    ${name.padEnd(38)} ${fmt(r.med[name]).padStart(8)}`);
  for (const [a, b] of [['./netdx sockets -ta --json', 'ss -tan'], ['./netdx sockets -ta -i --json', 'ss -tani'],
    ['node netdx.cjs sockets -ta -i --json', 'ss -tani'], ['./netdx sockets -ta (table)', 'ss -tan'],
    ['./netdx sockets -ta -i -m (table)', 'ss -tanim']]) {
    console.log(`  ratio ${a} / ${b}: ${(r.med[a] / r.med[b]).toFixed(2)}x`);
  }
  const floor = r.med['./netdx sockets --help (start-up)'] + r.dump.info.ms / 1000;
  console.log(`  floor for -ta -i --json (netdx start-up + kernel dump): ${fmt(floor)} = ${(floor / r.med['ss -tani']).toFixed(2)}x ss -tani`);
}
const A = results[small], B = results[large];
console.log(`\nper extra socket (slope ${A.sockets} -> ${B.sockets}):`);
for (const [name] of PAIRS) {
  console.log(`  ${name.padEnd(38)} ${(((B.med[name] - A.med[name]) / (B.sockets - A.sockets)) * 1e6).toFixed(2)} µs`);
}
console.log(`  ${'kernel dump alone (-i)'.padEnd(38)} ${(((B.dump.info.ms - A.dump.info.ms) / (B.sockets - A.sockets)) * 1e3).toFixed(2)} µs`);
