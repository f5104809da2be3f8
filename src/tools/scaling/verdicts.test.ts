// The scaling verdict engine (and REUSEPORT grouping, which feeds it) on constructed data, and
// the text view of its findings: no root, no machine state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FINDING_LAYERS, SEVERITIES, type Finding } from '../../core/finding.js';
import { scalingVerdicts } from './verdicts.js';
import { groupReuseport } from './reuseport.js';
import type { GlobalSteering, InterfaceScaling } from './interfaces.js';
import type { CpuRates } from './rates.js';

const GLOBAL: GlobalSteering = {
  rps_sock_flow_entries: 0, flow_limit_cpus: [], flow_limit_table_len: 4096, netdev_budget: 300,
  netdev_budget_usecs: 8000, netdev_max_backlog: 1000, dev_weight: 64,
};

function cpu(n: number, over: Partial<CpuRates> = {}): CpuRates {
  return {
    cpu: n, net_rx: 0, net_tx: 0, processed: 0, dropped: 0, time_squeeze: 0, received_rps: 0,
    flow_limit_count: 0, backlog: 0, nic_irqs: 0, softirq_pct: 0, irq_pct: 0, busy_pct: 5, ...over,
  };
}

/** A 4-queue NIC whose queue IRQs all land on CPU 0, RPS off. */
function nic4(): InterfaceScaling {
  return {
    name: 'eth0', device: '0000:03:00.0', driver: 'ixgbe', rx_queues: 4, tx_queues: 4, irq_channels: 4,
    rx: [0, 1, 2, 3].map((i) => ({ index: i, rps_cpus: [], rps_mask: '0', rps_flow_cnt: 0, irqs: [40 + i] })),
    tx: [0, 1, 2, 3].map((i) => ({ index: i, xps_cpus: [], irqs: [40 + i] })),
    irqs: [0, 1, 2, 3].map((i) => ({
      irq: 40 + i, name: `eth0-TxRx-${i}`, chip: 'IR-PCI-MSI', kind: 'combined' as const, index: i,
      affinity: [0], effective: [0], rate: 2500,
    })),
    rx_pps: 100000, tx_pps: 50000,
  };
}

test('verdicts: imbalanced — one CPU takes the NIC IRQs and NET_RX while three idle', () => {
  const cpus = [
    cpu(0, { net_rx: 9000, nic_irqs: 10000, processed: 100000, softirq_pct: 85, busy_pct: 99 }),
    cpu(1, { net_rx: 300, busy_pct: 10 }), cpu(2, { net_rx: 200, busy_pct: 8 }), cpu(3, { net_rx: 100, busy_pct: 3 }),
  ];
  const v = scalingVerdicts({ interval_s: 1, cpus, interfaces: [nic4()], global: GLOBAL });
  assert.deepEqual(v.map((x) => x.id), ['softirq.imbalance']);
  const r = v[0]!;
  assert.equal(r.severity, 'warning');
  assert.equal(r.layer, 'cpu');
  assert.match(r.title, /^CPU0 does most/);
  assert.deepEqual(r.culprit, { cpu: 0, ifname: 'eth0' });
  assert.deepEqual(r.evidence, {
    cpu: 0, net_rx_share: 0.938, net_rx_per_s: 9000, net_rx_total_per_s: 9600,
    nic_irq_share: 1, nic_irqs_per_s: 10000, nic_irqs_total_per_s: 10000, softirq_pct: 85, busy_pct: 99, idle_cpus: 3,
  });
  assert.match(r.why, /RSS .* RPS\/RFS .* NAPI poll/);
  assert.ok(r.proof.includes('CPU0 ran 94% of NET_RX softirqs (9000/s of 9600/s)'), r.proof.join('\n'));
  assert.ok(r.proof.includes('CPU0 took 100% of NIC queue IRQs (10000/s of 10000/s)'));
  assert.ok(r.proof.some((e) => e.startsWith('idle enough to help: CPU1 (10% busy), CPU2 (8% busy), CPU3 (3% busy)')));
  // IRQs spread round robin, RPS to the other CPUs, RFS on; no 'ethtool -L': 4 queues for 4 CPUs.
  assert.deepEqual(r.fix, [
    'echo 0 > /proc/irq/40/smp_affinity_list   # eth0 eth0-TxRx-0',
    'echo 1 > /proc/irq/41/smp_affinity_list   # eth0 eth0-TxRx-1',
    'echo 2 > /proc/irq/42/smp_affinity_list   # eth0 eth0-TxRx-2',
    'echo 3 > /proc/irq/43/smp_affinity_list   # eth0 eth0-TxRx-3',
    'echo e > /sys/class/net/eth0/queues/rx-0/rps_cpus',
    'echo e > /sys/class/net/eth0/queues/rx-1/rps_cpus',
    'echo e > /sys/class/net/eth0/queues/rx-2/rps_cpus',
    'echo e > /sys/class/net/eth0/queues/rx-3/rps_cpus',
    'sysctl -w net.core.rps_sock_flow_entries=32768   # RFS: steer to the consuming CPU',
    'echo 8192 > /sys/class/net/eth0/queues/rx-0/rps_flow_cnt',
    'echo 8192 > /sys/class/net/eth0/queues/rx-1/rps_flow_cnt',
    'echo 8192 > /sys/class/net/eth0/queues/rx-2/rps_flow_cnt',
    'echo 8192 > /sys/class/net/eth0/queues/rx-3/rps_flow_cnt',
  ]);
});

