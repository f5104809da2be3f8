// TCP rules: the two backlogs, loss and reordering, zero windows, resets, memory pressure.
// The traps they know: ListenDrops includes ListenOverflows; SYN cookies sent are not drops;
// AttemptFails is not resets received; retransmits the receiver's DSACKs show had arrived are
// reordering, not loss; healthy loopback and veth traffic retransmit about 0.1% of segments.
import type { Finding } from '../../../core/finding.js';
import type { FlowAgg } from '../window.js';
import { finding, type Rule } from './rule.js';
import { hostPort, perSec, type WindowView } from './view.js';

const pct = (x: number) => `${(x * 100).toFixed(x < 0.01 ? 2 : 1)}%`;

export const acceptQueueOverflow: Rule = {
  id: 'tcp.accept_queue_overflow',
  layer: 'socket',
  title: 'a listener\'s accept queue overflowed: completed connections were dropped',
  reads: ['TcpExtListenOverflows', 'TcpExtListenDrops', 'sock_diag LISTEN recv_q/send_q', 'skmeminfo sk_drops', 'net.core.somaxconn'],
  thresholds: { overflows: 1, critical_per_s: 10 },
  why: 'The application accepts connections more slowly than they complete: the accept queue (the listen() backlog, '
    + 'capped by net.core.somaxconn) fills, and the kernel drops new handshakes (their SYN, or their final ACK); '
    + 'clients retry after a second or more.',
  fix: ['accept faster (more acceptor threads, or SO_REUSEPORT listeners)', 'raise the listen() backlog', 'raise net.core.somaxconn'],
  judge(v) {
    const overflows = v.delta('TcpExtListenOverflows');
    if (overflows < this.thresholds.overflows!) return [];
    const somax = v.sysctl('net.core.somaxconn');
    const hit = v.listeners().filter((l) => l.drops > 0 || (l.now.send_q > 0 && l.maxQueue >= l.now.send_q))
      .sort((a, b) => b.drops - a.drops || b.maxQueue - a.maxQueue);
    const reasonDrops = v.w.probes.drops.filter((d) => d.reason === 'TCP_LISTEN_OVERFLOW');
    const out: Finding[] = [];
    for (const l of hit.length ? hit.slice(0, 3) : [undefined]) {
      const c = l ? v.socketCulprit('tcp', { ...l.now }) : { netns: v.netnsLabel() };
      const limit = l?.now.send_q;
      const byCap = limit !== undefined && somax !== undefined && limit >= somax;
      const who = c.comm ? `${c.comm} (pid ${c.pid})` : 'the application';
      const drops = l ? reasonDrops.filter((d) => d.sport === l.now.lport).reduce((s, d) => s + d.count, 0) : 0;
      out.push(finding(this, {
        severity: overflows / v.secs >= this.thresholds.critical_per_s! ? 'critical' : 'warning',
        title: l ? `accept queue of ${hostPort(l.now.laddr, l.now.lport)} overflowed: ${who} does not accept fast enough`
          : 'an accept queue overflowed (the listener was gone by the end of the window)',
        culprit: { ...c, ...(byCap ? { setting: 'net.core.somaxconn' } : {}) },
        evidence: {
          TcpExtListenOverflows: overflows, TcpExtListenDrops: v.delta('TcpExtListenDrops'), overflows_per_s: +(overflows / v.secs).toFixed(2),
          ...(l ? { accept_queue_max: l.maxQueue, backlog: l.now.send_q, listener_sk_drops: l.drops } : {}),
          ...(somax !== undefined ? { 'net.core.somaxconn': somax } : {}),
          ...(drops ? { TCP_LISTEN_OVERFLOW_drops: drops } : {}),
        },
        proof: [
          `TcpExtListenOverflows +${overflows} (${perSec(overflows / v.secs)}) in ${v.secs.toFixed(1)} s`
            + ` (ListenDrops +${v.delta('TcpExtListenDrops')} counts them too)`,
          ...(l ? [`the listener on ${hostPort(l.now.laddr, l.now.lport)}: ${l.maxQueue} waiting at most, backlog ${l.now.send_q}`
            + ` (somaxconn ${somax ?? '?'}); its sk_drops +${l.drops}`] : []),
          ...(drops ? [`${drops} ACKs dropped with reason TCP_LISTEN_OVERFLOW for port ${l!.now.lport}`] : []),
        ],
        fix: l ? [
          `make ${who} call accept() faster: more acceptor threads, or several SO_REUSEPORT listeners on port ${l.now.lport}`,
          byCap
            ? `the backlog is capped by net.core.somaxconn (${somax}): sysctl -w net.core.somaxconn=${Math.max(4096, (somax ?? 0) * 4)} and restart the listener`
            : `the listen() backlog binds (${limit}, below somaxconn ${somax ?? '?'}): raise it in the application, e.g. listen(fd, ${Math.max(1024, (limit ?? 0) * 8)})`,
        ] : [...this.fix],
      }));
    }
    return out;
  },
};

