// Kernel tests for xdp: the test attaches its own XDP program (xdp_test.bpf.c: XDP_ABORTED for
// UDP to one port, XDP_PASS otherwise) to a veth in a namespace it makes, in generic and then in
// native mode, and sends known numbers of datagrams from the peer namespace: the listing names the
// program (id, name, tag, mode; bpftool and ip as oracles) and the xdp_exception counts equal the
// datagrams sent to the aborted port, exactly; once detached, nothing is listed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelOpts, knowNeighbours, sh, vethPair, type Netns } from '../../testlib/kernel.js';
import { assertBadInput, runCli, traceDuring } from '../../testlib/cli.js';
import { workload } from '../../testlib/traffic.js';
import { attachTestXdp } from '../../testlib/xdp.js';
import { netnsInode } from '../../core/kit/filter.js';
import { resolveNetns } from '../../core/netns.js';
import { listXdp, startXdp, type XdpReport } from './lib.js';

const ABORT_PORT = 7777;

/** `n` datagrams from a to b's port (every one sent). */
async function send(a: Netns, port: number, n: number): Promise<void> {
  const d = await workload(a, 'udp-send', '--host', '198.18.0.2', '--port', String(port), '--count', String(n), '--size', '64').done();
  assert.equal(d.sent, n);
}

/** The veth pair with b's address known to a (no ARP on the way). */
function pair() {
  const p = vethPair();
  knowNeighbours(p.a, p.ifA, p.b, p.ifB, ['198.18.0.2']);
  return p;
}

test('generic then native: the program listed as attached, N XDP_ABORTED exceptions counted for its id (raw_tp and tp_btf), none listed once detached', kernelOpts(), async () => {
  const { a, b, ifB } = pair();
  const bns = resolveNetns(b.name);
  for (const [mode, n] of [['generic', 17], ['driver', 23]] as const) {
    const x = attachTestXdp(b.name, ifB, mode, ABORT_PORT);
    let raw: XdpReport | undefined, btf: XdpReport | undefined, lo: XdpReport | undefined;
    try {
      const listed = listXdp(bns);
      assert.deepEqual(listed.map((p) => [p.dev, p.mode, p.prog_id, p.name]), [[ifB, mode, x.progId, 'netdx_xdp_test']]);
      // the oracles: bpftool for the name and tag, ip for the mode and id
      const bt = JSON.parse(sh('bpftool', ['prog', 'show', 'id', String(x.progId), '-j'])) as { name: string; tag: string; type: string };
      assert.deepEqual([bt.type, bt.name, bt.tag], ['xdp', listed[0]!.name, listed[0]!.tag]);
      const ipx = (JSON.parse(sh('ip', ['-n', b.name, '-d', '-j', 'link', 'show', ifB])) as Array<{ xdp: { mode: number; prog: { id: number } } }>)[0]!.xdp;
      assert.deepEqual([ipx.mode, ipx.prog.id], [mode === 'driver' ? 1 : 2, x.progId]);

      const filter = { netns: netnsInode(b.name) };
      // raw_tp, tp_btf, and -I lo (the default way)
      const probes = [startXdp(filter, { via: 'raw_tp', netns: b.name }), startXdp(filter, { via: 'tp_btf', netns: b.name }),
        startXdp(filter, { netns: b.name, interface: 'lo' })];
      try {
        assert.deepEqual(probes.map((p) => p.via), ['raw_tp', 'tp_btf', 'raw_tp']);
        await send(a, ABORT_PORT, n);
        await send(a, ABORT_PORT + 1, 5); // XDP_PASS: no tracepoint
        [raw, btf, lo] = probes.map((p) => p.sample());
      } finally {
        for (const p of probes) p.stop();
      }
      assert.ok(raw && btf && lo);
      for (const r of [raw, btf]) {
        assert.deepEqual(r.counts.map((c) => [c.event, c.prog_id, c.action, c.dev, c.netns, c.err, c.events]),
          [['exception', x.progId, 'ABORTED', ifB, netnsInode(b.name), '', n]], `${mode}: ${JSON.stringify(r.counts)}`);
        assert.deepEqual(r.programs.map((p) => [p.dev, p.mode, p.prog_id]), [[ifB, mode, x.progId]]);
      }
      assert.deepEqual(lo.counts, [], '-I lo: none of vx1\'s events');
      assert.deepEqual(lo.programs, [], '-I lo: no program on lo');
    } finally {
      x.close();
    }
  }
  assert.deepEqual(listXdp(bns), [], 'detached: nothing listed');
  assert.deepEqual(listXdp(resolveNetns(a.name)), [], 'the peer never had one');
});

