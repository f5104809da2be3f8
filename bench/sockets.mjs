// Times `netdx sockets` against ss on the same sockets, side by side in one run (see sockets.sh).
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

const [small = 2000, large = 20000, runs = 7] = process.argv.slice(2).map(Number);
// netdx is run as node dist/cli/main.js: the ./netdx launcher's setup check (and its rebuild when
// sources changed) is not the tool's cost.
const MAIN = 'dist/cli/main.js';
const PER_HOLDER = 5000; // connections per holder process (2 fds each)
const holders = [];
process.on('exit', () => { for (const h of holders) try { h.kill('SIGKILL'); } catch { /* gone */ } });

async function holdSockets(sockets) {
  let left = Math.ceil(sockets / 2);
  let port = 20000;
  const started = [];
  while (left > 0) {
    const n = Math.min(left, PER_HOLDER);
    left -= n;
    const h = spawn('python3', ['bench/sockets-holder.py', String(n), String(port++)], { stdio: ['pipe', 'pipe', 'inherit'] });
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

function time(cmd, args) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status} ${r.stderr}`);
  return Number(process.hrtime.bigint() - t) / 1e9;
}
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
function countTcp() { return spawnSync('ss', ['-tanH'], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).length; }
function maxRssMB(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  return Number(r.stderr.trim().split('\n').pop()) / 1024;
}

const PAIRS = [
  ['node -e ""', 'node', ['-e', '']],
  ['ss -tan', 'ss', ['-tan']],
  ['netdx sockets -ta --json', 'node', [MAIN, 'sockets', '-ta', '--json']],
  ['ss -tani', 'ss', ['-tani']],
  ['netdx sockets -ta -i --json', 'node', [MAIN, 'sockets', '-ta', '-i', '--json']],
  ['ss -tanim', 'ss', ['-tanim']],
  ['netdx sockets -ta -i -m (table)', 'node', [MAIN, 'sockets', '-ta', '-i', '-m']],
];

const results = {};
for (const size of [small, large]) {
  const hs = await holdSockets(size);
  const n = countTcp();
  const t = Object.fromEntries(PAIRS.map(([name]) => [name, []]));
  time('node', [MAIN, 'sockets', '-ta', '--json']); // warm the page cache
  for (let i = 0; i < runs; i++) for (const [name, cmd, args] of PAIRS) t[name].push(time(cmd, args)); // interleaved
  results[size] = { sockets: n, med: Object.fromEntries(PAIRS.map(([name]) => [name, median(t[name])])),
    rss: maxRssMB('node', [MAIN, 'sockets', '-ta', '-i', '--json']) };
  release(hs);
  await new Promise((r) => setTimeout(r, 500));
}

const fmt = (s) => `${(s * 1000).toFixed(0)} ms`;
console.log(`netdx sockets vs ss — ${new Date().toISOString().slice(0, 10)}, ${runs} interleaved runs each, medians`);
for (const size of [small, large]) {
  const r = results[size];
  console.log(`\n${r.sockets} TCP sockets (incl. listeners), netdx peak RSS (-ta -i --json) ${r.rss.toFixed(0)} MB`);
  for (const [name] of PAIRS) console.log(`  ${name.padEnd(34)} ${fmt(r.med[name]).padStart(8)}`);
  for (const [a, b] of [['netdx sockets -ta --json', 'ss -tan'], ['netdx sockets -ta -i --json', 'ss -tani'], ['netdx sockets -ta -i -m (table)', 'ss -tanim']]) {
    console.log(`  ratio ${a} / ${b}: ${(r.med[a] / r.med[b]).toFixed(2)}x`);
  }
}
const A = results[small], B = results[large];
console.log(`\nper extra socket (slope ${A.sockets} -> ${B.sockets}):`);
for (const [name] of PAIRS.slice(1)) {
  console.log(`  ${name.padEnd(34)} ${(((B.med[name] - A.med[name]) / (B.sockets - A.sockets)) * 1e6).toFixed(2)} µs`);
}