export const listenBacklogCapped: Rule = {
  id: 'config.listen_backlog_capped',
  layer: 'config',
  title: 'a listener\'s backlog is capped by net.core.somaxconn',
  reads: ['sock_diag LISTEN send_q', 'net.core.somaxconn'],
  thresholds: { queue_share: 0.5 },
  why: 'listen()\'s backlog is silently lowered to net.core.somaxconn: an application that asked for more gets less, '
    + 'and its accept queue fills at the lower limit.',
  fix: ['sysctl -w net.core.somaxconn=N (then restart the listener: the limit is taken at listen())'],
  judge(v) {
    const somax = v.sysctl('net.core.somaxconn');
    if (somax === undefined) return [];
    return v.listeners().filter((l) => l.now.send_q === somax && somax < 65535 && l.maxQueue >= somax * this.thresholds.queue_share!)
      .map((l) => finding(this, {
        severity: 'notice',
        title: `${hostPort(l.now.laddr, l.now.lport)}: backlog ${l.now.send_q} is net.core.somaxconn's cap`,
        culprit: { ...v.socketCulprit('tcp', l.now), setting: 'net.core.somaxconn' },
        evidence: { backlog: l.now.send_q, 'net.core.somaxconn': somax, accept_queue_max: l.maxQueue },
        proof: [`listen backlog ${l.now.send_q} = net.core.somaxconn ${somax}; its queue reached ${l.maxQueue}`],
        fix: [`sysctl -w net.core.somaxconn=${Math.max(4096, somax * 4)}   # then restart the listener on port ${l.now.lport}`],
      }));
  },
};

