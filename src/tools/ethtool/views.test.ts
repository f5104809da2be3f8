// The views beyond the default report: coalescing (-c), pause (-a), RSS (-x), module (-m).
// Decoders on captured replies (a veth, a tap, the host's virtio_net) against ethtool's output of
// the same moment; decoders and rendering on structs built from the documented layout where no
// device here answers (pause, an RSS table and key, a module); then the real kernel, where
// ethtool in the same namespace is the oracle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import {
  COALESCE_FIELDS, COALESCE_SIZE, MODINFO_SIZE, PAUSE_SIZE, RXFH_HDR, RXNFC_SIZE, decodeCoalesceIoctl, decodeCoalesceNetlink,
  decodeModinfo, decodePause, decodeRxRings, decodeRxfh, decodeStrings, rssFrom, type Coalesce,
} from './lib.js';
import { renderCoalesce, renderModule, renderPause, renderRss } from './cli.js';
import { parseEthtoolC, parseEthtoolX, parseKeyValues } from './oracle.js';
import { genlAttrs } from '../../core/netlink/genl.js';
import { CLI_MAIN, runCli } from '../../testlib/cli.js';
import { Netns, kernelOpts, nodeEval, sh, vethPair } from '../../testlib/kernel.js';

const FIX = new URL('../../../test/fixtures/ethtool/', import.meta.url).pathname;
type Raw = string | { errno: number } | undefined;
interface Capture { dev: string; raw: Record<string, Raw>; oracle: Record<string, string | { error: string }> }
const load = (f: string) => JSON.parse(readFileSync(FIX + f, 'utf8')) as Capture;
const bytes = (v: Raw, what: string) => { assert.equal(typeof v, 'string', what); return Buffer.from(v as string, 'hex'); };
/** ethtool's output, or its error line when it failed. */
const said = (c: Capture, k: string): string => { const v = c.oracle[k]; return typeof v === 'string' ? v : v!.error; };
const NOT_SUPPORTED = /Operation not supported/;

/** Each parameter ethtool -c printed equals the decoded value (n/a <-> absent); returns how many were compared. */
function sameAsEthtoolC(c: Coalesce, text: string, naAsZero = false): number {
  const want = parseEthtoolC(text);
  let n = 0;
  for (const f of COALESCE_FIELDS) {
    if (!want.has(f.name)) continue; // printed by a newer ethtool only (tx-aggr-*)
    if (naAsZero && f.attr > 23) continue; // not in the ioctl's struct (CQE mode, TX aggregation)
    let w = want.get(f.name);
    if (w === undefined && naAsZero) w = f.bool ? false : 0;
    assert.equal(c[f.key], w, f.name);
    n++;
  }
  return n;
}

const veth = load('veth.json');
const tap = load('tap.json');
const eth0 = load('eth0.json');

test('coalescing over netlink equals ethtool -c, n/a exactly where the driver has no such parameter', () => {
  for (const c of [tap, eth0]) {
    const d = decodeCoalesceNetlink(genlAttrs(bytes(c.raw.coalesce_netlink, 'coalesce_netlink')));
    assert.equal(d.via, 'netlink');
    assert.ok(sameAsEthtoolC(d, said(c, 'ethtool -c')) >= 24, c.dev);
  }
  const t = decodeCoalesceNetlink(genlAttrs(bytes(tap.raw.coalesce_netlink, 'tap')));
  assert.deepEqual(t, { via: 'netlink', rxFrames: 7 }); // tun's one parameter, as set by the capture
});

test('coalescing over the ioctl: ethtool -c\'s numbers, and 0 where it says n/a', () => {
  for (const c of [tap, eth0]) {
    const d = decodeCoalesceIoctl(bytes(c.raw.coalesce, 'coalesce'));
    assert.equal(d.via, 'ioctl');
    assert.ok(sameAsEthtoolC(d, said(c, 'ethtool -c'), true) >= 20, c.dev);
    assert.equal(d.cqeModeRx, undefined); // not in struct ethtool_coalesce
  }
});

