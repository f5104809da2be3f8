// scaling against the real kernel: an RPS mask set inside a netns, NET_RX work from traffic
// across a veth, a SO_REUSEPORT group with known accept-queue depths; and bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { getEventListeners } from 'node:events';
import { sampleScaling } from './lib.js';
import { kernelOpts, vethPair, Netns, PYTHON } from '../../testlib/kernel.js';
import { parseCpuList, formatCpuMask } from '../../core/proc/cpus.js';

const MAIN = fileURLToPath(new URL('../../netdx.cjs', import.meta.url));
const LIB = new URL('./lib.js', import.meta.url).href;

interface JsonReport {
  interfaces: Array<{ name: string; rx: Array<{ index: number; rps_cpus: number[]; rps_mask: string; rps_flow_cnt: number }> }>;
  reuseport: Array<{ laddr: string; lport: number; members: Array<{ inode: number; recv_q: number; send_q: number; pid?: number; comm?: string }> }>;
  findings: Array<{ id: string; layer: string; evidence: Record<string, number | string> }>;
}

function runJson(ns: Netns, args: string[]): JsonReport {
  return JSON.parse(ns.exec(process.execPath, [MAIN, 'scaling', ...args, '--json'])) as JsonReport;
}

/** Reads lines from a child until one satisfies `pick`, or fails after ms. */
function waitLine(cp: ReturnType<Netns['spawn']>, pick: (l: string) => boolean, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: cp.stdout! });
    let err = '';
    cp.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    const t = setTimeout(() => { rl.close(); reject(new Error(`child gave no answer in ${ms} ms: ${err}`)); }, ms);
    rl.on('line', (l) => { if (pick(l)) { clearTimeout(t); rl.close(); resolve(l); } });
    cp.on('exit', (code) => { clearTimeout(t); reject(new Error(`child exited ${code}: ${err}`)); });
  });
}

test('kernel: the rps_cpus mask and rps_flow_cnt set on a veth rx queue in a netns are reported', kernelOpts(), () => {
  const { b } = vethPair();
  const online = parseCpuList(readFileSync('/sys/devices/system/cpu/online', 'utf8'));
  // One CPU (the last online): the kernel keeps exactly what is written.
  const want = [online[online.length - 1]!];
  const mask = formatCpuMask(want);
  b.exec('sh', ['-c', `echo ${mask} > /sys/class/net/vx1/queues/rx-0/rps_cpus && echo 256 > /sys/class/net/vx1/queues/rx-0/rps_flow_cnt`]);
  const r = runJson(b, ['vx1', '-i', '0.05']);
  assert.deepEqual(r.interfaces.map((i) => i.name), ['vx1']);
  const q = r.interfaces[0]!.rx[0]!;
  assert.deepEqual(q.rps_cpus, want);
  assert.equal(parseInt(q.rps_mask.replace(/,/g, ''), 16), parseInt(mask.replace(/,/g, ''), 16));
  assert.equal(q.rps_flow_cnt, 256);
  assert.ok(Array.isArray(r.findings), 'findings[] in the JSON');
  // The text view shows the mask too, and ends with the findings section.
  const text = b.exec(process.execPath, [MAIN, 'scaling', 'vx1', '-i', '0.05']);
  assert.match(text, new RegExp(`rx-0 .*rps ${want[0]} +256`));
  assert.match(text, /^Findings$/m);
  for (const line of text.split('\n')) assert.ok(line.length <= 100, `line over 100 columns: ${line}`);
});