export const synBacklogOverflow: Rule = {
  id: 'tcp.syn_backlog_overflow',
  layer: 'socket',
  title: 'the SYN backlog filled: SYNs were dropped, or answered with SYN cookies',
  reads: ['TcpExtTCPReqQFullDrop', 'TcpExtTCPReqQFullDoCookies', 'TcpExtListenDrops', 'TcpExtListenOverflows', 'TcpExtSyncookiesSent',
    'sock_diag SYN_RECV per listener', 'net.ipv4.tcp_max_syn_backlog', 'net.ipv4.tcp_syncookies'],
  thresholds: { events: 1, critical_per_s: 10 },
  why: 'Half-open connections (SYN received, handshake not finished) wait in the SYN backlog, sized by the listen() backlog and '
    + 'net.ipv4.tcp_max_syn_backlog. A SYN flood or a slow handshake fills it; then SYNs are dropped, or, with tcp_syncookies, '
    + 'answered statelessly (cookies are not drops, but lose TCP options such as window scaling).',
  fix: ['keep net.ipv4.tcp_syncookies=1', 'raise net.ipv4.tcp_max_syn_backlog and the listen() backlog', 'filter the flood upstream'],
  judge(v) {
    const dropped = v.delta('TcpExtTCPReqQFullDrop');
    const cookies = v.delta('TcpExtTCPReqQFullDoCookies');
    // ListenDrops counts overflows of both queues; ListenOverflows only the accept queue's
    const synSide = Math.max(0, v.delta('TcpExtListenDrops') - v.delta('TcpExtListenOverflows'));
    if (dropped + cookies < this.thresholds.events!) return [];
    const maxSyn = v.sysctl('net.ipv4.tcp_max_syn_backlog');
    const syncookies = v.sysctl('net.ipv4.tcp_syncookies');
    const l = v.listeners().sort((a, b) => b.maxSynq - a.maxSynq || b.drops - a.drops)[0];
    const rate = (dropped + cookies) / v.secs;
    return [finding(this, {
      severity: dropped > 0 && dropped / v.secs >= this.thresholds.critical_per_s! ? 'critical' : 'warning',
      title: dropped > 0
        ? `SYN backlog${l ? ` of ${hostPort(l.now.laddr, l.now.lport)}` : ''} full: ${dropped} SYNs dropped (SYN cookies ${syncookies ? 'on' : 'off'})`
        : `SYN backlog${l ? ` of ${hostPort(l.now.laddr, l.now.lport)}` : ''} full: ${cookies} SYN cookies sent (no drops)`,
      culprit: { ...(l ? v.socketCulprit('tcp', l.now) : { netns: v.netnsLabel() }), setting: 'net.ipv4.tcp_max_syn_backlog' },
      evidence: {
        TcpExtTCPReqQFullDrop: dropped, TcpExtTCPReqQFullDoCookies: cookies, syn_side_listen_drops: synSide, per_s: +rate.toFixed(2),
        ...(l ? { syn_queue_max: l.maxSynq, backlog: l.now.send_q } : {}),
        ...(maxSyn !== undefined ? { 'net.ipv4.tcp_max_syn_backlog': maxSyn } : {}),
        ...(syncookies !== undefined ? { 'net.ipv4.tcp_syncookies': syncookies } : {}),
      },
      proof: [
        `TcpExtTCPReqQFullDrop +${dropped} (SYNs dropped), TcpExtTCPReqQFullDoCookies +${cookies} (cookies sent: not drops)`,
        `ListenDrops - ListenOverflows = ${synSide}: drops on the SYN side`,
        ...(l ? [`${l.maxSynq} half-open connections at most on port ${l.now.lport} (backlog ${l.now.send_q}, tcp_max_syn_backlog ${maxSyn ?? '?'})`] : []),
      ],
      fix: [
        ...(syncookies === 0 ? ['sysctl -w net.ipv4.tcp_syncookies=1   # answer a full SYN queue with cookies instead of dropping'] : []),
        `sysctl -w net.ipv4.tcp_max_syn_backlog=${Math.max(4096, (maxSyn ?? 0) * 4)}`,
        ...(l ? [`raise the listen() backlog of port ${l.now.lport} (now ${l.now.send_q}); the SYN queue is bounded by it too`] : []),
        'if this is a flood: rate-limit SYNs upstream (nftables "limit", or the load balancer)',
      ],
    })];
  },
};

/** The share of retransmits the receivers' DSACKs show were spurious (the data had arrived). */
function spuriousShare(v: WindowView, retrans: number): number {
  const dsack = v.delta('TcpExtTCPDSACKRecvSegs') || v.delta('TcpExtTCPDSACKRecv');
  const undo = v.sum('TcpExtTCPFullUndo', 'TcpExtTCPPartialUndo', 'TcpExtTCPDSACKUndo', 'TcpExtTCPLossUndo');
  return Math.min(1, Math.max(dsack, undo) / Math.max(1, retrans));
}