test('RSS of virtio_net: ring count and hash function as ethtool -x, no table and no key', () => {
  const r = rssFrom(decodeRxfh(bytes(eth0.raw.rssh_probe, 'rssh_probe')), decodeStrings(bytes(eth0.raw.hfuncs_strings, 'hfuncs')),
    decodeRxRings(bytes(eth0.raw.rxrings, 'rxrings')));
  const x = parseEthtoolX(said(eth0, 'ethtool -x'));
  assert.equal(r.rxRings, x.rings);
  assert.deepEqual(r.hfunc, x.hfunc);
  assert.deepEqual(r.indir.length ? r.indir : null, x.indir);
  assert.equal(r.key || null, x.key);
});

test('veth and tap refuse pause, RSS and module with EOPNOTSUPP, where ethtool says "Operation not supported"', () => {
  for (const c of [veth, tap]) {
    for (const [raw, opt] of [['pause', '-a'], ['rssh_probe', '-x'], ['rxrings', '-x'], ['modinfo', '-m']] as const) {
      assert.deepEqual(c.raw[raw], { errno: 95 }, `${c.dev} ${raw}`);
      assert.match(said(c, `ethtool ${opt}`), NOT_SUPPORTED, `${c.dev} ethtool ${opt}`);
    }
  }
  assert.deepEqual(veth.raw.coalesce, { errno: 95 });
  assert.deepEqual(veth.raw.coalesce_netlink, { errno: 95 });
  assert.match(said(veth, 'ethtool -c'), NOT_SUPPORTED);
  for (const opt of ['-a', '-m']) assert.match(said(eth0, `ethtool ${opt}`), NOT_SUPPORTED);
  assert.deepEqual([eth0.raw.pause, eth0.raw.modinfo], [{ errno: 95 }, { errno: 95 }]);
});

// ---------------------------------------------------------------- structs from the documented layout

test('pause: struct ethtool_pauseparam (cmd, autoneg, rx_pause, tx_pause)', () => {
  const b = Buffer.alloc(PAUSE_SIZE);
  b.writeUInt32LE(0x12, 0); b.writeUInt32LE(0, 4); b.writeUInt32LE(1, 8); b.writeUInt32LE(1, 12);
  const p = decodePause(b);
  assert.deepEqual(p, { autoneg: false, rx: true, tx: true });
  assert.equal(renderPause({ ok: true, value: p }), 'pause:     autoneg off, rx on, tx on  (rx: obeys PAUSE frames; tx: sends them)\n');
});

test('RSS: struct ethtool_rxfh with a 128-entry table over 4 rings, a 40-byte key, toeplitz, symmetric-xor', () => {
  const key = Buffer.from('6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa', 'hex');
  const b = Buffer.alloc(RXFH_HDR + 128 * 4 + key.length);
  b.writeUInt32LE(0x46, 0); b.writeUInt32LE(0, 4); b.writeUInt32LE(128, 8); b.writeUInt32LE(40, 12);
  b[16] = 1; // hfunc: ETH_RSS_HASH_TOP
  b[17] = 1; // input_xfrm: RXH_XFRM_SYM_XOR
  for (let i = 0; i < 128; i++) b.writeUInt32LE(i < 96 ? i % 3 : 3, RXFH_HDR + i * 4); // ring 3 gets 32 entries
  key.copy(b, RXFH_HDR + 128 * 4);
  const raw = decodeRxfh(b);
  assert.deepEqual([raw.indirSize, raw.keySize, raw.hfunc, raw.inputXfrm], [128, 40, 1, 1]);
  const r = rssFrom(raw, ['toeplitz', 'xor', 'crc32'], 4);
  assert.deepEqual(r.hfunc, ['toeplitz']);
  assert.equal(r.inputXfrm, 'symmetric-xor');
  assert.equal(r.key, [...key].map((x) => x.toString(16).padStart(2, '0')).join(':'));
  assert.equal(r.indir.length, 128);
  const out = renderRss({ ok: true, value: r }, 'driver x');
  for (const l of out.split('\n')) assert.ok(l.length <= 100, l);
  assert.match(out, /^rss: +4 RX rings, hash function toeplitz, input transform symmetric-xor$/m);
  assert.match(out, /^hash key: +6d:5a:56:da:/m);
  assert.match(out, /^ +120: +3 +3 +3 +3 +3 +3 +3 +3$/m);
  assert.match(out, /^entries per RX ring \(ring:entries\): 0:32 1:32 2:32 3:32$/m);
  // the key is 40 bytes: 119 characters in one piece, so it continues on a second line
  assert.equal(out.split('\n').filter((l) => /^( {11}|hash key: +)[0-9a-f]{2}:/.test(l)).length, 2);
  // the size probe (sizes 0 in, sizes out) carries neither table nor key
  const probe = decodeRxfh(b.subarray(0, RXFH_HDR));
  assert.deepEqual([probe.indirSize, probe.indir.length, probe.key.length], [128, 0, 0]);
});

