// Kernel tests for tcpdrop: TCP packets dropped for known reasons between two namespaces joined
// by a veth: SYNs dropped by an nftables rule on arrival (no socket yet) and on departure (the
// connecting socket's own), and SYNs to a closed port. The oracles: the rules' counters and the
// receiving namespace's TcpOutRsts (one reset answers each SYN to a closed port).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { kernelOpts, progMisses, skipped, vethPair } from '../../testlib/kernel.js';
import { CLI_MAIN, startTracing } from '../../testlib/cli.js';
import { counterDelta, nft, nftCounters, traceNetns, workload } from '../../testlib/traffic.js';
import { FtraceEvent, unseenByBpf } from '../../testlib/ftrace.js';
import { TCPDROP } from './lib.js';

const [IN, OUT, CLOSED] = [8081, 8082, 8083];

function rules(a: Parameters<typeof nft>[0], b: Parameters<typeof nft>[0]): void {
  nft(b, `table inet netdxdr {
    chain pre { type filter hook prerouting priority -300; policy accept;
      tcp dport ${IN} counter drop comment "in"
    }
  }`);
  nft(a, `table inet netdxdr {
    chain out { type filter hook output priority 0; policy accept;
      tcp dport ${OUT} counter drop comment "out"
    }
  }`);
}

for (const via of ['raw_tp', 'tracepoint', 'tp_btf'] as const) {
  test(`drops by nftables on arrival and departure, and to a closed port: reasons, ends, owners, counts (${via})`, kernelOpts(), async (t) => {
    const { a, b } = vethPair();
    rules(a, b);
    const inB = traceNetns(TCPDROP, b, via);
    const inA = traceNetns(TCPDROP, a, via);
    assert.deepEqual([inB.probe.via, inA.probe.via], [via, via]);
    // ftrace beside them: drops in a softirq over a thread of PID 1 (a retransmitted SYN's timer),
    // which no BPF program sees (testlib/ftrace.ts)
    const ftrace = new FtraceEvent('skb/kfree_skb');
    const lost = [];
    try {
      // SYNs retransmitted until the application gives up
      const cIn = workload(a, 'connect', '--host', '198.18.0.2', '--port', String(IN), '--timeout', '2.5');
      const cOut = workload(a, 'connect', '--host', '198.18.0.2', '--port', String(OUT), '--timeout', '2.5');
      const cClosed = workload(a, 'connect', '--host', '198.18.0.2', '--port', String(CLOSED), '--count', '4');
      for (const w of [cIn, cOut, cClosed]) await w.done();
      // a last SYN may still be crossing the veth when its process exits: let it be dropped (and
      // counted by the rule) before the tool is read, so both see the same packets
      await new Promise((r) => setTimeout(r, 300));
      inB.probe.poll();
      inA.probe.poll();
      const nIn = nftCounters(b, 'netdxdr').in!;
      const nOut = nftCounters(a, 'netdxdr').out!;
      const rsts = counterDelta(b, inB.before, ['TcpOutRsts']).TcpOutRsts!;
      assert.ok(nIn >= 2 && nOut >= 2, `SYNs dropped: ${nIn} on arrival, ${nOut} on departure`);
      assert.equal(rsts, 4);
      const sport = (w: typeof cIn) => w.all('connect')[0]!.sport as number;
      const hits = ftrace.hits();
      const [blindNf, blindNs] = ['NETFILTER_DROP', 'NO_SOCKET'].map((reason) => unseenByBpf(hits, (h) => h.fields.reason === reason));
      if (blindNf + blindNs) t.diagnostic(`${blindNf + blindNs} drops where BPF does not run (ftrace: over PID 1's threads)`);
      if (skipped(t, via, progMisses())) {
        assert.ok(inB.events.length > 0 && inB.events.length <= nIn + rsts);
        return;
      }

      // on arrival: before any socket lookup
      const arrival = inB.events.filter((e) => e.reason === 'NETFILTER_DROP');
      // one event per packet the rules counted, but for those BPF cannot see
      const departure = inA.events.filter((e) => e.reason === 'NETFILTER_DROP');
      assert.ok(arrival.length <= nIn && departure.length <= nOut && arrival.length + departure.length >= nIn + nOut - blindNf,
        `${arrival.length} of ${nIn} on arrival, ${departure.length} of ${nOut} on departure, ${blindNf} where BPF does not run`);
      assert.ok(arrival.every((e) => !e.socket && e.pid === 0 && e.state === '-' && e.family === 4 && e.laddr === '198.18.0.2' &&
        e.lport === IN && e.raddr === '198.18.0.1' && e.rport === sport(cIn) && e.netns === inB.netns && /^nft_do_chain\+0x/.test(e.location)),
      JSON.stringify(arrival[0]));
      // to a closed port: the lookup found nothing
      const noSock = inB.events.filter((e) => e.reason === 'NO_SOCKET');
      assert.ok(noSock.length <= rsts && noSock.length >= rsts - blindNs, `${noSock.length} of ${rsts}, ${blindNs} where BPF does not run`);
      if (!blindNs) assert.deepEqual(noSock.map((e) => e.rport).sort(), cClosed.all('connect').map((c) => c.sport as number).sort());
      assert.ok(noSock.every((e) => e.lport === CLOSED && !e.socket && /^tcp_v4_rcv\+0x/.test(e.location)));
      assert.equal(inB.events.length, arrival.length + noSock.length, 'no other drop in the receiving namespace');
      // on departure: the connecting socket's own, in SYN_SENT, with its owner
      assert.ok(departure.every((e) => e.socket && e.pid === cOut.pid && e.comm === 'python3' && e.state === 'SYN_SENT' &&
        e.laddr === '198.18.0.1' && e.lport === sport(cOut) && e.raddr === '198.18.0.2' && e.rport === OUT && e.netns === inA.netns),
      JSON.stringify(departure[0]));
      assert.equal(inA.events.length, departure.length, 'no other drop in the sending namespace');
    } finally {
      lost.push(inB.probe.stop(), inA.probe.stop());
      ftrace.close();
    }
    assert.deepEqual(lost, [{ full: 0, refused: 0, untracked: 0 }, { full: 0, refused: 0, untracked: 0 }]);
  });
}