/** The flow that retransmitted most (BPF), and the process behind it. */
function topFlows(v: WindowView) {
  // one flow may hold two keys: before and after its owner was known
  const flows = new Map<string, FlowAgg>();
  for (const f of v.w.probes.retrans) {
    const k = `${f.netns}|${f.saddr}|${f.sport}|${f.daddr}|${f.dport}`;
    const e = flows.get(k);
    flows.set(k, e ? { ...e, segs: e.segs + f.segs, pid: e.pid || f.pid } : { ...f });
  }
  return [...flows.values()].sort((a, b) => b.segs - a.segs).slice(0, 3).map((f) => {
    const s = v.w.sockets.end.find((x) => x.lport === f.sport && x.rport === f.dport && x.raddr === f.daddr);
    const o = s ? v.owner(s.inode) : undefined;
    return { f, sock: s, pid: o?.pid ?? (f.pid || undefined), comm: o?.comm };
  });
}

export const retransmits: Rule = {
  id: 'tcp.retransmits',
  layer: 'transport',
  title: 'TCP segments are being lost and retransmitted',
  reads: ['TcpRetransSegs', 'TcpOutSegs', 'TcpExtTCPLossProbes', 'TcpExtTCPTimeouts', 'TcpExtTCPFastRetrans', 'TcpExtTCPDSACKRecvSegs',
    'TcpExtTCPSACKReorder', 'BPF tcp:tcp_retransmit_skb per flow', 'BPF skb:kfree_skb reasons'],
  thresholds: { share: 0.01, min_segs: 1000, critical_share: 0.05, spurious_share: 0.5 },
  why: 'Retransmits mean segments (or their ACKs) were lost: each loss halves the congestion window and an RTO stalls the flow '
    + 'for 200 ms or more. Healthy loopback and veth traffic retransmits about 0.1% of segments.',
  fix: ['find where the packets die: the drop reasons below, NIC errors, qdisc drops, the path'],
  judge(v) {
    const re = v.delta('TcpRetransSegs');
    const out = v.delta('TcpOutSegs');
    if (out < this.thresholds.min_segs! || re / out < this.thresholds.share!) return [];
    if (spuriousShare(v, re) >= this.thresholds.spurious_share!) return []; // reordering, judged below
    const share = re / out;
    const flows = topFlows(v);
    const top = flows[0];
    const drops = [...v.w.probes.drops].filter((d) => d.reason !== 'NOT_SPECIFIED').sort((a, b) => b.count - a.count).slice(0, 3);
    return [finding(this, {
      severity: share >= this.thresholds.critical_share! ? 'critical' : 'warning',
      title: `${pct(share)} of TCP segments retransmitted${top ? `, most by ${hostPort(top.f.saddr, top.f.sport)} → ${hostPort(top.f.daddr, top.f.dport)}` : ''}`,
      ...(top ? { culprit: { proto: 'tcp' as const, family: top.f.family, laddr: top.f.saddr, lport: top.f.sport, raddr: top.f.daddr, rport: top.f.dport,
        ...(top.pid ? { pid: top.pid } : {}), ...(top.comm ? { comm: top.comm } : {}), netns: v.netnsLabel() } } : {}),
      evidence: {
        TcpRetransSegs: re, TcpOutSegs: out, retrans_share: +share.toFixed(4),
        TcpExtTCPFastRetrans: v.delta('TcpExtTCPFastRetrans'), TcpExtTCPTimeouts: v.delta('TcpExtTCPTimeouts'),
        TcpExtTCPLossProbes: v.delta('TcpExtTCPLossProbes'), TcpExtTCPDSACKRecvSegs: v.delta('TcpExtTCPDSACKRecvSegs'),
        ...(top ? { top_flow_segs: top.f.segs } : {}),
      },
      proof: [
        `TcpRetransSegs +${re} of TcpOutSegs +${out}: ${pct(share)} (healthy: about 0.1%)`,
        `kinds: fast retransmits ${v.delta('TcpExtTCPFastRetrans')}, RTO timeouts ${v.delta('TcpExtTCPTimeouts')}, tail-loss probes ${v.delta('TcpExtTCPLossProbes')}`,
        `DSACKs received for ${v.delta('TcpExtTCPDSACKRecvSegs')} segments: ${pct(spuriousShare(v, re))} were spurious, the rest real loss`,
        ...flows.map((x) => `flow ${hostPort(x.f.saddr, x.f.sport)} → ${hostPort(x.f.daddr, x.f.dport)}${x.comm ? ` (${x.comm} ${x.pid})` : ''}: ${x.f.segs} segments retransmitted`),
        ...drops.map((d) => `packets dropped: ${d.count} × ${d.reason} at ${d.location}${d.dport ? ` (port ${d.dport})` : ''}`),
      ],
      fix: [
        ...(drops.some((d) => d.reason === 'NETFILTER_DROP') ? ['a firewall rule drops packets of this flow: nft list ruleset / iptables -L -v -n (see netfilter.drops)'] : []),
        ...(drops.some((d) => /QDISC/.test(d.reason)) ? ['a qdisc drops them: tc -s qdisc (see qdisc.drops)'] : []),
        'check the path for loss: netdx ifstat (NIC errors and drops), netdx ethtool IFACE (driver counters)',
        'measure where: netdx tcpretrans (each retransmit with its state), then mtr or ping the peer',
      ],
    })];
  },
};