test('kernel: UDP across a veth is counted as NET_RX softirqs, softnet packets and interface packets', kernelOpts(), async () => {
  const { a, b } = vethPair();
  const N = 1000;
  // The receiver samples before and after; it runs in b so that /sys shows vx1.
  const receiver = b.spawn(process.execPath, ['--input-type=module', '-e', `
    import dgram from 'node:dgram';
    import { takeSnapshot, computeCpuRates } from ${JSON.stringify(LIB)};
    const s = dgram.createSocket('udp4');
    let got = 0, a0;
    const sum = (snap, f) => snap.reduce((x, r) => x + f(r), 0);
    const finish = () => {
      const b0 = takeSnapshot(['vx1']);
      const secs = (b0.t_ms - a0.t_ms) / 1000;
      const rates = computeCpuRates(a0, b0, new Set());
      const net = (sn) => sn.softirqs.counts.NET_RX.reduce((x, y) => x + y, 0);
      console.log(JSON.stringify({
        got, net_rx: net(b0) - net(a0),
        processed: sum(b0.softnet, (r) => r.processed) - sum(a0.softnet, (r) => r.processed),
        rx_packets: b0.packets.get('vx1').rx - a0.packets.get('vx1').rx,
        rate_net_rx: rates.reduce((x, r) => x + r.net_rx, 0) * secs,
        rate_processed: rates.reduce((x, r) => x + r.processed, 0) * secs,
      }));
      process.exit(0);
    };
    s.on('message', () => { if (++got === ${N}) finish(); });
    s.bind(47400, '198.18.0.2', () => { a0 = takeSnapshot(['vx1']); console.log('ready'); });
    setTimeout(finish, 15000);
  `]);
  try {
    await waitLine(receiver, (l) => l === 'ready', 20000);
    const result = waitLine(receiver, (l) => l.startsWith('{'), 30000);
    // Paced (20 per ms) so that the receiving socket's buffer does not overflow.
    a.exec(process.execPath, ['--input-type=module', '-e', `
      import dgram from 'node:dgram';
      const s = dgram.createSocket('udp4');
      const msg = Buffer.alloc(64, 1);
      for (let i = 0; i < ${N}; i += 20) {
        await Promise.all(Array.from({ length: 20 }, () => new Promise((r) => s.send(msg, 47400, '198.18.0.2', r))));
        await new Promise((r) => setTimeout(r, 1));
      }
      s.close();
    `]);
    const r = JSON.parse(await result) as Record<string, number>;
    assert.equal(r.got, N);
    // vx1 saw every datagram (plus at most an ARP exchange and neighbour traffic).
    assert.ok(r.rx_packets! >= N && r.rx_packets! <= N + 10, `rx_packets ${r.rx_packets}`);
    assert.ok(r.net_rx! >= 1, `NET_RX softirqs ${r.net_rx}`);
    // Every packet goes through __netif_receive_skb_core, which counts it in softnet processed.
    assert.ok(r.processed! >= N, `softnet processed ${r.processed}`);
    // The per-CPU rates add back up to the raw deltas (rates are rounded to 0.1/s).
    assert.ok(Math.abs(r.rate_net_rx! - r.net_rx!) <= 1, `${r.rate_net_rx} vs ${r.net_rx}`);
    assert.ok(Math.abs(r.rate_processed! - r.processed!) <= 1, `${r.rate_processed} vs ${r.processed}`);
  } finally {
    receiver.kill('SIGKILL');
  }
});

// Three SO_REUSEPORT listeners with backlogs 5, 6, 7. The kernel hashes each connection onto
// one member, so the child steers to depths 2, 0, 1: it connects, sees which accept queue grew
// (TCP_INFO on a listener: tcpi_unacked = queue length, an oracle independent of sock_diag)
// and accepts-and-closes any surplus.
const REUSEPORT_CHILD = `
import socket, struct, json, sys, time, os
port = int(sys.argv[1]); backlogs = [5, 6, 7]; targets = [2, 0, 1]
ls = []
for b in backlogs:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.bind(('127.0.0.1', port)); s.listen(b); ls.append(s)
def depth(s): return struct.unpack_from('I', s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104), 24)[0]
def depths(): return [depth(s) for s in ls]
clients = []
for attempt in range(300):
    d = depths()
    if d == targets: break
    clients.append(socket.create_connection(('127.0.0.1', port)))
    end = time.time() + 2
    while sum(depths()) <= sum(d) and time.time() < end: time.sleep(0.001)
    for i, x in enumerate(depths()):
        if x > targets[i]:
            c, _ = ls[i].accept(); c.close()
print(json.dumps({'inodes': [os.fstat(s.fileno()).st_ino for s in ls], 'backlogs': backlogs, 'depths': depths()}), flush=True)
sys.stdin.read()
`;

