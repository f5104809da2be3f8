// Kernel tests of the ring buffer reader: reads after close, handlers that throw, and a stress run
// whose records straddle the ring's end while it wraps many times over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { kernelOpts, REPO_ROOT } from '../../testlib/kernel.js';
import { BpfObject } from './object.js';
import { bpfObjectPath } from './paths.js';
import { ensureTracefs } from './features.js';

function open(prog: 'count_getppid' | 'ring_stress'): BpfObject {
  ensureTracefs();
  const o = BpfObject.open(bpfObjectPath('runtime_test'));
  o.selectPrograms([prog]);
  o.setRodata({ target_tgid: process.pid, add_value: 1n });
  o.load();
  o.attach(prog);
  return o;
}

function getppid(n: number): void {
  for (let i = 0; i < n; i++) void process.ppid;
}

test('reads after close are no-ops: poll, a second stop, cleanup then stop (no SIGSEGV)', kernelOpts(), () => {
  // In a child: a read of unmapped memory kills the process with SIGSEGV, which a test in this
  // process could not report.
  const script = `
    import { BpfObject } from '${REPO_ROOT}dist/core/bpf/object.js';
    import { bpfObjectPath } from '${REPO_ROOT}dist/core/bpf/paths.js';
    import { runCleanup } from '${REPO_ROOT}dist/core/cleanup.js';
    import { TcpLifeTracer } from '${REPO_ROOT}dist/tools/tcplife/lib.js';
    const o = BpfObject.open(bpfObjectPath('runtime_test'));
    o.selectPrograms(['count_getppid']); o.setRodata({ target_tgid: process.pid }); o.load(); o.attach('count_getppid');
    const r = o.ringbuf('events', () => {});
    r.start(1);
    for (let i = 0; i < 10; i++) void process.ppid;
    o.close();
    console.log('poll after close', r.poll());
    o.close();
    const t = TcpLifeTracer.start({}, () => {}, { pollMs: 1 });
    console.log('first stop', JSON.stringify(t.stop()));
    console.log('second stop', JSON.stringify(t.stop()));
    console.log('poll after stop', t.poll());
    const t2 = TcpLifeTracer.start({}, () => {}, { pollMs: 1 });
    runCleanup();
    console.log('stop after cleanup', JSON.stringify(t2.stop()));
    await new Promise((r) => setTimeout(r, 50)); // a timer left running would fire here
    console.log('OK');`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.signal, null, `no signal (got ${r.signal}): ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), [
    'poll after close 0',
    'first stop {"full":0,"refused":0,"untracked":0}',
    'second stop {"full":0,"refused":0,"untracked":0}',
    'poll after stop 0',
    'stop after cleanup {"full":0,"refused":0,"untracked":0}',
    'OK',
  ]);
});

test('a handler that throws: the position is published, the record counted as failed, nothing redelivered', kernelOpts(), async () => {
  const o = open('count_getppid');
  try {
    const seen: number[] = [];
    const errors: unknown[] = [];
    const r = o.ringbuf('events', (dv, off) => {
      const n = Number(dv.getBigUint64(off, true));
      seen.push(n);
      if (n % 10 === 3) throw new Error(`bad record ${n}`);
    }, { onError: (e) => errors.push(e) });
    getppid(25);
    assert.equal(r.poll(), 25, 'every record reached the handler once');
    assert.equal(r.failed, 3, 'records 3, 13 and 23 failed');
    assert.equal(errors.length, 3);
    assert.match(String((errors[0] as Error).message), /bad record 3/);
    assert.equal(r.poll(), 0, 'nothing delivered again');
    getppid(5);
    assert.equal(r.poll(), 5);
    assert.deepEqual(seen, [...Array(30).keys()]);
    // Under the timer, a throwing handler does not kill the process (the runner would report
    // an uncaught exception) and the next records still arrive.
    r.start(1);
    getppid(10);
    await new Promise((res) => setTimeout(res, 100));
    assert.deepEqual(seen, [...Array(40).keys()]);
    assert.equal(r.failed, 4);
  } finally {
    o.close();
  }
});

test('stress: records straddling the ring end, the ring wrapped 500+ times, exact totals, none malformed', kernelOpts({ timeout: 120_000 }), () => {
  const o = open('ring_stress');
  try {
    const SIZE = 4096;
    let next = 0, bytes = 0, malformed = 0, straddled = 0;
    const r = o.ringbuf('stress_ring', (dv, off, len) => {
      const seq = dv.getUint32(off, true);
      const want = 12 + (seq * 37) % 240;
      if (seq !== next || len !== want || dv.getUint32(off + 4, true) !== want) { malformed++; next = seq + 1; return; }
      for (let i = 8; i < len; i++) if (dv.getUint8(off + i) !== ((seq + i) & 0xff)) { malformed++; break; }
      // the data area is mapped twice: a record that runs past its end reads on contiguously
      if ((off % SIZE) + len > SIZE) straddled++;
      bytes += len;
      next++;
    });
    const ROUNDS = 2000, PER = 12; // 12 records of <= 256 bytes (with headers) fit in 4096 bytes
    for (let i = 0; i < ROUNDS; i++) {
      getppid(PER);
      r.poll();
    }
    const lost = o.lostEvents();
    assert.equal(malformed, 0, 'no malformed record');
    assert.equal(lost.full + lost.refused, 0, 'nothing lost');
    assert.equal(r.records, ROUNDS * PER, 'every record delivered exactly once, in order');
    assert.equal(next, ROUNDS * PER);
    assert.ok(bytes > 500 * SIZE, `the ring wrapped ${Math.floor(bytes / SIZE)} times`);
    assert.ok(straddled > 100, `${straddled} records straddled the end of the ring`);
  } finally {
    o.close();
  }
});