export const reordering: Rule = {
  id: 'tcp.reordering',
  layer: 'transport',
  title: 'TCP retransmits that were not loss: the network reorders segments',
  reads: ['TcpRetransSegs', 'TcpExtTCPDSACKRecvSegs', 'TcpExtTCPSACKReorder', 'TcpExtTCPFullUndo', 'TcpExtTCPDSACKUndo', 'tcp_info reord_seen, dsack_dups'],
  thresholds: { share: 0.01, min_segs: 1000, spurious_share: 0.5 },
  why: 'The receivers\' DSACKs say most retransmitted segments had already arrived: segments came out of order (multipath, '
    + 'bonding, RPS across CPUs, veth and GRO), the sender took the gap for loss and retransmitted for nothing, shrinking its window.',
  fix: ['find what reorders (ECMP or bonding hashing per packet, RPS/RFS settings)', 'let TCP wait longer before calling it loss (RACK does by default)'],
  judge(v) {
    const re = v.delta('TcpRetransSegs');
    const out = v.delta('TcpOutSegs');
    if (out < this.thresholds.min_segs! || re / out < this.thresholds.share!) return [];
    const sp = spuriousShare(v, re);
    if (sp < this.thresholds.spurious_share!) return [];
    const reord = v.tcp().sort((a, b) => b.d('reord_seen') - a.d('reord_seen'))[0];
    return [finding(this, {
      severity: 'notice',
      title: `${pct(re / out)} of segments retransmitted, but ${pct(sp)} of them had arrived: reordering, not loss`,
      ...(reord && reord.d('reord_seen') > 0 ? { culprit: v.socketCulprit('tcp', reord.end) } : { culprit: { netns: v.netnsLabel() } }),
      evidence: {
        TcpRetransSegs: re, TcpOutSegs: out, TcpExtTCPDSACKRecvSegs: v.delta('TcpExtTCPDSACKRecvSegs'),
        TcpExtTCPSACKReorder: v.delta('TcpExtTCPSACKReorder'), spurious_share: +sp.toFixed(3),
        ...(reord ? { reord_seen: reord.d('reord_seen'), dsack_dups: reord.d('dsack_dups') } : {}),
      },
      proof: [
        `TcpRetransSegs +${re}, and DSACKs for +${v.delta('TcpExtTCPDSACKRecvSegs')} segments (${pct(sp)}): the receivers had them`,
        `TcpExtTCPSACKReorder +${v.delta('TcpExtTCPSACKReorder')}, undo +${v.sum('TcpExtTCPFullUndo', 'TcpExtTCPPartialUndo', 'TcpExtTCPDSACKUndo', 'TcpExtTCPLossUndo')}`,
        ...(reord && reord.d('reord_seen') ? [`${hostPort(reord.end.laddr, reord.end.lport)} → ${hostPort(reord.end.raddr, reord.end.rport)}: reord_seen +${reord.d('reord_seen')}, dsack_dups +${reord.d('dsack_dups')}`] : []),
      ],
      fix: [
        'look for per-packet load balancing on the path (ECMP, bonding balance-rr), RPS spreading one flow over CPUs, '
          + 'and tc filters that put packets of one flow in classes of different rates (tc -s class show)',
        `keep RACK loss detection on: sysctl net.ipv4.tcp_recovery (1 = RACK); tcp_reordering is ${v.sysctl('net.ipv4.tcp_reordering') ?? '?'}`,
      ],
    })];
  },
};

