// The doctor's scenario suite: each scenario builds one fault inside network namespaces it makes
// (veth pairs, 198.18.0.0/15 and fd00::/8 addresses, its own servers and clients), runs the doctor
// on it, and checks that the expected finding is reported, with the right culprit, and ranked
// first. Used by scenarios.test.ts (CI) and by `npm run scenarios` (the scorecard).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import type { Culprit, Finding } from '../../core/finding.js';
import { resolveNetns } from '../../core/netns.js';
import { Netns, sh, track, vethPair } from '../../testlib/kernel.js';
import { nft, workload, WORKLOAD, type Workload } from '../../testlib/traffic.js';
import { recordWindow } from './record.js';
import { judge, type Judgement } from './rules/index.js';
import type { DoctorWindow } from './window.js';

export interface ScenarioRun {
  /** The namespace the doctor judges. */
  netns: Netns;
  /** The finding expected first, and what its culprit must say (null: a healthy run). */
  expect: { id: string; culprit?: Partial<Culprit> } | null;
  /** Findings that may come with it without being false alarms (their own faults, or symptoms). */
  also?: readonly string[];
  /** Focus port for the doctor (--port), when the scenario has one service. */
  port?: number;
  /** Ends the scenario's traffic (namespaces go with the test). */
  stop(): Promise<void>;
}

export interface Scenario {
  name: string;
  what: string;
  start(): Promise<ScenarioRun>;
}

const HOLD = 12_000; // traffic outlives any window the suite records

async function listening(w: Workload): Promise<number> {
  return (await w.wait('listening')).port as number;
}

function killAll(...ws: Workload[]): Promise<void> {
  for (const w of ws) if (w.cp.exitCode === null) w.cp.kill('SIGKILL');
  return Promise.all(ws.map((w) => w.exited)).then(() => undefined);
}

