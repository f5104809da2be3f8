// Parser tests on sock_diag replies captured from a namespace with known sockets (see
// test/fixtures/sockets/README.md); ss's view of the same sockets is the oracle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseMessages } from './netlink.js';
import {
  SOCK_DIAG_BY_FAMILY, buildInetDiagReq, decodeTcpInfo, parseInetDiagMsg, parseUnixDiagMsg,
  stateMask, type InetSocket, type Proto, type UnixSocket,
} from './sockdiag.js';
import { parseProcNetRaw } from '../proc/netraw.js';
import { parseSockstat } from '../proc/sockstat.js';
import { NetdxError } from '../errors.js';
import { kernelOpts, Netns, nodeEval, REPO_ROOT } from '../../testlib/kernel.js';

const FIX = fileURLToPath(new URL('../../../test/fixtures/sockets/', import.meta.url));
const bin = (n: string) => readFileSync(FIX + n);
const text = (n: string) => readFileSync(FIX + n, 'utf8');

function inet(name: string, proto: Proto): InetSocket[] {
  return parseMessages(bin(name)).filter((m) => m.type === SOCK_DIAG_BY_FAMILY).map((m) => parseInetDiagMsg(m.body, proto));
}
const tcp = [...inet('tcp4.bin', 'tcp'), ...inet('tcp6.bin', 'tcp')];
const udp = [...inet('udp4.bin', 'udp'), ...inet('udp6.bin', 'udp')];
const unix: UnixSocket[] = parseMessages(bin('unix.bin')).map((m) => parseUnixDiagMsg(m.body));

interface SsRow { netid: string; state: string; rq: number; sq: number; local: string; peer: string; rest: string }
/** ss -tuwxanimeH: a record is a line at column 0 plus the tab-indented lines under it. */
function ssRows(): SsRow[] {
  const rows: SsRow[] = [];
  for (const line of text('ss-oracle.txt').split('\n')) {
    if (line.startsWith('\t')) { rows[rows.length - 1]!.rest += ' ' + line.trim(); continue; }
    const f = line.trim().split(/\s+/);
    if (f.length < 6) continue;
    if (f[0]!.startsWith('u_')) {
      rows.push({ netid: f[0]!, state: f[1]!, rq: +f[2]!, sq: +f[3]!, local: `${f[4]} ${f[5]}`, peer: `${f[6]} ${f[7]}`, rest: f.slice(8).join(' ') });
    } else {
      rows.push({ netid: f[0]!, state: f[1]!, rq: +f[2]!, sq: +f[3]!, local: f[4]!, peer: f[5]!, rest: f.slice(6).join(' ') });
    }
  }
  return rows;
}
const ep = (a: string, p: number, fam: 4 | 6) => `${fam === 6 ? `[${a}]` : a}:${p === 0 ? '*' : p}`;
const num = (rest: string, key: string) => { const m = new RegExp(`(?:^|[ (,])${key}(\\d+)`).exec(rest); return m ? Number(m[1]) : undefined; };

test('inet_diag request is struct inet_diag_req_v2 with the raw protocol in the pad byte', () => {
  const r = buildInetDiagReq(6, 'raw', 1 << 7, true);
  assert.equal(r.length, 56);
  assert.deepEqual([r[0], r[1], r[3]], [10, 255, 255]);
  assert.equal(r.readUInt32LE(4), 1 << 7);
  assert.equal(buildInetDiagReq(4, 'tcp', 2, false)[3], 0);
});

test('every TCP and UDP socket ss saw is decoded with the same state, queues and inode', () => {
  const rows = ssRows().filter((r) => r.netid === 'tcp' || r.netid === 'udp');
  const all = [...tcp, ...udp];
  assert.equal(all.length, rows.length);
  for (const r of rows) {
    const s = all.find((x) => x.proto === r.netid && ep(x.laddr, x.lport, x.family) === r.local
      && ep(x.raddr, x.rport, x.family) === r.peer);
    assert.ok(s, `no socket for ${r.netid} ${r.local} ${r.peer}`);
    assert.equal(s.state, r.state, r.local);
    assert.equal(s.recv_q, r.rq, `${r.local} recv_q`);
    assert.equal(s.send_q, r.sq, `${r.local} send_q`);
    assert.equal(s.inode, num(r.rest, 'ino:'));
    for (const [k, key] of [['rmem_alloc', 'r'], ['rcvbuf', 'rb'], ['wmem_alloc', 't'], ['sndbuf', 'tb'], ['fwd_alloc', 'f'], ['drops', 'd']] as const) {
      assert.equal(s.mem?.[k], num(r.rest, key), `${r.local} ${k}`);
    }
    if (s.proto === 'tcp' && s.state !== 'LISTEN') {
      assert.equal(s.tcp_info?.snd_mss, num(r.rest, 'mss:'), `${r.local} mss`);
      assert.equal(s.tcp_info?.snd_cwnd, num(r.rest, 'cwnd:'), `${r.local} cwnd`);
      assert.equal(s.tcp_info?.rcv_space, num(r.rest, 'rcv_space:'), `${r.local} rcv_space`);
      assert.equal(s.cong, /\b(\w+) wscale/.exec(r.rest)?.[1]); // ss prints the algorithm before wscale
    }
  }
});

