// Kernel tests for softirqs: the tool's per-CPU NET_RX and NET_TX counts against the kernel's own
// counter (/proc/softirqs), with real traffic between two namespaces joined by a veth. Softirqs
// are host-wide, so each interval is bracketed by reads of /proc/softirqs on both sides of the
// sample(): the count must fall between what surely ran inside and what may have.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { bpfProgIds, kernelOpts, nodeEval, progsLeft, track, vethPair, type Netns } from '../../testlib/kernel.js';
import { CLI_MAIN } from '../../testlib/cli.js';
import { parseSoftirqs, type ProcSoftirqs } from '../../core/proc/softirqs.js';
import { totalCount } from '../../core/hist.js';
import { startSoftirqs, type SoftirqsReport, type SoftirqsVia } from './lib.js';

/** UDP datagrams from 198.18.0.1 to 198.18.0.2 for `ms` (at most 300,000); prints how many. */
function flood(a: Netns, ms: number): number {
  return Number(nodeEval(`
    import dgram from 'node:dgram';
    const s = dgram.createSocket('udp4'), buf = Buffer.alloc(64), end = Date.now() + ${ms};
    let sent = 0, queued = 0;
    const pump = () => {
      while (queued < 64 && sent + queued < 300000 && Date.now() < end) {
        queued++;
        s.send(buf, 9, '198.18.0.2', () => { queued--; sent++; });
      }
      if (queued === 0 && (Date.now() >= end || sent >= 300000)) s.close(() => console.log(sent));
      else setImmediate(pump);
    };
    pump();`, a));
}

const proc = (): ProcSoftirqs => parseSoftirqs(readFileSync('/proc/softirqs', 'utf8'));

/** /proc/softirqs read just before and just after a sample. */
function bracketed(sample: () => SoftirqsReport): { pre: ProcSoftirqs; r: SoftirqsReport; post: ProcSoftirqs } {
  const pre = proc();
  const r = sample();
  return { pre, r, post: proc() };
}

for (const via of ['raw_tp', 'tp_btf', 'tracepoint'] as const satisfies readonly SoftirqsVia[]) {
test(`NET_RX and NET_TX per CPU equal /proc/softirqs over a veth flood (${via})`, kernelOpts(), () => {
  const { a } = vethPair();
  const probe = startSoftirqs({ via });
  assert.equal(probe.via, via);
  try {
    const A = bracketed(() => probe.sample());
    const sent = flood(a, 1000);
    const B = bracketed(() => probe.sample());
    assert.ok(sent > 1000, `the flood sent ${sent} datagrams`);
    const r = B.r;
    const cpus = B.post.cpus;
    for (const vec of ['NET_RX', 'NET_TX']) {
      cpus.forEach((cpu, i) => {
        const got = r.softirqs.find((s) => s.vec === vec.toLowerCase() && s.cpu === cpu)?.count ?? 0;
        // The kernel counts a run at its entry, the tool at its exit: at most one run per CPU is
        // in flight at each edge of the interval.
        let lo = B.pre.counts[vec]![i]! - A.post.counts[vec]![i]! - 1;
        const hi = B.post.counts[vec]![i]! - A.pre.counts[vec]![i]! + 1;
        // The classic tracepoint skips softirqs that interrupt another kprobe or tracepoint
        // program on that CPU (the kernel's bpf_prog_active): other tracers may run meanwhile.
        if (via === 'tracepoint') lo = Math.floor(lo * 0.99);
        assert.ok(got >= lo && got <= hi, `${vec} CPU${cpu}: ${got} runs, /proc/softirqs says ${lo}..${hi}`);
      });
    }
    const rx = r.softirqs.filter((s) => s.vec === 'net_rx').reduce((n, s) => n + s.count, 0);
    assert.ok(rx >= 2000, `thousands of NET_RX runs (${rx})`);
    assert.ok(r.softirqs.every((s) => s.vec === 'net_rx' || s.vec === 'net_tx'), 'only NET_RX and NET_TX by default');
    for (const s of r.softirqs) {
      assert.equal(totalCount(s.hist), s.count, `${s.vec} CPU${s.cpu}: the histogram holds every run`);
      assert.equal(s.hist.unit, 'usecs');
    }
    const total = r.softirqs.reduce((n, s) => n + s.total_ns, 0);
    assert.ok(total > 0 && total < r.seconds * cpus.length * 1e9, `total ${total} ns in ${r.seconds} s on ${cpus.length} CPUs`);
  } finally {
    probe.stop();
  }
});
}

