// Kernel tests for superping: ICMP and ICMPv6 echoes between two namespaces the test makes (a veth
// pair), sent by Python pingers that time each echo themselves, traced in the pinger's namespace
// only. The kernel's round trip (request handed to the device -> reply delivered) lies inside the
// pinger's own (before sendto() -> after recv()), so each must be at most the application's.
// netem is not compiled into this project's kernels: the 20 ms delay comes from a responder in the
// other namespace that answers the echoes itself, 20 ms late (the kernel's echo replies off there).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createInterface } from 'node:readline';
import { kernelOpts, progMisses, skipped, vethPair, PYTHON, type Netns } from '../../testlib/kernel.js';
import { assertBadInput, startTracing } from '../../testlib/cli.js';
import { traceNetns } from '../../testlib/traffic.js';
import { SUPERPING, type PingDest, type PingEvent } from './lib.js';

/** What a pinger reports for one destination: its echo id, and its own RTT of each seq 1..N, µs. */
interface Pinged { dst: string; id: number; rtt_us: number[] }

const CSUM = String.raw`
import socket, struct, sys, time
def csum(b):
    b += b'\0' * (len(b) % 2)
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
`;

/**
 * Python: N echoes to each destination in turn (argv: N, then destinations), one at a time, 50 ms
 * apart, over ping sockets (SOCK_DGRAM, IPPROTO_ICMP/ICMPV6: the kernel sets the id), or with
 * 'raw:' before an IPv4 address a raw socket with id 0x4e44 (as iputils ping as root).
 */
const PINGER = CSUM + String.raw`
import json
n, out = int(sys.argv[1]), []
for dst in sys.argv[2:]:
    raw = dst.startswith('raw:'); dst = dst[4:] if raw else dst
    v6 = ':' in dst
    fam, proto, typ = (socket.AF_INET6, socket.IPPROTO_ICMPV6, 128) if v6 else (socket.AF_INET, socket.IPPROTO_ICMP, 8)
    s = socket.socket(fam, socket.SOCK_RAW if raw else socket.SOCK_DGRAM, proto)
    s.settimeout(5)
    ident, rtts = 0x4e44 if raw else 0, []
    for seq in range(1, n + 1):
        pkt = struct.pack('!BBHHH', typ, 0, 0, ident, seq) + b'netdx superping' * 3
        if raw:
            pkt = pkt[:2] + struct.pack('!H', csum(pkt)) + pkt[4:]
        t0 = time.monotonic_ns()
        s.sendto(pkt, (dst, 0))
        while True:
            r = s.recv(2048)
            if raw:
                r = r[(r[0] & 15) * 4:]
            if r[0] in (0, 129) and struct.unpack('!H', r[6:8])[0] == seq:
                break
        rtts.append((time.monotonic_ns() - t0) / 1000)
        time.sleep(0.05)
    out.append(dict(dst=dst, id=ident if raw else s.getsockname()[1], rtt_us=rtts))
print(json.dumps(out))
`;

/** Python: answers echo requests (IPv4 and IPv6) itself, argv[1] ms late; prints a line once ready. */
const LATE_RESPONDER = CSUM + String.raw`
import select
delay = int(sys.argv[1]) / 1000
r4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
r6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
print('ready', flush=True)
while True:
    for s in select.select([r4, r6], [], [])[0]:
        data, peer = s.recvfrom(4096)
        if s is r4:
            icmp = data[(data[0] & 15) * 4:]
            if icmp[0] != 8:
                continue
            rep = b'\0\0\0\0' + icmp[4:]
            rep = rep[:2] + struct.pack('!H', csum(rep)) + rep[4:]
        else:
            if data[0] != 128:
                continue
            rep = bytes([129, 0, 0, 0]) + data[4:]  # the kernel fills an ICMPv6 checksum
        time.sleep(delay)
        s.sendto(rep, (peer[0], 0))
`;

function allowPingSockets(ns: Netns): void {
  ns.exec('sysctl', ['-qw', 'net.ipv4.ping_group_range=0 2147483647']);
}

function ping(ns: Netns, n: number, dsts: readonly string[]): Pinged[] {
  return JSON.parse(ns.exec(PYTHON, ['-c', PINGER, String(n), ...dsts])) as Pinged[];
}

/** The responder in `ns`, answering `ms` late, the kernel's own echo replies turned off there. */
async function lateResponder(ns: Netns, ms: number): Promise<void> {
  ns.exec('sysctl', ['-qw', 'net.ipv4.icmp_echo_ignore_all=1', 'net.ipv6.icmp.echo_ignore_all=1']);
  const cp = ns.spawn(PYTHON, ['-c', LATE_RESPONDER, String(ms)]);
  const lines = createInterface({ input: cp.stdout! })[Symbol.asyncIterator]();
  assert.equal((await lines.next()).value, 'ready');
}

/** Each destination's events are exactly its echoes 1..N, each kernel RTT within [min_us, the pinger's]. */
function assertEchoes(events: readonly PingEvent[], pinged: readonly Pinged[], min_us: number, exact = true): void {
  for (const p of pinged) {
    const mine = events.filter((e) => e.daddr === p.dst && e.id === p.id);
    const seqs = p.rtt_us.map((_, i) => i + 1);
    if (exact) assert.deepEqual(mine.map((e) => e.seq), seqs, `${p.dst}: every echo, in order`);
    else assert.ok(mine.every((e) => seqs.includes(e.seq)), `${p.dst}: echoes of the pinger only`);
    for (const e of mine) {
      const user = p.rtt_us[e.seq - 1]!;
      assert.ok(e.rtt_us >= min_us && e.rtt_us <= user, `${p.dst} seq ${e.seq}: kernel ${e.rtt_us} µs, at least ${min_us}, at most the pinger's ${user}`);
    }
  }
}