test('RSS: struct ethtool_rxnfc (GRXRINGS) carries the ring count in its u64 data', () => {
  const b = Buffer.alloc(RXNFC_SIZE);
  b.writeUInt32LE(0x2d, 0); b.writeBigUInt64LE(16n, 8);
  assert.equal(decodeRxRings(b), 16);
});

test('module: struct ethtool_modinfo (cmd, type, eeprom_len)', () => {
  const b = Buffer.alloc(MODINFO_SIZE);
  b.writeUInt32LE(0x42, 0); b.writeUInt32LE(2, 4); b.writeUInt32LE(512, 8);
  const m = decodeModinfo(b);
  assert.deepEqual(m, { typeId: 2, standard: 'SFF-8472', form: 'SFP with diagnostics', eepromLen: 512 });
  assert.equal(renderModule({ ok: true, value: m }), 'module:    SFF-8472 (SFP with diagnostics), EEPROM 512 bytes\n');
  assert.equal(decodeModinfo(Buffer.from([0x42, 0, 0, 0, 3, 0, 0, 0, 0, 2, 0, 0, ...Array(32).fill(0)])).standard, 'SFF-8636');
});

test('coalescing renders within 100 columns over netlink and over the ioctl', () => {
  const b = Buffer.alloc(COALESCE_SIZE);
  for (let i = 1; i < 23; i++) b.writeUInt32LE(4000000000, i * 4); // the widest numbers a u32 holds
  for (const c of [decodeCoalesceIoctl(b), decodeCoalesceNetlink(genlAttrs(bytes(eth0.raw.coalesce_netlink, 'nl')))]) {
    const out = renderCoalesce({ ok: true, value: c });
    for (const l of out.split('\n')) assert.ok(l.length <= 100, `${l.length}: ${l}`);
  }
});

// ---------------------------------------------------------------- kernel

const LIB = new URL('./lib.js', import.meta.url).pathname;
const views = (ns: Netns | undefined, dev: string, via = '') => JSON.parse(nodeEval(`import { ethtoolViews, EthtoolDevice } from '${LIB}';
  const v = ethtoolViews('${dev}', ['coalesce', 'pause', 'rss', 'module']);
  const d = new EthtoolDevice('${dev}'); d.driverInfo(); v.ioctl = d.coalesce({ via: 'ioctl' }); d.close();
  process.stdout.write(JSON.stringify(v));`, ns)) as Record<string, { ok: boolean; value?: unknown; reason?: string; errno?: number }>;
/** ethtool's output, or what it said on failure (stdout and stderr), in the namespace. */
const ethtool = (ns: Netns | undefined, args: string[]): string => {
  try { return ns ? ns.exec('ethtool', args) : sh('ethtool', args); } catch (e) {
    const x = e as { stdout?: string; stderr?: string };
    return `${x.stdout ?? ''}${x.stderr ?? ''}`;
  }
};

/** Every view is "not supported" exactly where ethtool says "Operation not supported". */
function sameSupport(v: ReturnType<typeof views>, ns: Netns | undefined, dev: string, driver: string): void {
  for (const [k, opt] of [['coalesce', '-c'], ['pause', '-a'], ['rss', '-x'], ['module', '-m']] as const) {
    const e = ethtool(ns, [opt, dev]);
    const refused = NOT_SUPPORTED.test(e) && !(k === 'rss' && /RSS hash function:\n\s+\S+: on/.test(e));
    assert.equal(!v[k]!.ok, refused, `${dev} ${opt}: netdx ${JSON.stringify(v[k])}, ethtool: ${e}`);
    if (refused) assert.deepEqual([v[k]!.reason, v[k]!.errno], [`not supported by driver ${driver}`, 95], `${dev} ${opt}`);
  }
}