test('kernel: a SO_REUSEPORT group of 3 listeners shows its members, queue depths and limits', kernelOpts(), async () => {
  const ns = new Netns('netdxrp');
  const port = 47411;
  const child = ns.spawn(PYTHON, ['-c', REUSEPORT_CHILD, String(port)]);
  try {
    const made = JSON.parse(await waitLine(child, (l) => l.startsWith('{'), 30000)) as { inodes: number[]; backlogs: number[]; depths: number[] };
    assert.deepEqual(made.depths, [2, 0, 1], 'the child could not steer the queues');
    const r = runJson(ns, ['lo', '-i', '0.05']);
    const groups = r.reuseport.filter((g) => g.lport === port);
    assert.equal(groups.length, 1);
    const g = groups[0]!;
    assert.equal(g.laddr, '127.0.0.1');
    assert.equal(g.members.length, 3);
    const byInode = new Map(g.members.map((m) => [m.inode, m]));
    made.inodes.forEach((inode, k) => {
      const m = byInode.get(inode);
      assert.ok(m, `listener inode ${inode} missing`);
      assert.equal(m.send_q, made.backlogs[k]);
      assert.equal(m.recv_q, made.depths[k]);
      assert.equal(m.pid, child.pid);
      assert.equal(m.comm, 'python3');
    });
    assert.equal(g.members.reduce((s, m) => s + m.recv_q, 0), 3);
  } finally {
    child.kill('SIGKILL');
  }
});

test('sampling again and again on one signal leaves no abort listener behind', async () => {
  // 15 samples on one signal: a listener left per sleep would pass Node's limit of 10 and warn
  const ac = new AbortController();
  for (let i = 0; i < 15; i++) await sampleScaling({ interval_s: 0.001, signal: ac.signal, listeners: () => [] });
  assert.equal(getEventListeners(ac.signal, 'abort').length, 0);
});

test('a NIC bound to a kernel-bypass driver is a note (here none is: a list given in its place)', async () => {
  const nic = { address: '0000:03:00.1', driver: 'uio_pci_generic', class: '0x020000', vendor: '0x8086', device: '0x1583' };
  const r = await sampleScaling({ interval_s: 0.01, listeners: () => [], bypass: () => [nic] });
  assert.ok(r.notes.includes('NIC 0000:03:00.1 is bound to uio_pci_generic: its traffic bypasses the kernel; netdx cannot see it'), r.notes.join(' | '));
  const none = await sampleScaling({ interval_s: 0.01, listeners: () => [], bypass: () => [] });
  assert.ok(!none.notes.some((n) => n.includes('bypasses the kernel')));
});

test('bad input: unknown interface and bad interval give one line and exit 1', () => {
  for (const args of [['scaling', 'no-such-if0'], ['scaling', '-i', '0'], ['scaling', '-i', 'x'], ['scaling', '--bogus']]) {
    const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^netdx: (reading interface|parsing)/);
  }
});

test('kernel: another namespace\'s devices and their queues, by --netns and under nsenter, as ip netns exec shows them; a name given twice is one', kernelOpts(), () => {
  const { a } = vethPair();
  // RPS on CPU 0 and a flow count on vx0's receive queue, set where /sys is the namespace's
  a.exec('sh', ['-c', 'echo 1 > /sys/class/net/vx0/queues/rx-0/rps_cpus; echo 128 > /sys/class/net/vx0/queues/rx-0/rps_flow_cnt']);
  type J = { interfaces: Array<{ name: string; rx: Array<{ rps_cpus?: number[]; rps_flow_cnt?: number }> }>; notes: string[] };
  const queues = (j: J) => j.interfaces.map((i) => ({ name: i.name, rx: i.rx.map((q) => [q.rps_cpus, q.rps_flow_cnt]) }));
  // the oracle: under ip netns exec, /sys is the namespace's own
  const own = JSON.parse(a.exec(process.execPath, [MAIN, 'scaling', '--json', '-i', '0.1'])) as J;
  assert.deepEqual(queues(own).find((i) => i.name === 'vx0'), { name: 'vx0', rx: [[[0], 128]] });
  const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' });
  for (const r of [
    run(process.execPath, [MAIN, 'scaling', '--json', '-i', '0.1', '--netns', a.name]),
    run('nsenter', [`--net=/run/netns/${a.name}`, process.execPath, MAIN, 'scaling', '--json', '-i', '0.1']),
  ]) {
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout) as J;
    assert.deepEqual(queues(j), queues(own), 'the namespace\'s devices and queues, from a sysfs made there');
    assert.ok(!j.notes.some((n) => /\/sys/.test(n)), j.notes.join(' | '));
  }
  const twice = JSON.parse(a.exec(process.execPath, [MAIN, 'scaling', '--json', '-i', '0.1', 'vx0', 'vx0'])) as J;
  assert.deepEqual(twice.interfaces.map((i) => i.name), ['vx0']);
});
