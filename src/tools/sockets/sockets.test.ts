// Kernel tests: known sockets in a namespace this test creates (the fixture builder, see
// test/fixtures/sockets/README.md), netdx's answer checked exactly and against ss run in the
// same namespace. Bad input is checked without root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Netns, kernelOpts, PYTHON } from '../../testlib/kernel.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = ROOT + 'dist/netdx.cjs';

interface J { [k: string]: any }
const ndjson = (s: string): J[] => s.split('\n').filter(Boolean).map((l) => JSON.parse(l) as J);
const ep = (a: string, p: number, fam: number) => `${fam === 6 ? `[${a}]` : a}:${p === 0 ? '*' : p}`;

test('bad input: one line on stderr, exit 1', () => {
  for (const args of [['--bogus'], ['--port', '0'], ['--port', 'x'], ['--state', 'nosuch'], ['--addr', '1.2.3'], ['-4', '-6'],
    ['--sort', 'nosuchfield'], ['-x', '-4'], ['-x', '--port', '80'], ['-N', 'no-such-ns-netdx'], ['--pid', '999999999']]) {
    const r = spawnSync(process.execPath, [MAIN, 'sockets', ...args], { encoding: 'utf8' });
    assert.equal(r.status, 1, args.join(' '));
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^netdx: (parsing|finding) /);
  }
});