test('verdicts: single-queue NIC on a 4-CPU host gets RPS and more queues, not IRQ moves', () => {
  const i = nic4();
  i.rx_queues = 1; i.tx_queues = 1; i.irq_channels = 1;
  i.rx = i.rx.slice(0, 1); i.tx = i.tx.slice(0, 1); i.irqs = i.irqs.slice(0, 1);
  const cpus = [cpu(0, { net_rx: 50 }), cpu(1, { net_rx: 5000, nic_irqs: 4000, busy_pct: 90, softirq_pct: 60 }), cpu(2), cpu(3)];
  i.irqs[0]!.effective = [1];
  const v = scalingVerdicts({ interval_s: 1, cpus, interfaces: [i], global: { ...GLOBAL, rps_sock_flow_entries: 4096 } });
  assert.deepEqual(v.map((x) => x.id), ['softirq.imbalance']);
  assert.deepEqual(v[0]!.fix, [
    "ethtool -L eth0 combined 4   # more RSS queues, if 'ethtool -l eth0' allows",
    'echo d > /sys/class/net/eth0/queues/rx-0/rps_cpus',
  ]);
});

test('verdicts: balanced work, or too little of it, gives no verdict; no idle CPU gives a notice', () => {
  const balanced = [0, 1, 2, 3].map((n) => cpu(n, { net_rx: 2400 + n * 100, nic_irqs: 2500, processed: 25000, busy_pct: 40 }));
  const i = nic4();
  i.irqs.forEach((q, k) => { q.affinity = [k]; q.effective = [k]; });
  assert.deepEqual(scalingVerdicts({ interval_s: 1, cpus: balanced, interfaces: [i], global: GLOBAL }), []);
  // 100% on one CPU, but 40 softirqs/s is below what can be judged.
  const quiet = [cpu(0, { net_rx: 40, nic_irqs: 30 }), cpu(1), cpu(2), cpu(3)];
  assert.deepEqual(scalingVerdicts({ interval_s: 1, cpus: quiet, interfaces: [nic4()], global: GLOBAL }), []);
  // Concentrated, but every other CPU is busy too: a notice without fixes (moving work adds nothing).
  const busy = [cpu(0, { net_rx: 9000, busy_pct: 100, softirq_pct: 70 }), cpu(1, { busy_pct: 95 }), cpu(2, { busy_pct: 97 }), cpu(3, { busy_pct: 90 })];
  const vb = scalingVerdicts({ interval_s: 1, cpus: busy, interfaces: [nic4()], global: GLOBAL });
  assert.deepEqual(vb.map((x) => [x.id, x.severity, x.fix.length]), [['softirq.imbalance', 'notice', 0]]);
  assert.equal(vb[0]!.proof[1], 'no CPU under 50% busy: CPU1 95%, CPU2 97%, CPU3 90%');
  assert.deepEqual(vb[0]!.evidence, { cpu: 0, net_rx_share: 1, net_rx_per_s: 9000, net_rx_total_per_s: 9000, other_cpus_min_busy_pct: 90 });
  assert.deepEqual(vb[0]!.culprit, { cpu: 0 });
  // All of it on one CPU, but the work does not matter there: 200 softirqs/s on a CPU 3.9% busy.
  const light = [cpu(0, { net_rx: 200, busy_pct: 3.9, softirq_pct: 1.2 }), cpu(1), cpu(2), cpu(3)];
  assert.deepEqual(scalingVerdicts({ interval_s: 1, cpus: light, interfaces: [nic4()], global: GLOBAL }), []);
  // Exactly at the share threshold (70%) is not above it.
  const edge = [cpu(0, { net_rx: 700 }), cpu(1, { net_rx: 300 })];
  assert.deepEqual(scalingVerdicts({ interval_s: 1, cpus: edge, interfaces: [], global: GLOBAL }), []);
});

