// Kernel tests for sysctl: the library run inside a fresh network namespace this test creates
// (most net.* tunables are per-netns and start there from the kernel's own values). Oracle: the
// sysctl command (procps), or /proc/sys read by cat when sysctl is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { kernelOpts, Netns, nodeEval } from '../../testlib/kernel.js';
import type { TunableValue } from './lib.js';
import { TUNABLES } from './tunables.js';
import { INITIAL_NS_ONLY, procSysIsInitial } from '../../core/proc/sysctl.js';

const LIB = new URL('./lib.js', import.meta.url).href;
const NETDX = fileURLToPath(new URL('../../netdx.cjs', import.meta.url));

function hasSysctl(): boolean {
  try { execFileSync('sysctl', ['-n', 'net.core.somaxconn'], { stdio: 'ignore' }); return true; } catch { return false; }
}

function tunablesIn(ns: Netns): TunableValue[] {
  return JSON.parse(nodeEval(`import { readTunables } from ${JSON.stringify(LIB)}; process.stdout.write(JSON.stringify(readTunables()));`, ns)) as TunableValue[];
}

/** The oracle's value, whitespace collapsed; undefined when the tunable does not exist there. */
function oracle(ns: Netns, name: string, useSysctl: boolean): string | undefined {
  try {
    const raw = useSysctl ? ns.exec('sysctl', ['-n', name]) : ns.exec('cat', [`/proc/sys/${name.replace(/\./g, '/')}`]);
    return raw.trim().split(/\s+/).filter(Boolean).join(' ');
  } catch { return undefined; }
}

test('procSysIsInitial: true here, false in a fresh namespace', kernelOpts(), () => {
  assert.equal(procSysIsInitial(), true);
});

test('values in a fresh netns equal sysctl -n; those of the initial namespace only are marked so, per this kernel', kernelOpts(), () => {
  const ns = new Netns('netdxsy');
  const useSysctl = hasSysctl();
  const ts = tunablesIn(ns);
  assert.ok(ts.length > 50);
  for (const t of ts) {
    if (t.reading) continue;   // nf_conntrack_count may move between the two reads
    assert.equal(t.value ?? undefined, oracle(ns, t.name, useSysctl), t.name);
  }
  // INITIAL_NS_ONLY is this kernel's: a tunable the host has and a fresh namespace lacks is in it,
  // and one in it is missing there. Inside, where the initial namespace may not be entered (pid
  // 1's is refused in some VMs), such a tunable is labelled, not "(absent)".
  for (const t of TUNABLES) {
    const inNs = oracle(ns, t.name, false) !== undefined;
    if (existsSync(`/proc/sys/${t.name.replace(/\./g, '/')}`) && !inNs) assert.ok(INITIAL_NS_ONLY.has(t.name), `${t.name}: exists only in the initial namespace, not listed`);
    if (INITIAL_NS_ONLY.has(t.name)) assert.equal(inNs, false, `${t.name}: listed as initial-only, but a fresh namespace has it`);
  }
  assert.equal(nodeEval(`import { procSysIsInitial } from ${JSON.stringify(new URL('../../core/proc/sysctl.js', import.meta.url).href)}; process.stdout.write(String(procSysIsInitial()));`, ns), 'false');
  const mem = ts.find((t) => t.name === 'net.ipv4.tcp_mem')!;
  assert.equal(mem.scope, 'initial');
  if (mem.present) assert.equal(mem.value, oracle(ns, 'net.ipv4.tcp_mem', false) ?? readFileSync('/proc/sys/net/ipv4/tcp_mem', 'utf8').trim().split(/\s+/).join(' '));
  const table = ns.exec(process.execPath, [NETDX, 'sysctl', 'ipv4.tcp_mem']);
  assert.doesNotMatch(table, /absent/);
  assert.match(table, /^ipv4\.tcp_mem +(\(initial ns\)|\d+ \d+ \d+) \* /m);
  ns.delete();
});