function sysctlIn(ns: Netns, name: string, value: string | number): void {
  sh('ip', ['netns', 'exec', ns.name, 'sysctl', '-qw', `${name}=${value}`]);
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'accept-queue-overflow',
    what: 'a listener with backlog 2 that never accepts; clients keep connecting',
    async start() {
      const { a, b } = vethPair();
      const l = workload(b, 'listen', '--host', '198.18.0.2', '--backlog', '2', '--accept-after', String(HOLD), '--hold', String(HOLD));
      const port = await listening(l);
      const cs = [0, 1, 2].map(() => workload(a, 'connect', '--host', '198.18.0.2', '--port', String(port), '--count', '60', '--timeout', '0.15'));
      return { netns: b, port, expect: { id: 'tcp.accept_queue_overflow', culprit: { lport: port, pid: l.pid, comm: 'python3' } },
        also: ['config.listen_backlog_capped'], stop: () => killAll(l, ...cs) };
    },
  },
  ...(['on', 'off'] as const).map((cookies): Scenario => ({
    name: `syn-flood-cookies-${cookies}`,
    what: `a SYN flood from a raw socket (spoofed sources) at a listener with backlog 16, tcp_syncookies ${cookies === 'on' ? 1 : 0}`,
    async start() {
      const { a, b } = vethPair();
      sysctlIn(b, 'net.ipv4.tcp_syncookies', cookies === 'on' ? 1 : 0);
      // a route back for the SYN-ACKs (tcp_conn_request drops a SYN it cannot answer): they go to
      // a, which does not forward, so the half-open connections stay half-open
      sh('ip', ['-n', b.name, 'route', 'add', 'default', 'via', '198.18.0.1']);
      const l = workload(b, 'listen', '--host', '198.18.0.2', '--backlog', '16', '--read', '--hold', String(HOLD));
      const port = await listening(l);
      const f = workload(a, 'syn-flood', '--dst', '198.18.0.2', '--port', String(port), '--count', '4000', '--src-net', '198.18.7.0', '--pace-us', '500');
      return { netns: b, port, expect: { id: 'tcp.syn_backlog_overflow', culprit: { lport: port, pid: l.pid } }, stop: () => killAll(l, f) };
    },
  })),
  {
    name: 'loss-retransmits',
    what: 'a bulk TCP flow whose packets an nftables rule drops 1 in 10 at the receiver',
    async start() {
      const { a, b } = vethPair();
      const l = workload(b, 'listen', '--host', '198.18.0.2', '--read', '--hold', String(HOLD));
      const port = await listening(l);
      nft(b, `table inet netdx_loss {\n chain in {\n  type filter hook input priority 0;\n  tcp dport ${port} numgen random mod 10 == 0 counter drop comment "loss"\n }\n}\n`);
      const c = workload(a, 'connect', '--host', '198.18.0.2', '--port', String(port), '--send', '4000000000', '--hold', String(HOLD));
      return { netns: a, expect: { id: 'tcp.retransmits', culprit: { rport: port, pid: c.pid } }, also: ['tcp.reordering'], stop: () => killAll(l, c) };
    },
  },
  {
    name: 'reordering',
    what: 'a bulk TCP flow one packet in eight of which takes a slower htb class: reordered, not lost',
    async start() {
      const { a, b, ifA } = vethPair();
      // one segment per packet (no TSO/GSO), so that the IPv4 ID, which TCP steps per segment,
      // picks one packet in eight for the 30 Mbit/s class while the rest go at 200 Mbit/s: those
      // arrive packets late, past the duplicate-ACK threshold, and are retransmitted although they
      // arrive (the receiver's DSACKs say so). No queue drops; at these rates the queue's delay
      // stays under qdisc.backlog's 20 ms (at 20 Mbit/s it did not). The flow keeps a standing
      // queue at the fast class (up to ~240 KiB seen): at 100 and 15 Mbit/s that was ~20 ms in one
      // CI-like run, and qdisc.backlog came first; at 200 and 30 Mbit/s the same queue is half the
      // delay.
      sh('ip', ['netns', 'exec', a.name, 'ethtool', '-K', ifA, 'tso', 'off', 'gso', 'off']);
      sh('tc', ['-n', a.name, 'qdisc', 'add', 'dev', ifA, 'root', 'handle', '1:', 'htb', 'default', '10']);
      sh('tc', ['-n', a.name, 'class', 'add', 'dev', ifA, 'parent', '1:', 'classid', '1:10', 'htb', 'rate', '200mbit', 'quantum', '1514']);
      sh('tc', ['-n', a.name, 'class', 'add', 'dev', ifA, 'parent', '1:', 'classid', '1:20', 'htb', 'rate', '30mbit', 'quantum', '1514']);
      sh('tc', ['-n', a.name, 'filter', 'add', 'dev', ifA, 'parent', '1:', 'protocol', 'ip', 'prio', '1', 'u32',
        'match', 'u16', '0x0000', '0x0007', 'at', '4', 'flowid', '1:20']);
      const l = workload(b, 'listen', '--host', '198.18.0.2', '--read', '--hold', String(HOLD));
      const port = await listening(l);
      const c = workload(a, 'connect', '--host', '198.18.0.2', '--port', String(port), '--send', '4000000000', '--hold', String(HOLD));
      return { netns: a, expect: { id: 'tcp.reordering', culprit: { rport: port, pid: c.pid } }, stop: () => killAll(l, c) };
    },
  },
  {
    name: 'zero-window',
    what: 'a receiver that never reads (SO_RCVBUF 4 KiB) under a sender that keeps sending',
    async start() {
      const { a, b } = vethPair();
      const l = workload(b, 'listen', '--host', '198.18.0.2', '--rcvbuf', '4096', '--hold', String(HOLD));
      const port = await listening(l);
      const c = workload(a, 'connect', '--host', '198.18.0.2', '--port', String(port), '--send', '67108864', '--hold', String(HOLD));
      return { netns: b, port, expect: { id: 'tcp.zero_window', culprit: { lport: port, pid: l.pid } }, also: ['socket.rcvbuf_limited'], stop: () => killAll(l, c) };
    },
  },
  {
    name: 'sndbuf-limited',
    what: 'a sender with SO_SNDBUF 4 KiB over a path with ~200 ms RTT (its ACKs queue behind a full 2 Mbit/s tbf)',
    async start() {
      const { a, b, ifB } = vethPair();
      // a 4 KiB buffer limits a flow only where the round trip is long: the way back (b to a) goes
      // through a tbf kept full by a UDP stream, so every ACK waits ~200 ms in its queue
      sh('tc', ['-n', b.name, 'qdisc', 'add', 'dev', ifB, 'root', 'tbf', 'rate', '2mbit', 'burst', '4k', 'limit', '50k']);
      const back = workload(b, 'udp-send', '--host', '198.18.0.1', '--port', '9', '--count', '1000000', '--size', '1000', '--seconds', '10', '--pace-us', '1000');
      const l = workload(b, 'listen', '--host', '198.18.0.2', '--read', '--hold', String(HOLD));
      const port = await listening(l);
      const c = workload(a, 'connect', '--host', '198.18.0.2', '--port', String(port), '--sndbuf', '4096', '--send', '4000000000', '--hold', String(HOLD));
      return { netns: a, expect: { id: 'socket.sndbuf_limited', culprit: { rport: port, pid: c.pid } }, stop: () => killAll(back, l, c) };
    },
  },
  {
    name: 'udp-rcvbuf-drops',
    what: 'a UDP socket with a 4 KiB buffer that is not read, under 3,000 datagrams',
    async start() {
      const { a, b } = vethPair();
      const l = workload(b, 'udp-listen', '--host', '198.18.0.2', '--rcvbuf', '4096', '--read-after', String(HOLD), '--hold', String(HOLD));
      const port = await listening(l);
      const s = workload(a, 'udp-send', '--host', '198.18.0.2', '--port', String(port), '--count', '3000', '--size', '512', '--pace-us', '500');
      return { netns: b, port, expect: { id: 'udp.rcvbuf_drops', culprit: { lport: port, pid: l.pid } }, stop: () => killAll(l, s) };
    },
  },
  {
    name: 'udp6-rcvbuf-drops',
    what: 'the same over IPv6 (fd00::/8): Udp6RcvbufErrors, which host-wide peers miss',
    async start() {
      const { a, b } = vethPair();
      const l = workload(b, 'udp-listen', '--host', 'fd00::2', '--rcvbuf', '4096', '--read-after', String(HOLD), '--hold', String(HOLD));
      const port = await listening(l);
      const s = workload(a, 'udp-send', '--host', 'fd00::2', '--port', String(port), '--count', '3000', '--size', '512', '--pace-us', '500');
      return { netns: b, port, expect: { id: 'udp.rcvbuf_drops', culprit: { family: 6, laddr: 'fd00::2', lport: port, pid: l.pid } }, stop: () => killAll(l, s) };
    },
  },
  {
    name: 'qdisc-drops',
    what: 'a tbf of 1 Mbit/s with a 20 KB limit on a veth, under a UDP flood',
    async start() {
      const { a, b, ifA } = vethPair();
      sh('tc', ['-n', a.name, 'qdisc', 'add', 'dev', ifA, 'root', 'tbf', 'rate', '1mbit', 'burst', '10k', 'limit', '20k']);
      const l = workload(b, 'udp-listen', '--host', '198.18.0.2', '--hold', String(HOLD));
      const port = await listening(l);
      const s = workload(a, 'udp-send', '--host', '198.18.0.2', '--port', String(port), '--count', '200000', '--size', '1000', '--seconds', '10', '--pace-us', '200');
      return { netns: a, expect: { id: 'qdisc.drops', culprit: { ifname: ifA } }, also: ['qdisc.backlog'], stop: () => killAll(l, s) };
    },
  },
  {
    name: 'qdisc-backlog',
    what: 'a tbf of 2 Mbit/s with a 4 MB limit on a veth, filled by one TCP stream (bufferbloat: no drop)',
    async start() {
      const { a, b, ifA } = vethPair();
      // the limit is above what TCP can queue in the window, so nothing drops: the queue only grows,
      // and with it every packet's wait (TCP Small Queues caps a flow's share at tcp_limit_output_bytes)
      sh('tc', ['-n', a.name, 'qdisc', 'add', 'dev', ifA, 'root', 'tbf', 'rate', '2mbit', 'burst', '10k', 'limit', '4mb']);
      const l = workload(b, 'listen', '--host', '198.18.0.2', '--read', '--hold', String(HOLD));
      const port = await listening(l);
      const c = workload(a, 'connect', '--host', '198.18.0.2', '--port', String(port), '--send', '4000000000', '--hold', String(HOLD));
      return { netns: a, expect: { id: 'qdisc.backlog', culprit: { ifname: ifA } }, stop: () => killAll(l, c) };
    },
  },
  {
    name: 'netfilter-drops',
    what: 'an nftables rule dropping UDP to one port',
    async start() {
      const { a, b } = vethPair();
      nft(b, 'table inet netdx_fw {\n chain in {\n  type filter hook input priority 0;\n  udp dport 7777 counter drop comment "fw"\n }\n}\n');
      const s = workload(a, 'udp-send', '--host', '198.18.0.2', '--port', '7777', '--count', '3000', '--size', '200', '--pace-us', '1000');
      return { netns: b, expect: { id: 'netfilter.drops', culprit: { lport: 7777 } }, stop: () => killAll(s) };
    },
  },
  {
    name: 'refused-storm',
    what: 'a client connecting again and again to a closed port on loopback',
    async start() {
      const ns = new Netns('netdxrs');
      const c = workload(ns, 'connect', '--host', '127.0.0.1', '--port', '4444', '--count', '20000', '--timeout', '1');
      return { netns: ns, expect: { id: 'tcp.resets', culprit: { lport: 4444, pid: c.pid } }, stop: () => killAll(c) };
    },
  },
  {
    name: 'rp-filter-drops',
    what: 'strict reverse-path filtering on a veth, packets from a source it has no route back to',
    async start() {
      const { a, b, ifB } = vethPair();
      sysctlIn(b, 'net.ipv4.conf.all.rp_filter', 1);
      sysctlIn(b, `net.ipv4.conf.${ifB}.rp_filter`, 1);
      sh('ip', ['-n', a.name, 'addr', 'add', '198.18.9.1/32', 'dev', 'lo']);
      // ARP from a must come from 198.18.0.1: b's reverse-path check would refuse to answer one
      // from 198.18.9.1, and no datagram would ever leave a
      sysctlIn(a, 'net.ipv4.conf.all.arp_announce', 2);
      const s = workload(a, 'udp-send', '--bind', '198.18.9.1', '--host', '198.18.0.2', '--port', '9', '--count', '3000', '--pace-us', '1000');
      return { netns: b, expect: { id: 'ip.rp_filter_drops', culprit: { ifname: ifB } }, stop: () => killAll(s) };
    },
  },
  {
    name: 'conntrack-full',
    what: 'a namespace whose conntrack table fills: 270,000 new UDP flows (each from another source)',
    async start() {
      const { a, b } = vethPair();
      nft(b, 'table inet netdx_ct {\n chain pre {\n  type filter hook prerouting priority -150;\n  ct state new counter\n }\n}\n');
      const s = workload(a, 'udp-spray', '--dst', '198.18.0.2', '--port', '9', '--count', '270000', '--src-net', '198.19.0.0');
      return { netns: b, expect: { id: 'conntrack.table_full' }, also: ['softirq.imbalance'], stop: () => killAll(s) };
    },
  },
  {
    name: 'slow-dns',
    what: 'a resolver inside the namespace that answers after 700 ms; a client resolving names',
    async start() {
      const { a, b } = vethPair();
      const dns = workload(b, 'dns-server', '--host', '198.18.0.2', '--delay-ms', '700', '--hold', String(HOLD));
      await dns.wait('listening');
      // ip netns exec bind-mounts /etc/netns/NAME/resolv.conf over /etc/resolv.conf: the lookups
      // go to the resolver in the namespace, never to the host's
      const etc = `/etc/netns/${a.name}`;
      mkdirSync(etc, { recursive: true });
      writeFileSync(`${etc}/resolv.conf`, 'nameserver 198.18.0.2\noptions timeout:3 attempts:1\n');
      const r = workload(a, 'resolve', '--names', Array.from({ length: 8 }, (_, i) => `host${i}.netdx.test`).join(','));
      return {
        netns: a, expect: { id: 'dns.slow_lookups', culprit: { raddr: '198.18.0.2', rport: 53, pid: r.pid } },
        stop: async () => { await killAll(dns, r); rmSync(etc, { recursive: true, force: true }); },
      };
    },
  },
  {
    name: 'softirq-concentration',
    what: 'UDP at rate over a veth with one RX queue and no RPS, the sender pinned to CPU 0',
    async start() {
      const { a, b } = vethPair();
      // nobody listens on the port: b's NET_RX does the work of receiving and dropping (NO_SOCKET),
      // and no reader takes the other CPU
      const s = track(spawn('ip', ['netns', 'exec', a.name, 'taskset', '-c', '0', '/usr/bin/python3', WORKLOAD, 'udp-send', '--host', '198.18.0.2',
        '--port', '9', '--count', '5000000', '--size', '64', '--seconds', '10'], { stdio: 'ignore' }));
      return {
        netns: b, expect: { id: 'softirq.imbalance', culprit: { cpu: 0 } }, also: ['softnet.squeeze'],
        stop: async () => { if (s.exitCode === null) s.kill('SIGKILL'); await new Promise((r) => (s.exitCode !== null ? r(0) : s.on('exit', r))); },
      };
    },
  },
  {
    name: 'nic-errors',
    what: 'datagrams sent into a veth whose peer is down (the driver drops them: tx_dropped)',
    async start() {
      const { a, b, ifA, ifB } = vethPair();
      // a neighbour entry that needs no ARP, then the far end goes down
      const mac = sh('ip', ['-n', b.name, '-j', 'link', 'show', ifB]);
      sh('ip', ['-n', a.name, 'neigh', 'replace', '198.18.0.2', 'lladdr', (JSON.parse(mac) as Array<{ address: string }>)[0]!.address, 'dev', ifA, 'nud', 'permanent']);
      sh('ip', ['-n', b.name, 'link', 'set', ifB, 'down']);
      const s = workload(a, 'udp-send', '--host', '198.18.0.2', '--port', '9', '--count', '3000', '--pace-us', '1000');
      return { netns: a, expect: { id: 'nic.errors', culprit: { ifname: ifA } }, stop: () => killAll(s) };
    },
  },
  {
    name: 'backlog-capped',
    what: 'net.core.somaxconn 8 in the namespace: a listen(128) gets 8, and 6 connections wait in it',
    async start() {
      const { a, b } = vethPair();
      sysctlIn(b, 'net.core.somaxconn', 8);
      const l = workload(b, 'listen', '--host', '198.18.0.2', '--backlog', '128', '--accept-after', String(HOLD), '--hold', String(HOLD));
      const port = await listening(l);
      const c = workload(a, 'connect', '--host', '198.18.0.2', '--port', String(port), '--count', '6', '--hold', String(HOLD));
      return { netns: b, port, expect: { id: 'config.listen_backlog_capped', culprit: { lport: port, pid: l.pid, setting: 'net.core.somaxconn' } },
        stop: () => killAll(l, c) };
    },
  },
  {
    name: 'reuseport-imbalance',
    what: 'two SO_REUSEPORT listeners on one port, one of which never accepts',
    async start() {
      const { a, b } = vethPair();
      const fast = workload(b, 'listen', '--host', '198.18.0.2', '--reuseport', '--backlog', '64', '--read', '--hold', String(HOLD));
      const port = await listening(fast);
      const slow = workload(b, 'listen', '--host', '198.18.0.2', '--port', String(port), '--reuseport', '--backlog', '64', '--accept-after', String(HOLD), '--hold', String(HOLD));
      await listening(slow);
      const c = workload(a, 'connect', '--host', '198.18.0.2', '--port', String(port), '--count', '24', '--hold', String(HOLD));
      return { netns: b, port, expect: { id: 'reuseport.imbalance', culprit: { lport: port } }, stop: () => killAll(fast, slow, c) };
    },
  },
  {
    name: 'rcvbuf-limited',
    what: 'a receiver with SO_RCVBUF 4 KiB that reads at once, over a path with ~200 ms RTT',
    async start() {
      const { a, b, ifB } = vethPair();
      // as in sndbuf-limited: the ACKs wait behind a full tbf, so the round trip is long, and a
      // 4 KiB receive window lets one window through per round trip
      sh('tc', ['-n', b.name, 'qdisc', 'add', 'dev', ifB, 'root', 'tbf', 'rate', '2mbit', 'burst', '4k', 'limit', '50k']);
      const back = workload(b, 'udp-send', '--host', '198.18.0.1', '--port', '9', '--count', '1000000', '--size', '1000', '--seconds', '10', '--pace-us', '1000');
      const l = workload(b, 'listen', '--host', '198.18.0.2', '--read', '--rcvbuf', '4096', '--hold', String(HOLD));
      const port = await listening(l);
      const c = workload(a, 'connect', '--host', '198.18.0.2', '--port', String(port), '--send', '4000000000', '--hold', String(HOLD));
      return { netns: a, expect: { id: 'socket.rcvbuf_limited', culprit: { rport: port } }, stop: () => killAll(back, l, c) };
    },
  },
  {
    name: 'rfs-half',
    what: 'rps_flow_cnt set on a veth receive queue in the namespace, with the RFS flow table off (the default)',
    async start() {
      const { b, ifB } = vethPair();
      // the other half, net.core.rps_sock_flow_entries, lives in the initial namespace only
      if (Number(readFileSync('/proc/sys/net/core/rps_sock_flow_entries', 'utf8')) !== 0) {
        throw new Error('scenario rfs-half: needs net.core.rps_sock_flow_entries 0 (the default) on this host');
      }
      // under ip netns exec, /sys is the namespace's: its device's queue
      b.exec('sh', ['-c', `echo 4096 > /sys/class/net/${ifB}/queues/rx-0/rps_flow_cnt`]);
      return { netns: b, expect: { id: 'config.rfs_half', culprit: { ifname: ifB, setting: 'net.core.rps_sock_flow_entries' } }, stop: async () => {} };
    },
  },
  {
    name: 'healthy-baseline',
    what: 'heavy good traffic: a bulk TCP stream and request/response, nothing wrong',
    async start() {
      const { a, b } = vethPair();
      const bulkL = workload(b, 'listen', '--host', '198.18.0.2', '--read', '--hold', String(HOLD));
      const rrL = workload(b, 'listen', '--host', '198.18.0.2', '--read', '--reply', '2000', '--hold', String(HOLD));
      const [bp, rp] = [await listening(bulkL), await listening(rrL)];
      const bulk = workload(a, 'connect', '--host', '198.18.0.2', '--port', String(bp), '--send', '8000000000', '--hold', String(HOLD));
      const rr = workload(a, 'rr', '--host', '198.18.0.2', '--port', String(rp), '--count', '100000');
      return { netns: a, expect: null, also: ['tcp.reordering'], stop: () => killAll(bulkL, rrL, bulk, rr) };
    },
  },
];