const VIAS = ['tp_btf', 'raw_tp', 'tracepoint'] as const;

for (const via of VIAS) {
  test(`${via}: each echo over veth (IPv4, IPv6, a raw-socket pinger) and loopback, timed inside the pinger's time`, kernelOpts(), (t: TestContext) => {
    const { a } = vethPair();
    allowPingSockets(a);
    const N = 6;
    const { events, probe, netns } = traceNetns(SUPERPING, a, via);
    try {
      assert.equal(probe.via, via);
      const pinged = ping(a, N, ['198.18.0.2', 'fd00::2', 'raw:198.18.0.2', '127.0.0.1']);
      probe.poll();
      const exact = !skipped(t, via, progMisses());
      assertEchoes(events, pinged, 1, exact);
      if (exact) assert.equal(events.length, 4 * N, 'nothing else was timed in the namespace');
      assert.equal(pinged[2]!.id, 0x4e44);
      const at = (d: string) => events.filter((e) => e.daddr === d)[0]!;
      assert.deepEqual([at('198.18.0.2'), at('fd00::2'), at('127.0.0.1')].map((e) => [e.family, e.laddr, e.dev, e.ttl, e.netns]),
        [[4, '198.18.0.1', 'vx0', 64, netns], [6, 'fd00::1', 'vx0', 64, netns], [4, '127.0.0.1', 'lo', 64, netns]]);
    } finally {
      assert.deepEqual(probe.stop(), { full: 0, refused: 0, untracked: 0 });
    }
  });
}

test('iputils ping -U: exactly N echoes per family, sequence numbers 1..N, each within ping\'s own RTT', kernelOpts(), () => {
  const { a } = vethPair();
  const N = 5;
  const { events, probe } = traceNetns(SUPERPING, a);
  try {
    for (const [flag, dst] of [['-4', '198.18.0.2'], ['-6', 'fd00::2']] as const) {
      // -U: user-to-user times (before sending to after receiving, as the pinger sees them), which
      // hold the kernel's; without it ping ends its time at the packet's receive timestamp
      const out = a.exec('/usr/bin/ping', [flag, '-U', '-n', '-c', String(N), '-i', '0.2', dst]);
      const shown = [...out.matchAll(/icmp_seq=(\d+) ttl=\d+ time=([\d.]+) ms/g)].map((m) => ({ seq: Number(m[1]), ms: Number(m[2]) }));
      const seqs = Array.from({ length: N }, (_, i) => i + 1);
      assert.deepEqual(shown.map((x) => x.seq), seqs, out);
      probe.poll();
      const mine = events.filter((e) => e.daddr === dst);
      assert.deepEqual(mine.map((e) => e.seq), seqs, `${dst}: every echo of ping, in order`);
      assert.equal(new Set(mine.map((e) => e.id)).size, 1, 'one pinger');
      for (const e of mine) {
        const p = shown[e.seq - 1]!.ms;
        // ping prints µs below 1 ms (its clock in µs), then 2, 1 and 0 decimals: one unit of that
        const unit = p < 1 ? 0.001 : p < 10 ? 0.01 : p < 100 ? 0.1 : 1;
        assert.ok(e.rtt_us > 0 && e.rtt_us / 1000 <= p + unit, `${dst} seq ${e.seq}: kernel ${e.rtt_us} µs, ping ${p} ms`);
      }
    }
    assert.equal(events.length, 2 * N, 'nothing else was timed in the namespace');
  } finally {
    assert.deepEqual(probe.stop(), { full: 0, refused: 0, untracked: 0 });
  }
});

test('CLI: a 20 ms late responder: every RTT at least 20 ms, per reply (--json) and per destination (-H --json); bad input', kernelOpts(), async () => {
  const { a, b } = vethPair();
  allowPingSockets(a);
  await lateResponder(b, 20);
  const N = 5;
  const each = await startTracing('superping', ['--json', '--netns', a.name]);
  const hist = await startTracing('superping', ['-H', '--json', '--netns', a.name]);
  const pinged = ping(a, N, ['198.18.0.2', 'fd00::2']);
  each.cp.kill('SIGINT');
  hist.cp.kill('SIGINT');
  assert.equal(await each.exit, 0);
  assert.equal(await hist.exit, 0);
  const events = each.out.map((l) => JSON.parse(l) as PingEvent);
  assertEchoes(events, pinged, 20_000);
  assert.equal(events.length, 2 * N);
  const reports = hist.out.map((l) => JSON.parse(l) as { dests: PingDest[] });
  assert.equal(reports.length, 1, 'one report, at the end');
  const dests = reports[0]!.dests;
  assert.deepEqual(dests.map((d) => [d.daddr, d.count, d.hist.buckets.reduce((s, x) => s + x.count, 0)]),
    [['198.18.0.2', N, N], ['fd00::2', N, N]]);
  for (const d of dests) {
    const user = pinged.find((p) => p.dst === d.daddr)!.rtt_us;
    assert.ok(d.min_us >= 20_000 && d.min_us <= d.avg_us && d.avg_us <= d.max_us && d.max_us <= Math.max(...user), JSON.stringify(d));
    // 20 ms in µs falls in the log2 bucket 16384..32767
    assert.ok(d.hist.buckets.filter((x) => x.count).every((x) => x.low >= 16384), JSON.stringify(d.hist));
  }
  assertBadInput(a, 'superping', [['-4', '-6'], ['--netns', 'no-such-ns-here'], ['-i', '1'], ['-H', '-i', '0'], ['-d', '0'], ['-p', '1'], ['--bogus']]);
});