export const zeroWindow: Rule = {
  id: 'tcp.zero_window',
  layer: 'application',
  title: 'a receiver stopped reading: its window went to zero and the sender stalls',
  reads: ['TcpExtTCPToZeroWindowAdv', 'TcpExtTCPWantZeroWindowAdv', 'sock_diag recv_q, rcvbuf', 'tcp_info snd_wnd, probes'],
  thresholds: { adverts: 1 },
  why: 'A TCP receiver advertises a zero window when its receive buffer is full because the application does not read; the '
    + 'sender then stops and probes. The bottleneck is the receiving application, not the network.',
  fix: ['make the receiving application read (it may be blocked or busy)', 'a larger SO_RCVBUF only delays the stall'],
  judge(v) {
    const toZero = v.delta('TcpExtTCPToZeroWindowAdv');
    const tcp = v.tcp();
    // a receiver whose buffer is full: unread data near its limit
    const full = tcp.filter((s) => s.end.recv_q > 0 && s.end.rcvbuf > 0 && s.end.rmem_alloc >= s.end.rcvbuf * 0.5)
      .sort((a, b) => b.end.recv_q - a.end.recv_q);
    // ...and one that stayed so for the whole window: the window closed before it began, so no
    // TCPToZeroWindowAdv moves now, but the receiver still has not read
    const stuck = full.filter((s) => s.start !== undefined && s.start.recv_q > 0 && s.d('bytes_received') <= s.end.rcvbuf);
    const stalled = tcp.filter((s) => s.end.state === 'ESTAB' && s.end.info.snd_wnd === 0 && s.end.send_q > 0);
    if (toZero < this.thresholds.adverts! && !stalled.length && !stuck.length) return [];
    const r = full[0];
    const snd = stalled[0];
    const c = r ? v.socketCulprit('tcp', r.end) : snd ? v.socketCulprit('tcp', snd.end) : { netns: v.netnsLabel() };
    return [finding(this, {
      severity: 'warning',
      title: r ? `${c.comm ? `${c.comm} (pid ${c.pid})` : 'the receiver'} on ${hostPort(r.end.laddr, r.end.lport)} is not reading: zero window`
        : 'receivers advertised a zero window: an application stopped reading',
      culprit: c,
      evidence: {
        TcpExtTCPToZeroWindowAdv: toZero, TcpExtTCPWantZeroWindowAdv: v.delta('TcpExtTCPWantZeroWindowAdv'),
        TcpExtTCPFromZeroWindowAdv: v.delta('TcpExtTCPFromZeroWindowAdv'),
        ...(r ? { recv_q: r.end.recv_q, rcvbuf: r.end.rcvbuf } : {}), stalled_senders: stalled.length,
      },
      proof: [
        `TcpExtTCPToZeroWindowAdv +${toZero}: windows closed to zero; TcpExtTCPFromZeroWindowAdv +${v.delta('TcpExtTCPFromZeroWindowAdv')} reopened`,
        ...(r ? [`${hostPort(r.end.laddr, r.end.lport)} ← ${hostPort(r.end.raddr, r.end.rport)}: ${r.end.recv_q} bytes unread, buffer ${r.end.rmem_alloc}/${r.end.rcvbuf}`
          + (stuck.includes(r) ? `, and ${r.d('bytes_received')} bytes received in ${v.secs.toFixed(1)} s: it is not reading` : '')] : []),
        ...(snd ? [`sender ${hostPort(snd.end.laddr, snd.end.lport)}: peer window 0, ${snd.end.send_q} bytes waiting, ${snd.end.info.probes ?? 0} zero-window probes`] : []),
      ],
      fix: [
        r && c.pid ? `look at what ${c.comm} (pid ${c.pid}) is doing instead of reading: netdx sockets -p ${c.pid} -i, or its own stack (gdb/py-spy)` : 'find the receiving process: netdx sockets -ti --sort recv_q',
        'if reads are just bursty, a larger receive buffer smooths them: net.ipv4.tcp_rmem (auto-tuning), or SO_RCVBUF',
      ],
    })];
  },
};