export interface ScenarioResult {
  name: string;
  expected: string | null;
  /** Where the expected finding ranks (0: first); -1 not found. */
  rank: number;
  culpritOk: boolean;
  /** What did not match in the culprit. */
  culpritWhy?: string;
  /** Seconds into the window until a judge of the samples so far reports it; undefined if never. */
  detectS?: number;
  /** Warning and critical findings that are neither expected nor allowed with it. */
  falseAlarms: string[];
  findings: Finding[];
  window: DoctorWindow;
}

function culpritMismatch(f: Finding, want: Partial<Culprit> | undefined): string | undefined {
  if (!want) return undefined;
  const got = (f.culprit ?? {}) as Record<string, unknown>;
  const bad = Object.entries(want).filter(([k, v]) => got[k] !== v).map(([k, v]) => `${k} ${String(got[k])} (want ${String(v)})`);
  return bad.length ? bad.join(', ') : undefined;
}

/** When, in the window, a judge of the samples so far first reports `id`. */
function detectionTime(w: DoctorWindow, id: string): number | undefined {
  for (let k = 2; k <= w.ticks.length; k++) {
    const part = { ...w, ticks: w.ticks.slice(0, k), duration_s: w.ticks[k - 1]!.t };
    // probe aggregates are read once at the end: a partial judge uses them only with all samples
    const probes = k === w.ticks.length ? w.probes : { ...w.probes, drops: [], retrans: [], resets: [], dns: [], failed_connects: [] };
    const sockets = k === w.ticks.length ? w.sockets : { start: w.sockets.start, end: [] };
    if (judge({ ...part, probes, sockets }).findings.some((f) => f.id === id)) return part.duration_s;
  }
  return undefined;
}

/** Runs one scenario: its fault, a doctor window on it, the judgement and its checks. */
export async function runScenario(s: Scenario, seconds: number): Promise<ScenarioResult> {
  const run = await s.start();
  try {
    await new Promise((r) => setTimeout(r, 300)); // the fault under way before the window opens
    const window = await recordWindow({ seconds, quick: seconds <= 3, netns: resolveNetns(run.netns.name), port: run.port });
    const j: Judgement = judge(window);
    const id = run.expect?.id ?? null;
    const rank = id ? j.findings.findIndex((f) => f.id === id) : -1;
    const why = rank >= 0 ? culpritMismatch(j.findings[rank]!, run.expect?.culprit) : undefined;
    const allowed = new Set([...(id ? [id] : []), ...(run.also ?? [])]);
    return {
      name: s.name, expected: id, rank, culpritOk: rank >= 0 && !why, ...(why ? { culpritWhy: why } : {}),
      ...(id ? { detectS: detectionTime(window, id) } : {}),
      falseAlarms: j.findings.filter((f) => f.severity !== 'notice' && !allowed.has(f.id)).map((f) => f.id),
      findings: j.findings, window,
    };
  } finally {
    await run.stop();
    run.netns.delete();
  }
}