test('verdicts: time_squeeze, backlog drops and flow limit name their sysctls', () => {
  const cpus = [cpu(0, { time_squeeze: 12, processed: 90000, dropped: 3, backlog: 1000, flow_limit_count: 7 }), cpu(1)];
  const v = scalingVerdicts({ interval_s: 2, cpus, interfaces: [], global: GLOBAL });
  assert.deepEqual(v.map((x) => x.id), ['softnet.squeeze', 'softnet.backlog_drops', 'softnet.flow_limit']);
  assert.deepEqual(v[0]!.fix, ['sysctl -w net.core.netdev_budget=600', 'sysctl -w net.core.netdev_budget_usecs=16000']);
  assert.deepEqual(v[0]!.proof, ['CPU0: 12.0 squeezes/s, 90000 packets/s processed', 'net.core.netdev_budget=300, netdev_budget_usecs=8000']);
  assert.deepEqual(v[0]!.evidence, { time_squeeze_per_s: 12, processed_per_s: 90000, cpus: 1, netdev_budget: 300, netdev_budget_usecs: 8000 });
  assert.deepEqual(v[0]!.culprit, { cpu: 0, setting: 'net.core.netdev_budget' });
  assert.deepEqual(v[1]!.fix, ['sysctl -w net.core.netdev_max_backlog=2000']);
  assert.equal(v[1]!.proof[0], 'CPU0: 3.0 drops/s (6 in 2s), backlog 1000');
  assert.deepEqual(v[1]!.evidence, { dropped_per_s: 3, dropped: 6, interval_s: 2, cpus: 1, netdev_max_backlog: 1000 });
  assert.equal(v[2]!.severity, 'notice');
  assert.deepEqual(v[2]!.evidence, { flow_limited_per_s: 7, cpus: 1, flow_limit_table_len: 4096 });
  assert.deepEqual(v.map((x) => x.layer), ['cpu', 'cpu', 'cpu']);
  // several CPUs: the evidence adds them up and the culprit names no CPU
  const two = scalingVerdicts({ interval_s: 1, cpus: [cpu(0, { time_squeeze: 1.5 }), cpu(1, { time_squeeze: 0.2 })], interfaces: [], global: {} });
  assert.deepEqual([two[0]!.evidence, two[0]!.culprit], [{ time_squeeze_per_s: 1.7, processed_per_s: 0, cpus: 2 }, { setting: 'net.core.netdev_budget' }]);
  // squeezes alone are not drops: a notice; with drops on the same CPU (above), a warning
  assert.deepEqual([two[0]!.severity, v[0]!.severity], ['notice', 'warning']);
});