test('listeners report accept queue and backlog; known buffers and shutdowns come through', () => {
  const l4 = tcp.find((s) => s.lport === 5000 && s.state === 'LISTEN')!;
  assert.deepEqual([l4.family, l4.laddr, l4.recv_q, l4.send_q], [4, '127.0.0.1', 3, 7]);
  assert.equal(tcp.filter((s) => s.rport === 5000 && s.state === 'ESTAB').length, 3);
  const l6 = tcp.find((s) => s.lport === 5001 && s.state === 'LISTEN')!;
  assert.deepEqual([l6.family, l6.laddr, l6.recv_q, l6.send_q, l6.v6only], [6, '::1', 0, 4, true]);
  const server = tcp.find((s) => s.lport === 5001 && s.state === 'CLOSE-WAIT')!;
  assert.equal(server.mem?.rcvbuf, 131072); // SO_RCVBUF 65536, doubled by the kernel
  assert.equal(server.recv_q, 1001); // 1000 bytes + the FIN
  assert.equal(server.tcp_info?.bytes_received, 1001);
  const client = tcp.find((s) => s.rport === 5001)!;
  assert.equal(client.state, 'FIN-WAIT-2');
  assert.equal(client.shutdown, 2); // SHUT_WR
  assert.equal(client.tcp_info?.bytes_sent, 1000);
  assert.equal(client.tcp_info?.bytes_acked, 1002); // counts SYN and FIN
  const u4 = udp.find((s) => s.lport === 5002)!;
  assert.deepEqual([u4.state, u4.raddr, u4.rport], ['UNCONN', '0.0.0.0', 0]);
  assert.ok(u4.recv_q > 200 && u4.mem!.rmem_alloc === u4.recv_q); // 2 datagrams with their overhead
  const u6 = udp.find((s) => s.lport === 5003)!;
  assert.deepEqual([u6.state, u6.raddr, u6.rport, u6.mem?.sndbuf], ['ESTAB', '::1', 5004, 65536]);
  assert.equal(u6.tcp_info, undefined);
});

test('tcp_info decodes only the fields that fit in a shorter (older kernel) reply', () => {
  const full = tcp.find((s) => s.rport === 5001)!;
  const m = parseMessages(bin('tcp6.bin')).map((x) => x.body).find((b) => parseInetDiagMsg(b, 'tcp').rport === 5001)!;
  // locate INFO in the message and cut it at 144 bytes (Linux 4.1's struct ends at segs_in)
  let off = 72;
  while (m.readUInt16LE(off + 2) !== 2) off += (m.readUInt16LE(off) + 3) & ~3;
  const short = decodeTcpInfo(m, off + 4, 144);
  assert.equal(short.segs_in, full.tcp_info!.segs_in);
  assert.equal(short.bytes_acked, full.tcp_info!.bytes_acked);
  assert.equal('notsent_bytes' in short, false);
  const infoLen = m.readUInt16LE(off) - 4;
  assert.equal('accecn_opt_seen' in full.tcp_info!, infoLen >= 280);
  assert.equal('total_rto_time' in full.tcp_info!, infoLen >= 248);
});

test('unix sockets: listener queues, pending connections, abstract names, peers', () => {
  const rows = ssRows().filter((r) => r.netid.startsWith('u_'));
  assert.equal(unix.length, rows.length);
  for (const r of rows) {
    const s = unix.find((x) => `${x.path || '*'} ${x.inode}` === r.local)!;
    assert.ok(s, r.local);
    assert.deepEqual([s.type, s.state, s.recv_q, s.send_q], [r.netid, r.state, r.rq, r.sq]);
    assert.equal(`* ${s.peer}`, r.peer);
  }
  const l = unix.find((s) => s.path === '/tmp/netdx-fixture.sock')!;
  assert.deepEqual([l.state, l.recv_q, l.send_q, l.pending?.length], ['LISTEN', 2, 5, 2]);
  assert.equal(unix.find((s) => s.path === '@netdx-fixture')?.type, 'u_dgr');
});