export const resets: Rule = {
  id: 'tcp.resets',
  layer: 'transport',
  title: 'many TCP resets: connections refused or aborted',
  reads: ['TcpOutRsts', 'TcpEstabResets', 'TcpAttemptFails', 'TcpExtTCPAbortOnData', 'TcpExtTCPAbortOnClose', 'BPF tcp:tcp_send_reset/tcp_receive_reset per port',
    'BPF failed connects'],
  thresholds: { per_s: 5, min: 20 },
  why: 'A reset ends a connection at once. Many sent with reason NO_SOCKET mean clients connect to a port where nothing listens; '
    + 'resets received abort established connections. (AttemptFails counts failed connects of every kind, not resets received.)',
  fix: ['start the service on the port, or stop the clients connecting to it', 'for aborts: see which side closes with unread data or SO_LINGER 0'],
  judge(v) {
    const out = v.delta('TcpOutRsts');
    // the service's port: ours for resets we sent, the peer's for resets we received
    const byPort = new Map<string, { lport: number; sent: number; received: number; reasons: Map<string, number>; raddr: string; pid: number }>();
    for (const r of v.w.probes.resets) {
      const port = r.received ? r.rport : r.lport;
      const k = `${port}`;
      const e = byPort.get(k) ?? { lport: port, sent: 0, received: 0, reasons: new Map(), raddr: r.raddr, pid: r.pid };
      if (r.received) e.received += r.count; else { e.sent += r.count; e.reasons.set(r.reason, (e.reasons.get(r.reason) ?? 0) + r.count); }
      byPort.set(k, e);
    }
    const received = [...byPort.values()].reduce((s, e) => s + e.received, 0);
    const total = out + received;
    if (total < this.thresholds.min! || total / v.secs < this.thresholds.per_s!) return [];
    const top = [...byPort.values()].sort((a, b) => b.sent + b.received - a.sent - a.received)[0];
    const topReason = top ? [...top.reasons].sort((a, b) => b[1] - a[1])[0] : undefined;
    const refusedConnects = v.w.probes.failed_connects.filter((c) => c.result === 'ECONNREFUSED' && (!top || c.dport === top.lport));
    const client = refusedConnects.sort((a, b) => b.count - a.count)[0];
    const closedPort = topReason?.[0] === 'NO_SOCKET';
    return [finding(this, {
      severity: 'warning',
      title: closedPort && top ? `${top.sent} connections refused on port ${top.lport}: nothing listens there`
        : `${total} TCP resets in ${v.secs.toFixed(0)} s${top ? `, most on port ${top.lport}` : ''}`,
      culprit: {
        proto: 'tcp', ...(top ? { lport: top.lport } : {}), netns: v.netnsLabel(),
        ...(client ? { pid: client.pid, comm: client.comm, raddr: client.daddr, rport: client.dport } : {}),
      },
      evidence: {
        TcpOutRsts: out, resets_received: received, TcpEstabResets: v.delta('TcpEstabResets'), TcpAttemptFails: v.delta('TcpAttemptFails'),
        per_s: +(total / v.secs).toFixed(1), ...(topReason ? { top_reason: topReason[0], top_reason_count: topReason[1] } : {}),
        ...(client ? { refused_connects_by_client: client.count } : {}),
      },
      proof: [
        `TcpOutRsts +${out} (${perSec(out / v.secs)}); resets received ${received}; TcpEstabResets +${v.delta('TcpEstabResets')}`,
        ...[...byPort.values()].sort((a, b) => b.sent + b.received - a.sent - a.received).slice(0, 3).map((e) =>
          `port ${e.lport}: ${e.sent} sent (${[...e.reasons].map(([r, n]) => `${r || '?'} ${n}`).join(', ') || '-'}), ${e.received} received`),
        ...(client ? [`${client.comm || 'pid ' + client.pid} (pid ${client.pid}) had ${client.count} connects to ${hostPort(client.daddr, client.dport)} refused`] : []),
        `(TcpAttemptFails +${v.delta('TcpAttemptFails')} counts failed connects of every kind, not resets received)`,
      ],
      fix: closedPort && top ? [
        `nothing listens on port ${top.lport}${v.w.netns.own ? '' : ` in ${v.netnsLabel()}`}: start the service, or fix the clients' address`
          + (client ? ` (${client.comm} pid ${client.pid} keeps connecting)` : ''),
        `see who connects: netdx tcpconnect -x -D ${top.lport}`,
      ] : [...this.fix],
    })];
  },
};