test('verdicts: RFS half set up, both ways', () => {
  const i = nic4();
  i.irqs.forEach((q, k) => { q.effective = [k]; });
  i.rx[0]!.rps_cpus = [1, 2];
  const a = scalingVerdicts({ interval_s: 1, cpus: [cpu(0), cpu(1)], interfaces: [i], global: { ...GLOBAL, rps_sock_flow_entries: 32768 } });
  assert.deepEqual(a.map((x) => x.id), ['config.rfs_half']);
  assert.equal(a[0]!.fix[0], 'echo 8192 > /sys/class/net/eth0/queues/rx-0/rps_flow_cnt');
  assert.deepEqual([a[0]!.layer, a[0]!.culprit?.ifname, a[0]!.evidence], ['config', 'eth0', { rps_sock_flow_entries: 32768, rx_queues: 4, rx_queues_with_flow_cnt: 0 }]);
  i.rx[2]!.rps_flow_cnt = 2048;
  const b = scalingVerdicts({ interval_s: 1, cpus: [cpu(0), cpu(1)], interfaces: [i], global: GLOBAL });
  assert.deepEqual(b.map((x) => x.fix), [['sysctl -w net.core.rps_sock_flow_entries=32768']]);
  assert.deepEqual(b[0]!.culprit, { ifname: 'eth0', setting: 'net.core.rps_sock_flow_entries' });
});

test('REUSEPORT: groups of 2+ listeners per address:port, imbalance and full queues', () => {
  const l = (inode: number, lport: number, recv_q: number, send_q = 128, laddr = '0.0.0.0') =>
    ({ family: 4 as const, laddr, lport, recv_q, send_q, inode, uid: 0 });
  const groups = groupReuseport([l(3, 80, 9), l(1, 80, 1), l(2, 80, 0), l(4, 22, 0), l(5, 80, 0, 128, '127.0.0.1')],
    new Map([[1, { pid: 10, comm: 'w1' }]]));
  assert.equal(groups.length, 1);
  assert.deepEqual(groups[0]!.members.map((m) => [m.inode, m.recv_q, m.pid]), [[1, 1, 10], [2, 0, undefined], [3, 9, undefined]]);
  const v = scalingVerdicts({ interval_s: 1, cpus: [cpu(0), cpu(1)], interfaces: [], global: GLOBAL, reuseport: groups });
  assert.deepEqual(v.map((x) => [x.id, x.severity]), [['reuseport.imbalance', 'notice']]);
  assert.deepEqual(v[0]!.proof, ['pid 10 (w1): 1/128 waiting/limit', 'inode 2: 0/128 waiting/limit', 'inode 3: 9/128 waiting/limit']);
  // the culprit is the member holding most (inode 3, owner unknown)
  assert.deepEqual([v[0]!.layer, v[0]!.culprit], ['socket', { proto: 'tcp', family: 4, laddr: '0.0.0.0', lport: 80 }]);
  assert.deepEqual(v[0]!.evidence, { members: 3, waiting: 10, full_queues: 0, inode: 3, member_waiting: 9, member_limit: 128, member_share: 0.9 });
  const full = groupReuseport([l(1, 80, 5, 5), l(2, 80, 4, 5)], new Map([[1, { pid: 20, comm: 'w2' }]]));
  const vf = scalingVerdicts({ interval_s: 1, cpus: [], interfaces: [], global: GLOBAL, reuseport: full })[0]!;
  assert.equal(vf.severity, 'warning');
  assert.deepEqual(vf.culprit, { proto: 'tcp', family: 4, laddr: '0.0.0.0', lport: 80, pid: 20, comm: 'w2' });
  const even = groupReuseport([l(1, 80, 3), l(2, 80, 3), l(3, 80, 2)]);
  assert.deepEqual(scalingVerdicts({ interval_s: 1, cpus: [], interfaces: [], global: GLOBAL, reuseport: even }), []);
});