test('generic XDP redirects back out of the device: N xdp_redirect events for the program, the target its ifindex, no error', kernelOpts(), async () => {
  const { a, b, ifB } = pair();
  const ifindex = (JSON.parse(sh('ip', ['-n', b.name, '-j', 'link', 'show', ifB])) as Array<{ ifindex: number }>)[0]!.ifindex;
  const x = attachTestXdp(b.name, ifB, 'generic', ABORT_PORT, { port: ABORT_PORT + 2, ifindex });
  let r: XdpReport;
  try {
    const p = startXdp({ netns: netnsInode(b.name) }, { netns: b.name });
    try {
      await send(a, ABORT_PORT + 2, 13);
      await send(a, ABORT_PORT, 3);
      r = p.sample();
    } finally {
      p.stop();
    }
  } finally {
    x.close();
  }
  assert.deepEqual(r.counts.map((c) => [c.event, c.prog_id, c.action, c.dev, c.target, c.err, c.map_id, c.events]),
    [['redirect', x.progId, 'REDIRECT', ifB, ifindex, '', 0, 13], ['exception', x.progId, 'ABORTED', ifB, 0, '', 0, 3]], JSON.stringify(r.counts));
});

test('CLI: --list, counts per run (--json) and --events, each exact; bad input', kernelOpts(), async () => {
  const { a, b, ifB } = pair();
  const x = attachTestXdp(b.name, ifB, 'generic', ABORT_PORT);
  try {
    const list = runCli(b, ['xdp', '--list', '--json']);
    assert.equal(list.code, 0, list.err);
    assert.deepEqual(list.out.trim().split('\n').map((l) => JSON.parse(l) as { dev: string; mode: string; prog_id: number; name: string })
      .map((p) => [p.dev, p.mode, p.prog_id, p.name]), [[ifB, 'generic', x.progId, 'netdx_xdp_test']]);
    const table = runCli(b, ['xdp', '--list']).out;
    assert.match(table, new RegExp(`^IFINDEX +DEV +MODE +PROG_ID +NAME +TAG +RUNS\\n +\\d+ +${ifB} +generic +${x.progId} +netdx_xdp_test +[0-9a-f]{16} `));

    const counted = await traceDuring('xdp', ['--netns', b.name, '-d', '8', '--json'], () => send(a, ABORT_PORT, 11));
    assert.equal(counted.length, 1, counted.join('\n'));
    const r = JSON.parse(counted[0]!) as { programs: Array<{ prog_id: number }>; counts: Array<{ event: string; prog_id: number; prog: string; action: string; events: number }> };
    assert.deepEqual(r.programs.map((p) => p.prog_id), [x.progId]);
    assert.deepEqual(r.counts.map((c) => [c.event, c.prog_id, c.prog, c.action, c.events]), [['exception', x.progId, 'netdx_xdp_test', 'ABORTED', 11]]);

    const each = await traceDuring('xdp', ['--netns', b.name, '-I', ifB, '--events', '-d', '8', '--json'], () => send(a, ABORT_PORT, 7));
    const evs = each.map((l) => JSON.parse(l) as { event: string; prog_id: number; action: string; dev: string });
    assert.deepEqual(evs.map((e) => [e.event, e.prog_id, e.action, e.dev]), Array(7).fill(['exception', x.progId, 'ABORTED', ifB]));
  } finally {
    x.close();
  }
  assert.equal(runCli(b, ['xdp', '--list']).out, 'no XDP program attached\n');
  assertBadInput(b, 'xdp', [
    ['--list', '--events'], ['--list', '-i', '1'], ['--events', '-c', '2'], ['-I', 'no/such'], ['--list', '-I', 'nosuchdev0'],
    ['--netns', 'netdx-no-such-ns'], ['-i', '0'], ['-p', '1'],
  ]);
});
