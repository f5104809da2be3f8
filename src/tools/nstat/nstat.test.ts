// Pure tests: deltas and rates, nstat -j's text, the history's rules (nstat's) and its file, and
// that every counter the meanings table names exists on this kernel (a typo there would silently
// never show a meaning). That every counter of the running kernel has a meaning: the kernel test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { counterDeltas, nstatJson, nstatValues } from './lib.js';
import { COUNTER_MEANINGS, counterMeaning } from './meanings.js';
import {
  ensureHistoryDir, historyDeltas, historyDir, historyFile, loadHistory, nextHistory, parseHistory,
  removeHistory, saveHistory, serializeHistory, type HistoryOwner, type HistorySample,
} from './history.js';
import { parseAllCounters } from '../../core/proc/snmp.js';

const FIX = fileURLToPath(new URL('../../../test/fixtures/nstat/', import.meta.url));

test('counterDeltas: deltas, rates, new counters from 0, wraps, gauges as values', () => {
  const prev = new Map([['TcpInSegs', 100n], ['TcpCurrEstab', 5n], ['UdpNoPorts', 7n]]);
  const cur = new Map([['TcpInSegs', 350n], ['TcpCurrEstab', 2n], ['UdpNoPorts', 3n], ['IcmpMsgOutType3', 4n]]);
  const d = counterDeltas(prev, cur, 2.5);
  assert.deepEqual(d, [
    { name: 'TcpInSegs', value: 350n, gauge: false, delta: 250n, rate: 100 },
    { name: 'TcpCurrEstab', value: 2n, gauge: true, delta: null, rate: null },
    { name: 'UdpNoPorts', value: 3n, gauge: false, delta: 3n, rate: 1.2, wrapped: true },
    { name: 'IcmpMsgOutType3', value: 4n, gauge: false, delta: 4n, rate: 1.6 },
  ]);
  assert.throws(() => counterDeltas(prev, cur, 0), /interval 0 s/);
});

// Names the table covers for all UDP groups, but which a group lacks on this kernel.
const ABSENT_OK = new Set(['UdpLite6IgnoredMulti']);

test('every counter in the meanings table exists in the captured files', () => {
  const names = new Set(parseAllCounters({
    snmp: readFileSync(FIX + 'snmp', 'utf8'), snmp6: readFileSync(FIX + 'snmp6', 'utf8'), netstat: readFileSync(FIX + 'netstat', 'utf8'),
  }).keys());
  const missing = Object.keys(COUNTER_MEANINGS).filter((n) => !names.has(n) && !ABSENT_OK.has(n));
  assert.deepEqual(missing, []);
  assert.match(counterMeaning('TcpRetransSegs')!.meaning, /reordering/);
  assert.match(counterMeaning('TcpExtTCPDSACKRecvSegs')!.meaning, /not loss/);
  assert.equal(counterMeaning('NoSuchCounter'), undefined);
});

test('every counter of the captured files has a meaning; ICMP types by rule', () => {
  const names = [...parseAllCounters({
    snmp: readFileSync(FIX + 'snmp', 'utf8'), snmp6: readFileSync(FIX + 'snmp6', 'utf8'), netstat: readFileSync(FIX + 'netstat', 'utf8'),
  }).keys()];
  assert.deepEqual(names.filter((n) => !counterMeaning(n)), []);
  assert.equal(counterMeaning('IcmpMsgInType3')!.meaning, 'ICMP type 3 (destination unreachable) messages received');
  assert.equal(counterMeaning('IcmpMsgInType3')!.kind, 'error');
  assert.equal(counterMeaning('IcmpMsgOutType0')!.meaning, 'ICMP type 0 (echo reply) messages sent');
  assert.equal(counterMeaning('Icmp6OutType135')!.meaning, 'ICMPv6 type 135 (neighbour solicitation) messages sent');
  assert.equal(counterMeaning('Icmp6InType200')!.meaning, 'ICMPv6 type 200 messages received');
  assert.equal(counterMeaning('IcmpMsgInType256'), undefined, 'an ICMP type is 8 bits');
  for (let t = 0; t < 256; t++) for (const g of ['IcmpMsgIn', 'IcmpMsgOut', 'Icmp6In', 'Icmp6Out']) assert.ok(counterMeaning(`${g}Type${t}`), `${g}Type${t}`);
  // the two the issue named
  assert.match(counterMeaning('Ip6InNoECTPkts')!.meaning, /ECN/);
  assert.match(counterMeaning('TcpExtTCPSackMerged')!.meaning, /SACK/);
});