export const memoryPressure: Rule = {
  id: 'tcp.memory_pressure',
  layer: 'transport',
  title: 'TCP ran under memory pressure: buffers were shrunk and data pruned',
  reads: ['TcpExtTCPMemoryPressures', 'TcpExtTCPMemoryPressuresChrono', 'TcpExtPruneCalled', 'TcpExtRcvPruned', 'net.ipv4.tcp_mem'],
  thresholds: { events: 1 },
  why: 'When all TCP sockets together use more pages than net.ipv4.tcp_mem\'s pressure threshold, the kernel shrinks every '
    + 'socket\'s buffers and prunes queued data: throughput drops host-wide.',
  fix: ['raise net.ipv4.tcp_mem (pages) if memory allows', 'find the sockets holding memory: netdx sockets -tm --sort rmem_alloc'],
  judge(v) {
    const n = v.delta('TcpExtTCPMemoryPressures');
    if (n < this.thresholds.events!) return [];
    const mem = v.sysctlText('net.ipv4.tcp_mem');
    return [finding(this, {
      severity: 'critical',
      title: `TCP entered memory pressure ${n} time(s)`,
      culprit: { netns: v.netnsLabel(), setting: 'net.ipv4.tcp_mem' },
      evidence: { TcpExtTCPMemoryPressures: n, TcpExtTCPMemoryPressuresChrono: v.delta('TcpExtTCPMemoryPressuresChrono'),
        TcpExtPruneCalled: v.delta('TcpExtPruneCalled'), ...(mem ? { 'net.ipv4.tcp_mem': mem } : {}) },
      proof: [`TcpExtTCPMemoryPressures +${n}, ${v.delta('TcpExtTCPMemoryPressuresChrono')} ms under pressure; PruneCalled +${v.delta('TcpExtPruneCalled')}`,
        `net.ipv4.tcp_mem = ${mem ?? '?'} (pages: low, pressure, high)`],
      fix: [`sysctl -w net.ipv4.tcp_mem="${(mem ?? '').split(' ').map((x) => String(Number(x) * 2)).join(' ')}"   # if the host has the memory`,
        ...this.fix.slice(1)],
    })];
  },
};

export const TCP_RULES: readonly Rule[] = [acceptQueueOverflow, synBacklogOverflow, listenBacklogCapped, retransmits, reordering, zeroWindow, resets, memoryPressure];