test('CLI: --json, -l, -p and -L filters, the table within 100 columns; bad input', kernelOpts(), async () => {
  const { a, b } = vethPair();
  rules(a, b);
  const json = await startTracing('tcpdrop', ['--json', '--netns', b.name]);
  const table = await startTracing('tcpdrop', ['--netns', b.name, '-L', String(CLOSED)]);
  const where = await startTracing('tcpdrop', ['-l', '--netns', b.name, '-L', String(CLOSED)]);
  const pid = await startTracing('tcpdrop', ['--netns', a.name, '-p', String(process.pid)]);
  const cClosed = workload(a, 'connect', '--host', '198.18.0.2', '--port', String(CLOSED), '--count', '2');
  const cIn = workload(a, 'connect', '--host', '198.18.0.2', '--port', String(IN), '--timeout', '1.5');
  const cOut = workload(a, 'connect', '--host', '198.18.0.2', '--port', String(OUT), '--timeout', '1.5');
  for (const w of [cClosed, cIn, cOut]) await w.done();
  for (const r of [json, table, where, pid]) {
    r.cp.kill('SIGINT');
    assert.equal(await r.exit, 0, r.err.join('\n'));
  }
  const objs = json.out.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(objs.length, 2 + nftCounters(b, 'netdxdr').in!);
  assert.deepEqual(Object.keys(objs[0]!), ['ts_ns', 'pid', 'comm', 'netns', 'family', 'laddr', 'lport', 'raddr', 'rport', 'state', 'reason', 'location', 'socket']);
  assert.deepEqual(table.out.slice(0, 1), ['PID     COMM            LADDR           LPORT RADDR           RPORT STATE       REASON']);
  const ports = cClosed.all('connect').map((c) => c.sport as number);
  assert.deepEqual(table.out.slice(1), ports.map((p) => `-       -               198.18.0.2       ${CLOSED} 198.18.0.1      ${String(p).padStart(5)} -           NO_SOCKET`));
  // -l: the place after the reason (a row longer than 100 columns goes on in a line of its own)
  assert.equal(where.out.join('\n').match(/ NO_SOCKET tcp_v4_rcv\+0x[0-9a-f]+$/gm)?.length, 2, where.out.join('\n'));
  assert.deepEqual(pid.out.slice(1), [], '-p: not this process');
  assert.ok([...table.out, ...where.out].every((l) => l.length <= 100));
  for (const args of [['--bogus'], ['-D', 'x'], ['--netns', 'netdx-no-such-namespace'], ['-p', '0']]) {
    const r = spawnSync(process.execPath, [CLI_MAIN, 'tcpdrop', ...args], { encoding: 'utf8' });
    assert.equal(r.status, 1, `${args.join(' ')} exits 1 (${r.stderr.trim()})`);
    assert.match(r.stderr, /^netdx: [^\n]+\n$/, `${args.join(' ')}: one line`);
  }
});