test('nstatValues and nstatJson: nstat -j\'s fields, order and text', () => {
  const cur = new Map([['IpForwarding', 2n], ['IpInReceives', 10n], ['TcpCurrEstab', 3n], ['UdpNoPorts', 4n], ['UdpInErrors', 0n],
    ['MPTcpExtMPCurrEstab', 1n], ['TcpExtTW', 18446744073709551615n]]);
  const all = () => true;
  assert.deepEqual(nstatValues(cur, undefined, all, false),
    [['IpInReceives', 10n], ['UdpNoPorts', 4n], ['MPTcpExtMPCurrEstab', 1n], ['TcpExtTW', 18446744073709551615n]], 'nstat\'s seven hidden, zeros left out');
  const base = new Map([['IpInReceives', 4n], ['UdpNoPorts', 9n], ['MPTcpExtMPCurrEstab', 1n]]);
  assert.deepEqual(nstatValues(cur, (n) => base.get(n), (n) => n.startsWith('U') || n.startsWith('Ip'), true),
    [['IpInReceives', 6n], ['UdpNoPorts', 0n], ['UdpInErrors', 0n]], 'a counter below its base shows 0 (nstat\'s overflow)');
  assert.equal(nstatJson([['IpInReceives', 6n], ['TcpExtTW', 18446744073709551615n]]),
    '{"kernel":{"IpInReceives":6,"TcpExtTW":18446744073709551615}}\n', '64-bit values whole');
  assert.equal(nstatJson([]), '{"kernel":{}}\n');
  assert.equal(nstatJson([['A', 1n], ['B', 2n]], true), '{\n    "kernel": {\n        "A": 1,\n        "B": 2\n    }\n}\n');
  assert.equal(nstatJson([], true), '{\n    "kernel": {}\n}\n');
});

const OWNER: HistoryOwner = { boot: 'b00t', inode: 4026532000, cookie: '77' };
const S1: HistorySample = { time: '2026-11-30T06:00:00.000Z', monotonicNs: 1_000_000_000n };
const S2: HistorySample = { time: '2026-11-30T06:00:10.000Z', monotonicNs: 11_000_000_000n };

test('nextHistory: nstat\'s rule, the counters a run showed take their value, the others keep their baseline', () => {
  const c1 = new Map([['TcpInSegs', 100n], ['UdpNoPorts', 5n]]);
  const h1 = nextHistory(undefined, OWNER, c1, S1, (n) => n.startsWith('Udp'));
  // no history before: every counter takes its value, shown or not (nstat writes them all)
  assert.deepEqual([...h1.counters], [['TcpInSegs', { value: 100n, sample: S1 }], ['UdpNoPorts', { value: 5n, sample: S1 }]]);
  const c2 = new Map([['TcpInSegs', 130n], ['UdpNoPorts', 9n], ['IcmpMsgOutType3', 2n]]);
  const h2 = nextHistory(h1, OWNER, c2, S2, (n) => n.startsWith('Udp'));
  assert.deepEqual([...h2.counters], [
    ['TcpInSegs', { value: 100n, sample: S1 }],          // left out by the pattern: keeps its baseline
    ['UdpNoPorts', { value: 9n, sample: S2 }],
    ['IcmpMsgOutType3', { value: 2n, sample: S2 }],      // new, no baseline: takes its value
  ]);
  assert.equal(h2.last, S2);
  // zeros are not kept (nstat writes none) unless -z; a counter absent then and left out by the
  // patterns takes its current value, as in nstat
  const z = nextHistory(undefined, OWNER, new Map([['A', 0n], ['B', 3n]]), S1, () => true);
  assert.deepEqual([...z.counters.keys()], ['B']);
  assert.deepEqual([...nextHistory(undefined, OWNER, new Map([['A', 0n]]), S1, () => true, true).counters.keys()], ['A']);
  assert.deepEqual(nextHistory(z, OWNER, new Map([['A', 4n], ['B', 5n]]), S2, (n) => n === 'B').counters.get('A'), { value: 4n, sample: S2 });
  // deltas against each counter's own baseline, rates over its own span
  const c3 = new Map([['TcpInSegs', 160n], ['UdpNoPorts', 9n], ['IcmpMsgOutType3', 2n], ['TcpExtTW', 4n]]);
  assert.deepEqual(historyDeltas(h2, c3, 21_000_000_000n), [
    { name: 'TcpInSegs', value: 160n, gauge: false, delta: 60n, rate: 3 },
    { name: 'UdpNoPorts', value: 9n, gauge: false, delta: 0n, rate: 0 },
    { name: 'IcmpMsgOutType3', value: 2n, gauge: false, delta: 0n, rate: 0 },
    { name: 'TcpExtTW', value: 4n, gauge: false, delta: 4n, rate: 0.4 },   // appeared since: over the last run's span
  ]);
});