test('raw sockets from /proc/net/raw{,6} (kernels without raw_diag)', () => {
  const r4 = parseProcNetRaw(text('proc-net-raw.txt'), 4);
  const r6 = parseProcNetRaw(text('proc-net-raw6.txt'), 6);
  assert.deepEqual(r4.map((s) => [s.laddr, s.protocol, s.state]), [['127.0.0.1', 1, 'UNCONN']]);
  assert.deepEqual(r6.map((s) => [s.laddr, s.protocol, s.state]), [['::1', 58, 'UNCONN']]);
  assert.ok(r4[0]!.inode > 0);
});

test('sockstat text to counts', () => {
  const s = { ...parseSockstat(text('proc-net-sockstat.txt')), ...parseSockstat(text('proc-net-sockstat6.txt')) };
  assert.equal(s.TCP?.inuse, 7); // v4: the listener, 3 clients, 3 server sides
  assert.equal(s.TCP6?.inuse, 3);
  assert.equal(s.RAW?.inuse, 1);
  assert.equal(s.UDP6?.inuse, 1);
  assert.equal(typeof s.sockets?.used, 'number');
  assert.deepEqual(parseSockstat('FRAG: inuse 0 memory 0\n'), { FRAG: { inuse: 0, memory: 0 } });
});

test('state names to a bitmask', () => {
  assert.equal(stateMask(['established', 'LISTEN']), (1 << 1) | (1 << 10));
  assert.equal(stateMask(['close']), 1 << 7);
  assert.equal(stateMask(['time-wait', 'syn-recv']), (1 << 6) | (1 << 3));
  assert.equal(stateMask(['nonsense']), undefined);
});

test('a dump whose callback throws leaves the shared socket usable: the next dumps are whole', kernelOpts(), () => {
  // 300 listeners with tcp_info make a reply of several 32 KiB chunks, so the interrupted dump
  // still has messages in flight when its callback throws.
  const ns = new Netns('netdxnl');
  const out = nodeEval(`
    import net from 'node:net';
    import { forEachInetDiagMsg, dumpInetSockets } from '${REPO_ROOT}dist/core/netlink/sockdiag.js';
    const servers = [];
    for (let i = 0; i < 300; i++) servers.push(await new Promise((r) => { const s = net.createServer().listen(0, '127.0.0.1', () => r(s)); }));
    const LISTEN = 1 << 10;
    let seen = 0;
    try {
      forEachInetDiagMsg({ protocol: 'tcp', states: LISTEN, info: true }, () => { if (++seen === 5) throw new Error('stop here'); });
    } catch (e) { console.log('interrupted:', e.message, seen); }
    for (const round of [1, 2, 3]) {
      try { console.log('dump', round, dumpInetSockets({ protocol: 'tcp', states: LISTEN, info: true }).length); }
      catch (e) { console.log('dump', round, 'failed:', e.message); }
    }
    console.log('v4 only', dumpInetSockets({ protocol: 'tcp', family: 4, states: LISTEN }).length);
    for (const s of servers) s.close();`, ns);
  assert.deepEqual(out.trim().split('\n'), ['interrupted: stop here 5', 'dump 1 300', 'dump 2 300', 'dump 3 300', 'v4 only 300']);
});

test('decoders throw coded errors on short messages', () => {
  for (const f of [() => parseInetDiagMsg(Buffer.alloc(10), 'tcp'), () => parseUnixDiagMsg(Buffer.alloc(8))]) {
    assert.throws(f, (e: unknown) => e instanceof NetdxError && e.code === 'E_NETLINK' && /^decoding (inet|unix)_diag_msg: /.test(e.message));
  }
});

test('unix socket paths keep their bytes: UTF-8 as UTF-8, other bytes and control characters escaped', async () => {
  const { pathText } = await import('./sockdiag.js');
  const t = (b: Buffer) => pathText(b, 0, b.length);
  assert.equal(t(Buffer.from('/run/café/é.sock')), '/run/café/é.sock');
  assert.equal(t(Buffer.from([0x2f, 0x74, 0xff, 0x41])), '/t\\xffA');
  assert.equal(t(Buffer.from('/tmp/a\nb')), '/tmp/a\\x0ab');
  assert.equal(t(Buffer.from('back\\slash')), 'back\\x5cslash', 'a backslash is escaped too, so escapes are not ambiguous');
});