test('--all and --cpu: every vector, one CPU', kernelOpts(), () => {
  const probe = startSoftirqs({ all: true, cpu: 0 });
  try {
    probe.sample();
    execFileSync('sleep', ['0.3']);
    const r = probe.sample();
    assert.ok(r.softirqs.length > 0 && r.softirqs.every((s) => s.cpu === 0), 'CPU 0 only');
    assert.ok(r.softirqs.some((s) => s.vec !== 'net_rx' && s.vec !== 'net_tx'), `other vectors: ${r.softirqs.map((s) => s.vec)}`);
  } finally {
    probe.stop();
  }
  assert.throws(() => startSoftirqs({ cpu: 4096 }), { code: 'E_USAGE', message: /^choosing CPU 4096: / });
});

/** Runs `netdx softirqs ARGS`; `during` runs once it is tracing. */
async function cli(args: string[], during: () => void = () => {}): Promise<{ code: number | null; out: string[]; err: string[] }> {
  const cp = track(spawn(process.execPath, [CLI_MAIN, 'softirqs', ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
  const out: string[] = [];
  const err: string[] = [];
  createInterface({ input: cp.stdout! }).on('line', (l) => out.push(l));
  createInterface({ input: cp.stderr! }).on('line', (l) => { err.push(l); if (l.startsWith('Tracing')) during(); });
  const code = await new Promise<number | null>((r) => cp.on('close', r));
  return { code, out, err };
}

const softirqsIds = () => bpfProgIds((n) => n.startsWith('softirqs_'));

test('CLI: -i 0.5 -c 2 --json gives two interval objects, and leaves no program', kernelOpts(), async () => {
  const { a } = vethPair();
  // the CLI's own programs: those loaded while it traced that were not there before (another
  // process, the doctor say, may load softirqs programs of its own meanwhile)
  const before = softirqsIds();
  let mine: number[] = [];
  const r = await cli(['-i', '0.5', '-c', '2', '--json'], () => { mine = [...softirqsIds()].filter((id) => !before.has(id)); flood(a, 300); });
  assert.equal(r.code, 0, r.err.join('\n'));
  assert.equal(r.out.length, 2, r.out.join('\n'));
  for (const l of r.out) {
    const o = JSON.parse(l) as Record<string, unknown>;
    assert.deepEqual(Object.keys(o), ['ts', 'interval_s', 'softirqs']);
    assert.ok(typeof o.ts === 'string' && !Number.isNaN(Date.parse(o.ts)));
    assert.ok(Math.abs((o.interval_s as number) - 0.5) < 0.2, `interval_s ${o.interval_s}`);
    for (const s of o.softirqs as Array<Record<string, unknown>>) {
      assert.deepEqual(Object.keys(s), ['vec', 'cpu', 'count', 'total_ns', 'hist']);
      assert.ok(['net_rx', 'net_tx'].includes(s.vec as string));
      const h = s.hist as { unit: string; buckets: Array<Record<string, number>> };
      assert.equal(h.unit, 'usecs');
      assert.ok(h.buckets.every((b) => Object.keys(b).join() === 'low,high,count'));
    }
  }
  const rx = r.out.map((l) => JSON.parse(l) as SoftirqsReport).flatMap((o) => o.softirqs).filter((s) => s.vec === 'net_rx');
  assert.ok(rx.length > 0, 'the flood shows as NET_RX');
  assert.equal(mine.length, 2, 'its entry and exit programs were loaded while it traced');
  assert.deepEqual(await progsLeft(mine), [], 'none left after exit');
});

test('CLI text: the table, then BCC-style histograms within 100 columns; --summary: the table', kernelOpts(), async () => {
  const { a } = vethPair();
  for (const summary of [false, true]) {
    const r = await cli(['-d', '1', ...(summary ? ['--summary'] : [])], () => flood(a, 300));
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.match(r.out[0]!, /^SOFTIRQ +CPU +COUNT +TOTAL_us +AVG_us$/);
    assert.ok(r.out.some((l) => /^net_rx +\d+ +\d+ +[\d.]+ +[\d.]+$/.test(l)), r.out.join('\n'));
    assert.equal(r.out.some((l) => /^softirq = net_rx, cpu = \d+$/.test(l)), !summary, r.out.join('\n'));
    if (!summary) assert.ok(r.out.some((l) => /^ +usecs +: count +distribution$/.test(l)));
    assert.ok(r.out.every((l) => l.length <= 100));
  }
});

test('CLI: bad input is one line and exit 1', kernelOpts(), async () => {
  for (const args of [['-c', '2'], ['-i', '0'], ['--cpu', '4096'], ['-i', 'x']]) {
    const r = await cli(args);
    assert.equal(r.code, 1, `${args.join(' ')} exits 1`);
    assert.equal(r.err.length, 1, `${args.join(' ')}: one line: ${r.err.join(' | ')}`);
    assert.match(r.err[0]!, /^netdx: /);
    assert.deepEqual(r.out, []);
  }
});