test('history file: round trip, owner checks, atomic 0600 write, private directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netdx-nstat-hist-'));
  try {
    const h = nextHistory(nextHistory(undefined, OWNER, new Map([['A', 1n], ['B', 2n]]), S1, () => true), OWNER,
      new Map([['A', 5n], ['B', 18446744073709551615n]]), S2, (n) => n === 'B');
    const back = parseHistory(serializeHistory(h));
    assert.ok(typeof back !== 'string');
    assert.deepEqual(back, h);
    assert.equal(JSON.parse(serializeHistory(h)).samples.length, 2, 'each sample once');
    for (const bad of ['', '{}', 'nstat', '{"netdx":"netdx nstat history","version":1}', serializeHistory(h).replace('"18446744073709551615"', '"x"')]) {
      assert.equal(typeof parseHistory(bad), 'string', bad);
    }

    const file = historyFile(dir, OWNER.inode);
    assert.equal(file, `${dir}/net-4026532000.json`);
    assert.deepEqual(loadHistory(file, OWNER), {}, 'no file: no history, no note');
    saveHistory(file, h);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), ['net-4026532000.json'], 'no temporary file left');
    assert.deepEqual(loadHistory(file, OWNER).history, h);
    assert.match(loadHistory(file, { ...OWNER, boot: 'other' }).note!, /earlier boot/);
    assert.match(loadHistory(file, { ...OWNER, cookie: '78' }).note!, /earlier namespace that had inode 4026532000/);
    assert.equal(loadHistory(file, { ...OWNER, cookie: '78' }).history, undefined);
    writeFileSync(file, 'garbage');
    assert.match(loadHistory(file, OWNER).note!, /unreadable \(not JSON\): starting over/);
    removeHistory(file);
    removeHistory(file);   // twice: no file is fine
    assert.deepEqual(readdirSync(dir), []);

    const uid = process.getuid!();
    assert.deepEqual(historyDir({}, 1000), { dir: '/tmp/.netdx-nstat.u1000', explicit: false });
    assert.deepEqual(historyDir({ NETDX_NSTAT_HISTORY: '/x' }, 0), { dir: '/x', explicit: true });
    const made = join(dir, 'a', 'b');
    ensureHistoryDir(made, true, uid);
    assert.equal(statSync(made).mode & 0o777, 0o700);
    chmodSync(made, 0o777);
    assert.throws(() => ensureHistoryDir(made, true, uid), /checking history directory .*: writable by other users/);
    chmodSync(made, 0o700);
    assert.throws(() => ensureHistoryDir(made, true, uid + 1), /owned by uid/);
    symlinkSync(made, join(dir, 'link'));
    ensureHistoryDir(join(dir, 'link'), true, uid);    // an explicit one may be a link
    assert.throws(() => ensureHistoryDir(join(dir, 'link'), false, uid), /a symbolic link/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad combinations: one line on stderr, exit 1, no history touched', () => {
  const NETDX = fileURLToPath(new URL('../../netdx.cjs', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'netdx-nstat-usage-'));
  try {
    for (const args of [['-i', '1', '-r'], ['-c', '2', '-n'], ['-i', '1', '-s'], ['-j', '--json'], ['-p'], ['-a', '-c', '1'], ['-x']]) {
      const r = spawnSync(process.execPath, [NETDX, 'nstat', ...args], { encoding: 'utf8', env: { ...process.env, NETDX_NSTAT_HISTORY: dir } });
      assert.equal(r.status, 1, args.join(' '));
      assert.equal(r.stdout, '', args.join(' '));
      assert.match(r.stderr, /^netdx: parsing [^\n]+\n$/, args.join(' '));
    }
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
