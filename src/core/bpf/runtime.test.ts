// Kernel tests of the BPF runtime: rodata config, every map kind, batch drain, ring buffer with
// lost-event counting, verifier log in load errors, and cleanup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { kernelOpts, REPO_ROOT } from '../../testlib/kernel.js';
import { BpfObject, parseRecursionMisses } from './object.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bpfObjectPath } from './paths.js';
import { ensureTracefs } from './features.js';
import { NetdxError } from '../errors.js';

const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };

function open(add = 3): BpfObject {
  ensureTracefs();
  const o = BpfObject.open(bpfObjectPath('runtime_test'));
  o.selectPrograms(['count_getppid']);
  o.setRodata({ target_tgid: process.pid, add_value: BigInt(add) });
  o.load();
  o.attach('count_getppid');
  return o;
}

function getppid(n: number): void {
  // process.ppid asks the kernel each time (uv_os_getppid -> getppid(2)).
  for (let i = 0; i < n; i++) void process.ppid;
}

test('rodata filter, hash/array/per-CPU maps, batch drain', kernelOpts(), () => {
  const o = open(3);
  try {
    const N = 100;
    getppid(N);
    const arr = o.map('array');
    let total = 0n;
    for (let s = 0; s < 4; s++) total += arr.lookup(u32(s))!.readBigUInt64LE(0);
    assert.equal(total, BigInt(3 * N), 'array slots sum to N * add_value (filter kept only our calls)');
    const pc = o.map('percpu');
    assert.ok(pc.perCpu);
    assert.equal(pc.sumU64(pc.lookup(u32(0))!), BigInt(3 * N), 'per-CPU sum');
    const ph = o.map('percpu_hash');
    const counts = ph.entries().map(([k, v]) => [k.readUInt32LE(0), Number(ph.sumU64(v))]);
    assert.equal(counts.length, 8);
    assert.equal(counts.reduce((a, [, c]) => a + c!, 0), N);
    const hash = o.map('hash');
    assert.equal(hash.keys().length, N);
    const drained = hash.drain(16); // several batches
    assert.equal(drained.length, N);
    assert.deepEqual(drained.map(([k]) => k.readUInt32LE(0)).sort((a, b) => a - b), [...Array(N).keys()]);
    for (const [k, v] of drained) assert.equal(v.readBigUInt64LE(0), BigInt(k.readUInt32LE(0) * 3));
    assert.equal(hash.keys().length, 0, 'drain deleted every entry');
    assert.equal(hash.lookup(u32(5)), undefined);
    // the kernel's count of skipped runs, from the programs' fdinfo: none for calls made one by one
    assert.equal(o.skippedRuns(), 0);
  } finally {
    o.close();
  }
  assert.equal(o.skippedRuns(), 0, 'read at close, kept');
});

test('recursion_misses from a BPF program\'s fdinfo (captured from socketio on 6.18)', () => {
  const text = readFileSync(join(REPO_ROOT, 'test/fixtures/bpf/prog-fdinfo.txt'), 'utf8');
  assert.equal(parseRecursionMisses(text), 0);
  assert.equal(parseRecursionMisses(text.replace(/^recursion_misses:\s*0$/m, 'recursion_misses:\t273')), 273);
  assert.equal(parseRecursionMisses(text.replace(/^recursion_misses:.*\n/m, '')), 0, 'before Linux 5.12: no such line');
});

test('ring buffer: records read from the mmap, and overflow counted as lost', kernelOpts(), () => {
  const o = open(1);
  try {
    const seen: number[] = [];
    const r = o.ringbuf('events', (dv, off, len) => { assert.equal(len, 8); seen.push(Number(dv.getBigUint64(off, true))); });
    getppid(50);
    assert.equal(r.poll(), 50);
    assert.deepEqual(seen, [...Array(50).keys()]);
    // 4096-byte ring, 16 bytes per record: without polling, most of 2,000 records cannot fit.
    getppid(2000);
    const got = r.poll();
    const { full: lost, refused } = o.lostEvents();
    assert.equal(refused, 0, 'every loss was a full ring');
    // the kernel refuses a record that would fill the ring to its last byte: 255 x 16 bytes fit
    assert.equal(got, 255, 'a 4096-byte ring holds 255 records of 16 bytes');
    assert.equal(got + lost, 2000, 'every record is either delivered or counted lost');
  } finally {
    o.close();
  }
});