test('sockets in a namespace: queues, backlogs, buffers, owners, filters; agrees with ss', kernelOpts(), async () => {
  const ns = new Netns('netdxsk');
  const holder = ns.spawn(PYTHON, [ROOT + 'test/fixtures/sockets/fixture-sockets.py']);
  const [ready] = await once(createInterface({ input: holder.stdout! }), 'line') as [string];
  const pid = Number(ready.split(' ')[1]);
  assert.ok(pid > 0, ready);
  await new Promise((r) => setTimeout(r, 200)); // let the last ACKs land
  const netdx = (...args: string[]) => ns.exec(process.execPath, [MAIN, 'sockets', ...args]);

  const all = ndjson(netdx('-tuxa', '-p', '-i', '--json'));
  const find = (f: (s: J) => boolean) => { const s = all.filter(f); assert.equal(s.length, 1); return s[0]!; };
  // listen(7) with 3 unaccepted connections
  const l4 = find((s) => s.proto === 'tcp' && s.lport === 5000 && s.state === 'LISTEN');
  assert.deepEqual([l4.laddr, l4.recv_q, l4.send_q, l4.pid, l4.comm], ['127.0.0.1', 3, 7, pid, 'python3']);
  const l6 = find((s) => s.proto === 'tcp' && s.lport === 5001 && s.state === 'LISTEN');
  assert.deepEqual([l6.family, l6.laddr, l6.recv_q, l6.send_q], [6, '::1', 0, 4]);
  // 1000 unread bytes + FIN on the server side, whose SO_RCVBUF 65536 the kernel doubles
  const srv = find((s) => s.proto === 'tcp' && s.lport === 5001 && s.rport !== 0);
  assert.deepEqual([srv.state, srv.recv_q, srv.mem.rcvbuf, srv.tcp_info.bytes_received], ['CLOSE-WAIT', 1001, 131072, 1001]);
  const cli = find((s) => s.proto === 'tcp' && s.rport === 5001);
  assert.deepEqual([cli.state, cli.shutdown, cli.tcp_info.bytes_sent, cli.tcp_info.bytes_acked], ['FIN-WAIT-2', 2, 1000, 1002]);
  const u4 = find((s) => s.proto === 'udp' && s.lport === 5002);
  assert.equal(u4.state, 'UNCONN');
  assert.equal(u4.recv_q, u4.mem.rmem_alloc);
  assert.ok(u4.recv_q >= 200, `two 100-byte datagrams queued: ${u4.recv_q}`);
  const u6 = find((s) => s.proto === 'udp' && s.lport === 5003);
  assert.deepEqual([u6.state, u6.raddr, u6.rport, u6.mem.sndbuf], ['ESTAB', '::1', 5004, 65536]);
  const ul = find((s) => s.proto === 'unix' && s.path === '/tmp/netdx-fixture.sock');
  assert.deepEqual([ul.type, ul.state, ul.recv_q, ul.send_q, ul.pid], ['u_str', 'LISTEN', 2, 5, pid]);
  find((s) => s.proto === 'unix' && s.path === '@netdx-fixture' && s.type === 'u_dgr');
  // raw sockets (sock_diag or /proc/net/raw)
  const raw = ndjson(netdx('-w', '-a', '--json'));
  assert.deepEqual(raw.map((s) => `${s.laddr}/${s.protocol}`).sort(), ['127.0.0.1/1', '::1/58']);

  // the same TCP sockets and states as ss -tanH
  const ssRows = ns.exec('ss', ['-tanH']).trim().split('\n').map((l) => l.trim().split(/\s+/))
    .map((f) => `${f[0]} ${f[1]} ${f[2]} ${f[3]} ${f[4]}`).sort();
  const ours = all.filter((s) => s.proto === 'tcp').map((s) => `${s.state} ${s.recv_q} ${s.send_q} ${ep(s.laddr, s.lport, s.family)} ${ep(s.raddr, s.rport, s.family)}`).sort();
  assert.deepEqual(ours, ssRows);

  // tcp_info agrees with ss -tinH: cwnd and mss equal, rtt close
  const info = ndjson(netdx('-t', '-i', '--json'));
  const ssi = ns.exec('ss', ['-tinH']).split('\n');
  let checked = 0;
  for (let i = 0; i < ssi.length - 1; i++) {
    const f = ssi[i]!.trim().split(/\s+/);
    if (!f[0] || ssi[i]!.startsWith('\t')) continue;
    const detail = ssi[i + 1]!;
    const s = info.find((x) => ep(x.laddr, x.lport, x.family) === f[3] && ep(x.raddr, x.rport, x.family) === f[4]);
    assert.ok(s, `netdx lacks ${f[3]} ${f[4]}`);
    assert.equal(`cwnd:${s.tcp_info.snd_cwnd}`, /cwnd:\d+/.exec(detail)?.[0]);
    assert.equal(`mss:${s.tcp_info.snd_mss}`, /\bmss:\d+/.exec(detail)?.[0]);
    const rtt = Number(/\brtt:([\d.]+)/.exec(detail)?.[1]);
    assert.ok(Math.abs(s.tcp_info.rtt / 1000 - rtt) < 1, `rtt ${s.tcp_info.rtt}us vs ss ${rtt}ms`);
    checked++;
  }
  assert.equal(checked, info.length);
  assert.equal(checked, 8); // 3+3 on port 5000, 1+1 on port 5001

  // filters
  const p5000 = ndjson(netdx('-ta', '--port', '5000', '--json'));
  assert.equal(p5000.length, 7);
  assert.ok(p5000.every((s) => s.lport === 5000 || s.rport === 5000));
  const listen = ndjson(netdx('-tl', '--json'));
  assert.deepEqual(listen.map((s) => s.lport).sort(), [5000, 5001]);
  const cw = ndjson(netdx('-t', '--state', 'close-wait,fin-wait-2', '--json'));
  assert.deepEqual(cw.map((s) => s.state).sort(), ['CLOSE-WAIT', 'FIN-WAIT-2']);
  assert.equal(ndjson(netdx('-ta', '--addr', '::1', '--json')).length, 3); // listener, client, server side
  const mine = ndjson(netdx('-tuxa', '--pid', String(pid), '--json'));
  assert.ok(mine.length > 10 && mine.every((s) => s.pid === pid));
  // this test's own process lives outside the namespace: followed into its own (never an empty
  // table without a word), so what comes back is its sockets, none of the namespace's
  const followed = ndjson(netdx('-tuxa', '--pid', String(process.pid), '--json'));
  assert.ok(followed.every((s) => s.pid === process.pid) && !followed.some((s) => s.lport === 5000));
  const sorted = ndjson(netdx('-ta', '--sort', 'recv_q', '--json'));
  assert.deepEqual(sorted.slice(0, 2).map((s) => s.recv_q), [1001, 3]);
  // the streamed lines (WebAssembly writer) are the lines of the object path (--sort), IPv6 included
  const byInode = (t: string) => t.split('\n').filter(Boolean).sort((a, b) => (JSON.parse(a) as J).inode - (JSON.parse(b) as J).inode);
  const streamed = byInode(netdx('-tap', '--json'));
  assert.equal(streamed.length, 10);
  assert.ok(streamed.some((l) => l.includes('"family":6')), 'an IPv6 socket among them');
  assert.deepEqual(streamed, byInode(netdx('-tap', '--sort', 'lport', '--json')));

  // the table: ss's columns, within 100 columns, listener queue and owner shown
  const table = netdx('-tlp');
  const lines = table.trimEnd().split('\n');
  assert.match(lines[0]!, /^Netid\s+State\s+Recv-Q\s+Send-Q\s+Local:Port\s+Peer:Port\s+Process$/);
  assert.ok(lines.every((l) => l.length <= 100));
  assert.match(table, new RegExp(`tcp\\s+LISTEN\\s+3\\s+7\\s+127\\.0\\.0\\.1:5000\\s+0\\.0\\.0\\.0:\\*\\s+python3\\(${pid},fd=`));
  const im = netdx('-t', '-i', '-m', '--port', '5001');
  assert.match(im, /skmem:\(r\d+,rb131072,/);
  assert.match(im, /bytes_received:1001/);

  holder.stdin!.end();
  await once(holder, 'exit');
  ns.delete();
});

test('a table longer than its width sample (5,401 sockets) streams in line and agrees with ss', kernelOpts(), async () => {
  const ns = new Netns('netdxsk');
  // 2,700 loopback connections, listed from both ends, and their listener
  const holder = ns.spawn(PYTHON, [ROOT + 'bench/sockets/holder.py', '2700', '7000']);
  ns.exec('ip', ['link', 'set', 'lo', 'up']);
  const [ready] = await once(createInterface({ input: holder.stdout! }), 'line') as [string];
  assert.equal(ready, 'READY');
  const lines = ns.exec(process.execPath, [MAIN, 'sockets', '-ta']).trimEnd().split('\n');
  assert.equal(lines.length, 1 + 5401);
  const header = lines[0]!;
  const at = header.indexOf('Local:Port');
  const rows = lines.slice(1);
  for (const [i, l] of rows.entries()) {
    assert.ok(l.length <= 100 && l[at - 1] === ' ' && l[at] !== ' ', `row ${i + 1} out of line: ${l}`);
  }
  const pairs = (ls: string[], from: number) => ls.map((l) => l.trim().split(/\s+/).slice(from, from + 2).join(' ')).sort();
  const ss = ns.exec('ss', ['-tanH']).trimEnd().split('\n');
  assert.deepEqual(pairs(rows, 4), pairs(ss, 3));
  holder.stdin!.end();
  ns.delete();
});

test('namespaces: -N NAME lists that namespace, --pid follows its process into it; ss habits (-n, --sort rtt without -i)', kernelOpts(), async () => {
  const ns = new Netns('netdxskn');
  const holder = ns.spawn(PYTHON, [ROOT + 'test/fixtures/sockets/fixture-sockets.py']);
  const [ready] = await once(createInterface({ input: holder.stdout! }), 'line') as [string];
  const pid = Number(ready.split(' ')[1]);
  await new Promise((r) => setTimeout(r, 200));
  const netdx = (...args: string[]) => spawnSync(process.execPath, [MAIN, 'sockets', ...args], { encoding: 'utf8' });
  // from outside: -N gives what inside gives
  const inside = ndjson(ns.exec(process.execPath, [MAIN, 'sockets', '-tuna', '--json'])).map((x) => `${x.proto} ${x.laddr}:${x.lport} ${x.state}`).sort();
  const outside = netdx('-tuna', '--json', '-N', ns.name);
  assert.equal(outside.status, 0, outside.stderr);
  assert.deepEqual(ndjson(outside.stdout).map((x) => `${x.proto} ${x.laddr}:${x.lport} ${x.state}`).sort(), inside);
  assert.ok(inside.some((l) => l.startsWith('tcp 127.0.0.1:5000 LISTEN')));
  // --pid of a process in another namespace: followed there, and said so
  const byPid = netdx('-tan', '--pid', String(pid), '--json');
  assert.equal(byPid.status, 0, byPid.stderr);
  assert.equal(byPid.stderr.trim(), `netdx sockets: process ${pid} lives in network namespace ${ns.name}: listing its sockets there`);
  assert.ok(ndjson(byPid.stdout).length > 0 && ndjson(byPid.stdout).every((x) => x.pid === pid));
  const wrongNs = netdx('-ta', '--pid', String(pid), '-N', '/proc/self/ns/net');
  assert.equal(wrongNs.status, 1);
  assert.match(wrongNs.stderr, /is not in network namespace/);
  // ss habits: -tanp and --sort rtt without -i (tcp_info is fetched for the sort)
  for (const args of [['-tanp'], ['-tnlp'], ['-tn', '--sort', 'rtt'], ['-tni', '--sort', 'rtt']]) {
    const r = netdx(...args, '-N', ns.name);
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  }
  const sorted = ndjson(netdx('-tn', '--sort', 'rtt', '--json', '-N', ns.name).stdout).filter((x) => x.state === 'ESTAB');
  assert.ok(sorted.length >= 2);
  holder.kill('SIGKILL');
});

test('netdx help TOOL prints that tool\'s help', () => {
  const a = spawnSync(process.execPath, [MAIN, 'help', 'sockets'], { encoding: 'utf8' });
  const b = spawnSync(process.execPath, [MAIN, 'sockets', '--help'], { encoding: 'utf8' });
  assert.equal(a.status, 0);
  assert.equal(a.stdout, b.stdout);
  const bad = spawnSync(process.execPath, [MAIN, 'help', 'nosuch'], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^netdx: running netdx help: unknown command 'nosuch'/);
});

// Live sockets for ss's habits: listeners on 127.0.0.1:8080 and [::]:9090 (dual stack), a
// keepalive connection, a mapped IPv4 connection to the dual-stack listener, an IPv6 one, a
// TIME-WAIT, and a SYN-SENT held by an nft drop (its retransmit timer runs).
const HABITS = `
import socket, sys, time
l = socket.socket(); l.bind(('127.0.0.1', 8080)); l.listen()
l6 = socket.socket(socket.AF_INET6); l6.bind(('::', 9090)); l6.listen()
c = socket.create_connection(('127.0.0.1', 8080)); c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
a, _ = l.accept(); c.send(b'x' * 1000)
d = socket.create_connection(('127.0.0.1', 9090)); b, _ = l6.accept()
e = socket.create_connection(('::1', 9090)); f, _ = l6.accept()
g = socket.create_connection(('127.0.0.1', 8080)); h, _ = l.accept(); g.close(); h.close()
s = socket.socket(); s.setblocking(False)
try: s.connect(('127.0.0.1', 7777))
except BlockingIOError: pass
print('ready', flush=True)
sys.stdin.read()
`;

test("ss habits on live sockets: filter expressions, state groups, -o, -e, -H, -O, --addr forms; each agrees with ss", kernelOpts(), async () => {
  const ns = new Netns('netdxsh');
  ns.exec('nft', ['-f', '-'], { input: 'table inet t {\n chain o {\n  type filter hook output priority 0;\n  tcp dport 7777 drop\n }\n}\n' });
  const holder = ns.spawn(PYTHON, ['-c', HABITS]);
  await once(createInterface({ input: holder.stdout! }), 'line');
  await new Promise((r) => setTimeout(r, 100));
  const netdx = (...args: string[]) => {
    const r = spawnSync(process.execPath, [MAIN, 'sockets', '-N', ns.name, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  // ss -H: State Recv-Q Send-Q Local Peer ...; compared by state and both ports
  // (ss leaves its State column out when one state is asked for)
  const ONE: Record<string, string> = { established: 'ESTAB', 'syn-sent': 'SYN-SENT' };
  const ssKeys = (words: string[]) => ns.exec('ss', ['-Htan', ...words]).trim().split('\n').filter(Boolean).map((l) => l.trim().split(/\s+/))
    .map((f) => `${f.length === 4 ? ONE[words[1]!] : f[0]} ${f.at(-2)!.replace(/.*:/, '')} ${f.at(-1)!.replace(/.*:/, '').replace('*', '0')}`).sort();
  const netdxKeys = (words: string[]) => ndjson(netdx('-tan', '--json', ...words)).map((s) => `${s.state} ${s.lport} ${s.rport}`).sort();
  const exprs = [
    ['state', 'established', '( dport = :8080 or sport = :8080 )'], ['state', 'connected'], ['state', 'synchronized'],
    ['state', 'bucket'], ['state', 'big'], ['exclude', 'listening'], ['state', 'syn-sent'],
    ['src', '127.0.0.1'], ['dst', '127.0.0.0/8'], ['src', '[::1]'], ['dst', '[::1]:9090'], ['sport', 'gt', ':9000'],
    ['dport', 'le', ':8080'], ['not', 'sport', '=', ':8080'], ['src', '127.0.0.1', 'and', 'dport', '!=', ':8080'],
  ];
  for (const words of exprs) {
    const want = ssKeys(words);
    assert.ok(want.length > 0 || words.includes('syn-sent'), `${words.join(' ')}: ss found none (the test's sockets are missing)`);
    assert.deepEqual(netdxKeys(words), want, words.join(' '));
  }
  assert.equal(ssKeys(['state', 'syn-sent']).length, 1);
  // -o: the same timers as ss -o (name and retransmit count; the time left moves between reads)
  // (the SYN's retransmit count may grow between the two reads: never below ss's, read first)
  const timers = (text: string) => [...text.matchAll(/timer:\((\w+),[^,]*,(\d+)\)/g)].map((m) => [m[1]!, Number(m[2])] as const)
    .sort((a, b) => a[0].localeCompare(b[0]));
  // the SYN's first retransmit comes ~1 s after it was sent: read once ss has seen it, so the
  // count compared is not 0 on both sides
  let ssO = timers(ns.exec('ss', ['-tano']));
  for (let i = 0; i < 40 && !ssO.some((t) => t[0] === 'on' && t[1] >= 1); i++) {
    await new Promise((r) => setTimeout(r, 100));
    ssO = timers(ns.exec('ss', ['-tano']));
  }
  const ours = timers(netdx('-tanoO'));
  assert.deepEqual(ours.map((t) => t[0]), ssO.map((t) => t[0]));
  assert.deepEqual(ssO.map((t) => t[0]), ['keepalive', 'on', 'timewait']);
  ours.forEach((t, i) => assert.ok(t[1] >= ssO[i]![1] && (t[0] === 'on' ? t[1] >= 1 : t[1] === ssO[i]![1]), `${t} vs ss ${ssO[i]}`));
  // -e: inode and cookie (sk:) as ss -e prints them
  const ext = (text: string) => [...text.matchAll(/ino:(\d+) sk:([0-9a-f]+)/g)].map((m) => `${m[1]} ${m[2]}`).sort();
  assert.deepEqual(ext(netdx('-taneO')), ext(ns.exec('ss', ['-tane'])));
  // -H: no header; -O: one line per socket, -i text on it
  const all = ndjson(netdx('-tan', '--json')).length;
  assert.equal(netdx('-tanH').trim().split('\n').length, all);
  const one = netdx('-tanOHi').trim().split('\n');
  assert.equal(one.length, all);
  assert.ok(one.filter((l) => l.includes(' ESTAB ')).every((l) => /rtt:[\d.]+\/[\d.]+ .*lastsnd:\d+/.test(l)), one.join('\n'));
  // --addr: the forms netdx prints, and an IPv4 address matches the mapped end of a dual-stack socket
  const byAddr = (a: string) => ndjson(netdx('-tan', '--json', '--addr', a)).map((s) => `${s.lport} ${s.rport}`).sort();
  const mapped = ndjson(netdx('-tan', '--json')).filter((s) => s.laddr === '::ffff:127.0.0.1');
  assert.equal(mapped.length, 1);
  assert.ok(byAddr('127.0.0.1').includes(`${mapped[0]!.lport} ${mapped[0]!.rport}`));
  assert.deepEqual(byAddr('[::1]'), byAddr('::1'));
  assert.equal(byAddr('[::1]').length, 2);
  // -i: BBR's own model where the socket runs BBR (this kernel's default here), as ss prints it
  const info = netdx('-tni', 'sport', '=', ':8080');
  if (/\bbbr\b/.test(ns.exec('cat', ['/proc/sys/net/ipv4/tcp_congestion_control']))) assert.match(info, /bbr:\(bw:\S+,mrtt:[\d.]+,pacing_gain:[\d.]+,cwnd_gain:[\d.]+\)/);
  assert.match(info, /wscale:\d+,\d+/);
  holder.kill('SIGKILL');
});