// Per-netns tunables that a new netns takes from the kernel's constants (not copied from the
// host, not global): in a fresh netns every one of them must read as "default", whatever the
// host's settings, so this checks the table's defaults against the running kernel.
const FROM_KERNEL = [
  'net.core.somaxconn', 'net.ipv4.tcp_max_syn_backlog', 'net.ipv4.tcp_syncookies', 'net.ipv4.tcp_abort_on_overflow',
  'net.ipv4.tcp_syn_retries', 'net.ipv4.tcp_synack_retries', 'net.ipv4.tcp_fastopen', 'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_local_reserved_ports', 'net.ipv4.udp_rmem_min', 'net.ipv4.udp_wmem_min', 'net.ipv4.tcp_moderate_rcvbuf',
  'net.ipv4.tcp_adv_win_scale', 'net.ipv4.tcp_notsent_lowat', 'net.ipv4.tcp_limit_output_bytes', 'net.ipv4.tcp_autocorking',
  'net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_no_metrics_save', 'net.ipv4.tcp_timestamps', 'net.ipv4.tcp_sack',
  'net.ipv4.tcp_dsack', 'net.ipv4.tcp_window_scaling', 'net.ipv4.tcp_ecn', 'net.ipv4.tcp_mtu_probing', 'net.ipv4.tcp_reordering',
  'net.ipv4.tcp_recovery', 'net.ipv4.tcp_early_retrans', 'net.ipv4.tcp_frto', 'net.ipv4.tcp_min_tso_segs',
  'net.ipv4.tcp_pacing_ss_ratio', 'net.ipv4.tcp_pacing_ca_ratio', 'net.ipv4.tcp_retries2', 'net.ipv4.tcp_orphan_retries',
  'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_tw_reuse', 'net.ipv4.tcp_max_tw_buckets', 'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes', 'net.ipv4.ip_default_ttl', 'net.ipv4.ip_no_pmtu_disc',
  'net.ipv4.ipfrag_high_thresh', 'net.ipv4.icmp_ratelimit', 'net.ipv4.icmp_msgs_per_sec', 'net.unix.max_dgram_qlen',
];

test('in a fresh netns the kernel-initialised tunables all read as default', kernelOpts(), () => {
  const ns = new Netns('netdxsy');
  const byName = new Map(tunablesIn(ns).map((t) => [t.name, t]));
  for (const n of FROM_KERNEL) {
    const t = byName.get(n);
    assert.ok(t, `${n} is in the table`);
    assert.equal(t.changed, false, `${n} = ${t.value}, table defaults ${t.defaults.join(' | ')}`);
  }
  ns.delete();
});

test('a value set inside the netns is reported, and flagged as changed (lib and CLI)', kernelOpts(), () => {
  const ns = new Netns('netdxsy');
  ns.exec('sh', ['-c', 'echo 1000 > /proc/sys/net/core/somaxconn; echo 30 > /proc/sys/net/ipv4/tcp_fin_timeout']);
  const byName = new Map(tunablesIn(ns).map((t) => [t.name, t]));
  assert.deepEqual([byName.get('net.core.somaxconn')!.value, byName.get('net.core.somaxconn')!.changed], ['1000', true]);
  assert.deepEqual([byName.get('net.ipv4.tcp_fin_timeout')!.value, byName.get('net.ipv4.tcp_fin_timeout')!.changed], ['30', true]);
  const lines = ns.exec(process.execPath, [NETDX, 'sysctl', '--changed', '--json', 'net.core.somaxconn', 'ipv4.tcp_fin*', 'net.ipv4.tcp_syn*'])
    .trim().split('\n').map((l) => JSON.parse(l) as TunableValue);
  assert.deepEqual(lines.map((l) => [l.name, l.value, l.changed]), [['net.core.somaxconn', '1000', true], ['net.ipv4.tcp_fin_timeout', '30', true]]);
  const table = ns.exec(process.execPath, [NETDX, 'sysctl', 'net.core.somaxconn']);
  assert.match(table, /^core\.somaxconn +1000 +!= 4096 /m);
  ns.delete();
});

test('--netns from outside: the namespace\'s own tunables, and those of the initial namespace labelled so', kernelOpts(), () => {
  const ns = new Netns('netdxsy');
  ns.exec('sh', ['-c', 'echo 777 > /proc/sys/net/core/somaxconn']);
  const rows = spawnSync(process.execPath, [NETDX, 'sysctl', '--json', '--netns', ns.name, 'net.core.somaxconn', 'net.core.netdev_max_backlog'], { encoding: 'utf8' })
    .stdout.trim().split('\n').map((l) => JSON.parse(l) as TunableValue);
  const host = readFileSync('/proc/sys/net/core/netdev_max_backlog', 'utf8').trim();
  assert.deepEqual(rows.map((r) => [r.name, r.value, r.scope, r.present]), [
    ['net.core.somaxconn', '777', 'netns', true],
    // no such file inside a namespace: the initial one's, which applies to every namespace
    ['net.core.netdev_max_backlog', host, 'initial', true],
  ]);
  const table = spawnSync(process.execPath, [NETDX, 'sysctl', '--netns', ns.name, 'net.core.netdev_max_backlog'], { encoding: 'utf8' }).stdout;
  assert.match(table, new RegExp(`^core\\.netdev_max_backlog +${host} \\* `, 'm'));
  assert.match(table, /^\* exists in the initial network namespace only/m);
  ns.delete();
});