test('map() before load(), max_entries sized before load, one ring shared by two objects', kernelOpts(), () => {
  ensureTracefs();
  const a = BpfObject.open(bpfObjectPath('runtime_test'));
  const b = BpfObject.open(bpfObjectPath('runtime_test'));
  try {
    const early = a.map('events'); // before load: their fds do not exist yet
    const arr = a.map('array');
    a.setMaxEntries('events', 16384);
    a.selectPrograms(['count_getppid']);
    a.setRodata({ target_tgid: process.pid });
    a.load();
    assert.equal(early.maxEntries, 16384);
    b.selectPrograms(['count_getppid']);
    b.setRodata({ target_tgid: process.pid });
    b.reuseMap('events', early);
    b.load();
    a.attach('count_getppid');
    b.attach('count_getppid');
    const seen: number[] = [];
    const r = a.ringbuf('events', (dv, off) => { seen.push(Number(dv.getBigUint64(off, true))); });
    getppid(100);
    assert.equal(r.poll(), 200, 'both objects write to the one ring');
    assert.deepEqual(seen.sort((x, y) => x - y), [...Array(100).keys()].flatMap((i) => [i, i]));
    getppid(2000);
    assert.equal(r.poll(), 1023, 'a 16384-byte ring holds 1023 records of 16 bytes');
    let total = 0n;
    for (let s = 0; s < 4; s++) total += arr.lookup(u32(s))!.readBigUInt64LE(0);
    assert.equal(total, 2100n, 'a map handle taken before load reads the loaded map');
  } finally {
    a.close();
    b.close();
  }
});

test('a verifier rejection carries the shortened verifier log', kernelOpts(), () => {
  const o = BpfObject.open(bpfObjectPath('runtime_test'));
  try {
    o.selectPrograms(['bad_access']);
    assert.throws(() => o.load(), (e: unknown) => {
      assert.ok(e instanceof NetdxError);
      assert.equal(e.code, 'E_BPF_LOAD');
      assert.match(e.message, /^loading BPF object runtime_test\.bpf\.o: /);
      assert.match(e.detail ?? '', /verifier log of bad_access/);
      assert.match(e.detail ?? '', /invalid|access|ctx/i);
      assert.ok((e.detail ?? '').split('\n').length <= 14, 'shortened');
      return true;
    });
  } finally {
    o.close();
  }
});

test('a library user that dies of an uncaught error after attach leaves no program behind', kernelOpts(), () => {
  const script = `
    import { BpfObject } from '${REPO_ROOT}dist/core/bpf/object.js';
    import { bpfObjectPath } from '${REPO_ROOT}dist/core/bpf/paths.js';
    const o = BpfObject.open(bpfObjectPath('runtime_test'));
    o.selectPrograms(['count_getppid']); o.load(); o.attach('count_getppid');
    console.log('ATTACHED');
    setTimeout(() => { throw new Error('boom'); }, 300);`;
  const before = progIds();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.match(r.stdout, /ATTACHED/);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /Error: boom/); // Node's own report: the library installs no handler
  assert.deepEqual([...progIds()].filter((id) => !before.has(id)), []);
});

function progIds(): Set<number> {
  const progs = JSON.parse(execFileSync('bpftool', ['prog', 'show', '-j'], { encoding: 'utf8' })) as Array<{ id: number; name?: string }>;
  return new Set(progs.filter((p) => p.name === 'count_getppid').map((p) => p.id));
}