test('text view: a 16-queue imbalanced report fits 100 columns and keeps fix commands whole', async () => {
  const { renderScaling } = await import('./cli.js');
  const n = 16;
  const i: InterfaceScaling = {
    name: 'enp3s0f0np0', device: '0000:03:00.0', driver: 'mlx5_core', rx_queues: n, tx_queues: n, irq_channels: n,
    rx: Array.from({ length: n }, (_, k) => ({ index: k, rps_cpus: [], rps_mask: '0000', rps_flow_cnt: 0, irqs: [100 + k] })),
    tx: Array.from({ length: n }, (_, k) => ({ index: k, xps_cpus: [k], xps_mask: formatMask(k), irqs: [100 + k] })),
    irqs: Array.from({ length: n }, (_, k) => ({
      irq: 100 + k, name: `mlx5_comp${k}@pci:0000:03:00.0`, chip: 'IR-PCI-MSI', kind: 'combined' as const, index: k,
      affinity: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15], effective: [0], rate: 900,
    })),
    rx_pps: 1.2e6, tx_pps: 3e5,
  };
  const cpus = Array.from({ length: n }, (_, k) => cpu(k, k === 0 ? { net_rx: 14000, nic_irqs: 14400, busy_pct: 100, softirq_pct: 92 } : { net_rx: 20 }));
  const findings = scalingVerdicts({ interval_s: 1, cpus, interfaces: [i], global: GLOBAL });
  const text = renderScaling({
    interval_s: 1, cpus: cpus.map((c) => c.cpu), interfaces: [i], global: GLOBAL, per_cpu: cpus,
    reuseport: groupReuseport([
      { family: 6, laddr: 'fd00:1234:5678:9abc:def0:1234:5678:9abc', lport: 443, recv_q: 100, send_q: 4096, inode: 1, uid: 33 },
      { family: 6, laddr: 'fd00:1234:5678:9abc:def0:1234:5678:9abc', lport: 443, recv_q: 0, send_q: 4096, inode: 2, uid: 33 },
    ]),
    findings, notes: [],
  });
  for (const line of text.split('\n')) assert.ok(line.length <= 100, `over 100 columns: ${line}`);
  assert.match(text, /^! CPU0 does most of the network receive work/m);
  assert.match(text, /^ {4}fix: echo 15 > \/proc\/irq\/115\/smp_affinity_list {3}# enp3s0f0np0 mlx5_comp15@pci:0000:03:00\.0$/m);
  assert.match(text, /^ {4}fix: echo fffe > \/sys\/class\/net\/enp3s0f0np0\/queues\/rx-15\/rps_cpus$/m);
  assert.match(text, /^ {2}rx-0 +100 mlx5_comp0@pci:0000:03:00.0 +0-15 +0 +900 rps off +0$/m);
});

function formatMask(k: number): string { return (1 << k).toString(16); }

test('every finding is a whole Finding: known severity and layer, evidence of numbers and strings, why, fix', () => {
  const i = nic4();
  i.rx[2]!.rps_flow_cnt = 2048;
  const l = (inode: number, recv_q: number) => ({ family: 6 as const, laddr: '::', lport: 443, recv_q, send_q: 8, inode, uid: 0 });
  const all: Finding[] = scalingVerdicts({
    interval_s: 1, interfaces: [i], global: GLOBAL, reuseport: groupReuseport([l(1, 8), l(2, 0)]),
    cpus: [cpu(0, { net_rx: 9000, nic_irqs: 9000, time_squeeze: 1, dropped: 1, flow_limit_count: 1 }), cpu(1), cpu(2), cpu(3)],
  });
  assert.deepEqual(all.map((f) => f.id), ['softirq.imbalance', 'softnet.squeeze', 'softnet.backlog_drops', 'softnet.flow_limit',
    'config.rfs_half', 'reuseport.imbalance']);
  for (const f of all) {
    assert.deepEqual(Object.keys(f), ['id', 'severity', 'layer', 'title', 'culprit', 'evidence', 'proof', 'why', 'fix'], f.id);
    assert.ok(SEVERITIES.includes(f.severity) && f.severity !== 'critical', f.id);
    assert.ok(FINDING_LAYERS.some((x) => x.id === f.layer), f.id);
    assert.ok(Object.keys(f.evidence).length > 0, f.id);
    for (const [k, v] of Object.entries(f.evidence)) assert.ok(typeof v === 'string' || Number.isFinite(v), `${f.id} ${k}`);
    assert.ok(f.proof.length > 0 && f.why.length > 20 && f.fix.length > 0, f.id);
  }
});