test('kernel: veth and tap in a namespace: each view as ethtool -c/-a/-x/-m there, tap coalescing both ways', kernelOpts(), () => {
  const { a, ifA } = vethPair();
  a.exec('ip', ['tuntap', 'add', 'tp0', 'mode', 'tap']);
  a.exec('ethtool', ['-C', 'tp0', 'rx-frames', '9']); // set by the test on its own device; netdx only reads
  const v = views(a, ifA);
  sameSupport(v, a, ifA, 'veth');
  assert.equal(v.ioctl!.ok, false);
  const t = views(a, 'tp0');
  sameSupport(t, a, 'tp0', 'tun');
  assert.deepEqual(t.coalesce!.value, { via: 'netlink', rxFrames: 9 });
  assert.ok(sameAsEthtoolC(t.coalesce!.value as Coalesce, a.exec('ethtool', ['-c', 'tp0'])) >= 24);
  const io = t.ioctl!.value as Coalesce;
  assert.equal(io.rxFrames, 9);
  assert.ok(sameAsEthtoolC(io, a.exec('ethtool', ['-c', 'tp0']), true) >= 20);
});

test('kernel: the host\'s eth0 (read only): -c, -a, -x, -m as ethtool says', { ...kernelOpts(), skip: kernelOpts().skip ?? (existsSync('/sys/class/net/eth0') ? undefined : 'no eth0 here') }, () => {
  const v = views(undefined, 'eth0');
  const driver = parseKeyValues(sh('ethtool', ['-i', 'eth0'])).get('driver')!;
  sameSupport(v, undefined, 'eth0', driver);
  if (v.coalesce!.ok) assert.ok(sameAsEthtoolC(v.coalesce!.value as Coalesce, sh('ethtool', ['-c', 'eth0'])) >= 24);
  if (v.rss!.ok) {
    const r = v.rss!.value as { rxRings: number; hfunc: string[]; indir: number[]; key: string };
    const x = parseEthtoolX(sh('ethtool', ['-x', 'eth0']));
    assert.deepEqual([r.rxRings, r.hfunc, r.indir.length ? r.indir : null, r.key || null], [x.rings, x.hfunc, x.indir, x.key]);
  }
});

test('kernel: the CLI: -a is pause, --absolute the statistics, --netns reaches a tap, bad combinations exit 1', kernelOpts(), () => {
  const { a, ifA } = vethPair();
  a.exec('ip', ['tuntap', 'add', 'tp0', 'mode', 'tap']);
  a.exec('ethtool', ['-C', 'tp0', 'rx-frames', '5']);
  const pause = runCli(a, ['ethtool', '-a', ifA]);
  assert.equal(pause.code, 0, pause.err);
  assert.equal(pause.out, 'pause:     not supported by driver veth\n');
  const all = runCli(a, ['ethtool', '-caxm', ifA]);
  assert.deepEqual(all.out.split('\n').filter((l) => l), ['coalescing: not supported by driver veth',
    'pause:     not supported by driver veth', 'rss:       not supported by driver veth', 'module:    not supported by driver veth']);
  const abs = JSON.parse(runCli(a, ['ethtool', '--json', '--absolute', ifA]).out);
  assert.equal(abs.interval, 0);
  assert.ok(abs.stats.some((s: { name: string }) => s.name === 'peer_ifindex'));
  const json = JSON.parse(runCli(a, ['ethtool', '--json', '--show-coalesce', '--show-pause', 'tp0']).out);
  assert.deepEqual(json, { iface: 'tp0', coalesce: { via: 'netlink', rxFrames: 5 },
    pause: { unsupported: 'not supported by driver tun', errno: 95 } });
  // from the host's namespace, naming the device's: the sockets are made there
  const host = sh(process.execPath, [CLI_MAIN, 'ethtool', '--netns', a.name, '-c', 'tp0']);
  assert.match(host, /^rx +n\/a +5 /m);
  for (const args of [['-c', '-i', '2', ifA], ['-x', '--absolute', ifA], ['-a', '-Z', ifA], ['--absolute', '-i', '2', ifA], ['-c', 'nosuch0']]) {
    const r = runCli(a, ['ethtool', ...args]);
    assert.equal(r.code, 1, args.join(' '));
    assert.equal(r.err.split('\n').length, 1, r.err);
  }
  assert.equal(runCli(a, ['ethtool', '-c', 'nosuch0']).err, 'netdx: reading interface nosuch0: no such interface');
});
