// Socket buffer rules: receive and send buffers that limit a flow, and UDP datagrams dropped
// because a socket's receive buffer was full, each named by its socket and the limit it hit.
import { finding, type Rule } from './rule.js';
import { hostPort, kib, perSec, type WindowView, type TcpDelta } from './view.js';

/** Share of the time a connection was busy that it spent limited by `field`. */
function limitedShare(s: TcpDelta, field: 'rwnd_limited' | 'sndbuf_limited'): number {
  const busy = s.d('busy_time');
  return busy > 0 ? s.d(field) / busy : 0;
}

/** The local peer of a connection (both ends on this host or namespace): its receiving socket. */
function localPeer(v: WindowView, s: TcpDelta): TcpDelta | undefined {
  return v.tcp().find((x) => x.end.lport === s.end.rport && x.end.rport === s.end.lport && x.end.laddr === s.end.raddr);
}

export const rcvbufLimited: Rule = {
  id: 'socket.rcvbuf_limited',
  layer: 'socket',
  title: 'a connection is limited by the receiver\'s buffer',
  reads: ['tcp_info rwnd_limited, busy_time', 'skmeminfo rcvbuf', 'TcpExtTCPRcvQDrop', 'TcpExtPruneCalled', 'net.core.rmem_max', 'net.ipv4.tcp_rmem'],
  thresholds: { share: 0.3, min_busy_us: 500_000 },
  why: 'The sender had data and room in its window but the receiver\'s advertised window was full: the receive buffer '
    + '(SO_RCVBUF, or tcp_rmem\'s maximum for auto-tuning) is smaller than the bandwidth-delay product, so the flow runs below what the path allows.',
  fix: ['let auto-tuning work: do not set SO_RCVBUF', 'or raise it, and net.core.rmem_max which caps it'],
  judge(v) {
    const flows = v.tcp().filter((s) => s.d('busy_time') >= this.thresholds.min_busy_us! && limitedShare(s, 'rwnd_limited') >= this.thresholds.share!)
      .sort((a, b) => b.d('rwnd_limited') - a.d('rwnd_limited'));
    if (!flows.length) return [];
    const s = flows[0]!;
    const peer = localPeer(v, s);
    const rmax = v.sysctl('net.core.rmem_max');
    const rcv = peer?.end.rcvbuf;
    const c = v.socketCulprit('tcp', (peer ?? s).end);
    return [finding(this, {
      severity: 'warning',
      title: peer ? `${hostPort(peer.end.laddr, peer.end.lport)} receives into a ${kib(rcv!)} buffer: its sender waits ${Math.round(limitedShare(s, 'rwnd_limited') * 100)}% of the time`
        : `${hostPort(s.end.laddr, s.end.lport)} → ${hostPort(s.end.raddr, s.end.rport)} waits on the peer's receive window ${Math.round(limitedShare(s, 'rwnd_limited') * 100)}% of the time`,
      culprit: { ...c, setting: 'SO_RCVBUF' },
      evidence: {
        rwnd_limited_us: s.d('rwnd_limited'), busy_time_us: s.d('busy_time'), share: +limitedShare(s, 'rwnd_limited').toFixed(2),
        ...(rcv !== undefined ? { rcvbuf: rcv } : {}), ...(rmax !== undefined ? { 'net.core.rmem_max': rmax } : {}),
        TcpExtTCPRcvQDrop: v.delta('TcpExtTCPRcvQDrop'),
      },
      proof: [
        `${hostPort(s.end.laddr, s.end.lport)} → ${hostPort(s.end.raddr, s.end.rport)}: limited by the receive window ${(s.d('rwnd_limited') / 1e6).toFixed(2)} s of ${(s.d('busy_time') / 1e6).toFixed(2)} s busy (tcp_info rwnd_limited)`,
        ...(peer ? [`the receiver ${hostPort(peer.end.laddr, peer.end.lport)}: SO_RCVBUF ${kib(rcv!)} (rmem_max ${rmax !== undefined ? kib(rmax) : '?'}, tcp_rmem ${v.sysctlText('net.ipv4.tcp_rmem') ?? '?'})`] : []),
      ],
      fix: [
        peer && c.comm ? `in ${c.comm} (pid ${c.pid}): drop the setsockopt(SO_RCVBUF, ${rcv! / 2}) so auto-tuning can grow the buffer, or set it to the bandwidth-delay product`
          : 'on the receiving host: let auto-tuning grow the buffer (no SO_RCVBUF), or raise SO_RCVBUF',
        `sysctl -w net.core.rmem_max=${Math.max(16 << 20, rmax ?? 0)}   # caps SO_RCVBUF (now ${rmax !== undefined ? kib(rmax) : '?'})`,
      ],
    })];
  },
};

export const sndbufLimited: Rule = {
  id: 'socket.sndbuf_limited',
  layer: 'socket',
  title: 'a sender is limited by its own send buffer',
  reads: ['tcp_info sndbuf_limited, busy_time', 'skmeminfo sndbuf', 'net.core.wmem_max', 'net.ipv4.tcp_wmem'],
  thresholds: { share: 0.3, min_busy_us: 500_000, small_sndbuf: 65536 },
  why: 'The connection had window to send more but its send buffer (SO_SNDBUF, or tcp_wmem\'s maximum) was full of unacknowledged '
    + 'data: the buffer, not the network, caps its throughput at about buffer / RTT.',
  fix: ['do not set SO_SNDBUF (auto-tuning grows it), or raise it', 'raise net.core.wmem_max which caps SO_SNDBUF'],
  judge(v) {
    // The kernel's own chrono (tcp_info sndbuf_limited) starts only when the sender has sent all
    // it had and hit its buffer while not cwnd-limited, a moment it often misses; so a flow also
    // counts when its buffer is small (below tcp_wmem's default: set by the application) and
    // full, and it moves about one buffer per round trip.
    const wmemDefault = Number(v.sysctlText('net.ipv4.tcp_wmem')?.split(' ')[1] ?? 16384);
    const bound = (s: TcpDelta) => {
      const rtt = (s.end.info.rtt ?? 0) / 1e6;
      const achieved = s.d('bytes_acked') / v.secs;
      // queued memory counts skb overhead, so a small buffer holds more than sndbuf says; full at
      // either snapshot (one taken just after an ACK drained it would miss a buffer full all along)
      const queued = Math.max(s.end.wmem_queued, s.start?.wmem_queued ?? 0);
      return rtt > 0 && s.end.sndbuf > 0 && s.end.sndbuf < Math.min(wmemDefault, this.thresholds.small_sndbuf!)
        && queued >= s.end.sndbuf * 0.8 && achieved > 0 && achieved <= 3 * (Math.max(s.end.sndbuf, s.end.wmem_queued) / rtt);
    };
    const flows = v.tcp().filter((s) => (s.d('busy_time') >= this.thresholds.min_busy_us! && limitedShare(s, 'sndbuf_limited') >= this.thresholds.share!) || bound(s))
      .sort((a, b) => b.d('sndbuf_limited') - a.d('sndbuf_limited') || a.end.sndbuf - b.end.sndbuf);
    if (!flows.length) return [];
    const s = flows[0]!;
    const rttS = (s.end.info.rtt ?? 0) / 1e6;
    const wmax = v.sysctl('net.core.wmem_max');
    const c = v.socketCulprit('tcp', s.end);
    return [finding(this, {
      severity: 'warning',
      title: limitedShare(s, 'sndbuf_limited') >= this.thresholds.share!
        ? `${hostPort(s.end.laddr, s.end.lport)} sends from a ${kib(s.end.sndbuf)} buffer: limited by it ${Math.round(limitedShare(s, 'sndbuf_limited') * 100)}% of the time`
        : `${hostPort(s.end.laddr, s.end.lport)} sends from a ${kib(s.end.sndbuf)} buffer: one buffer per ${Math.round(rttS * 1000)} ms round trip`,
      culprit: { ...c, setting: 'SO_SNDBUF' },
      evidence: {
        sndbuf_limited_us: s.d('sndbuf_limited'), busy_time_us: s.d('busy_time'), share: +limitedShare(s, 'sndbuf_limited').toFixed(2),
        sndbuf: s.end.sndbuf, ...(wmax !== undefined ? { 'net.core.wmem_max': wmax } : {}), rtt_us: s.end.info.rtt ?? 0,
      },
      proof: [
        `${hostPort(s.end.laddr, s.end.lport)} → ${hostPort(s.end.raddr, s.end.rport)}: send-buffer limited ${(s.d('sndbuf_limited') / 1e6).toFixed(2)} s of ${(s.d('busy_time') / 1e6).toFixed(2)} s busy (tcp_info sndbuf_limited)`,
        `SO_SNDBUF ${kib(s.end.sndbuf)} (wmem_max ${wmax !== undefined ? kib(wmax) : '?'}, tcp_wmem ${v.sysctlText('net.ipv4.tcp_wmem') ?? '?'}), rtt ${((s.end.info.rtt ?? 0) / 1000).toFixed(2)} ms`,
        `${kib(s.end.wmem_queued)} queued of ${kib(s.end.sndbuf)}, ${s.end.info.unacked ?? 0} segments in flight of a window of ${s.end.info.snd_cwnd ?? 0}: `
          + `${kib(Math.round(s.d('bytes_acked') / v.secs))}/s delivered, about one buffer per round trip (${kib(Math.round(s.end.sndbuf / Math.max(rttS, 1e-6)))}/s)`,
      ],
      fix: [
        c.comm ? `in ${c.comm} (pid ${c.pid}): drop setsockopt(SO_SNDBUF, ${s.end.sndbuf / 2}) so auto-tuning grows the buffer, or raise it`
          : 'drop the application\'s SO_SNDBUF so auto-tuning grows the buffer, or raise it',
        `sysctl -w net.core.wmem_max=${Math.max(16 << 20, wmax ?? 0)}   # caps SO_SNDBUF`,
      ],
    })];
  },
};

export const udpRcvbufDrops: Rule = {
  id: 'udp.rcvbuf_drops',
  layer: 'socket',
  title: 'UDP datagrams dropped: a socket\'s receive buffer was full',
  reads: ['UdpRcvbufErrors', 'Udp6RcvbufErrors', 'UdpInDatagrams', 'skmeminfo sk_drops and rcvbuf per UDP socket', 'BPF kfree_skb SOCKET_RCVBUFF', 'net.core.rmem_default', 'net.core.rmem_max'],
  thresholds: { drops: 1, critical_share: 0.01 },
  why: 'The application reads datagrams more slowly than they arrive: its socket\'s receive buffer (SO_RCVBUF, by default '
    + 'net.core.rmem_default) fills and the kernel drops what does not fit. UDP does not retransmit: the data is gone.',
  fix: ['read faster (more reader threads, SO_REUSEPORT sockets, recvmmsg)', 'raise SO_RCVBUF, and net.core.rmem_max which caps it'],
  judge(v) {
    const errs = v.sum('UdpRcvbufErrors', 'Udp6RcvbufErrors', 'UdpLiteRcvbufErrors', 'UdpLite6RcvbufErrors');
    if (errs < this.thresholds.drops!) return [];
    const inDg = v.sum('UdpInDatagrams', 'Udp6InDatagrams');
    const socks = v.udp().filter((u) => u.drops > 0).sort((a, b) => b.drops - a.drops);
    const rdef = v.sysctl('net.core.rmem_default');
    const rmax = v.sysctl('net.core.rmem_max');
    const bpf = v.w.probes.drops.filter((d) => d.reason === 'SOCKET_RCVBUFF');
    return (socks.length ? socks.slice(0, 3) : [undefined]).map((u) => {
      const c = u ? v.socketCulprit('udp', u.now) : { proto: 'udp' as const, netns: v.netnsLabel() };
      const mine = u ? u.drops : errs;
      const bpfHere = u ? bpf.filter((d) => d.sport === u.now.lport).reduce((s, d) => s + d.count, 0) : 0;
      return finding(this, {
        severity: errs / Math.max(1, inDg + errs) >= this.thresholds.critical_share! ? 'critical' : 'warning',
        title: u ? `UDP ${hostPort(u.now.laddr, u.now.lport)} dropped ${mine} datagrams: ${c.comm ? `${c.comm} (pid ${c.pid})` : 'its reader'} reads too slowly for a ${kib(u.now.rcvbuf)} buffer`
          : `${errs} UDP datagrams dropped on full receive buffers`,
        culprit: { ...c, setting: 'SO_RCVBUF' },
        evidence: {
          UdpRcvbufErrors: v.delta('UdpRcvbufErrors'), Udp6RcvbufErrors: v.delta('Udp6RcvbufErrors'), UdpInDatagrams: inDg,
          ...(u ? { socket_drops: u.drops, rcvbuf: u.now.rcvbuf, queue_max: u.maxQueue } : {}),
          ...(rdef !== undefined ? { 'net.core.rmem_default': rdef } : {}), ...(rmax !== undefined ? { 'net.core.rmem_max': rmax } : {}),
          ...(bpfHere ? { SOCKET_RCVBUFF_drops: bpfHere } : {}),
        },
        proof: [
          `UdpRcvbufErrors +${v.delta('UdpRcvbufErrors')}, Udp6RcvbufErrors +${v.delta('Udp6RcvbufErrors')} (${perSec(errs / v.secs)}) against ${inDg} datagrams delivered`,
          ...(u ? [`${hostPort(u.now.laddr, u.now.lport)}: sk_drops +${u.drops}, buffer ${kib(u.now.rcvbuf)} (rmem_default ${rdef !== undefined ? kib(rdef) : '?'}, rmem_max ${rmax !== undefined ? kib(rmax) : '?'}), fullest ${kib(u.maxQueue)}`] : []),
          ...(bpfHere ? [`${bpfHere} drops with reason SOCKET_RCVBUFF for port ${u!.now.lport} (skb:kfree_skb)`] : []),
        ],
        fix: [
          u && c.comm ? `make ${c.comm} (pid ${c.pid}) read faster: more readers (SO_REUSEPORT), recvmmsg, less work per datagram` : 'read faster',
          `raise its buffer: setsockopt(SO_RCVBUF, ${Math.max(4 << 20, (u?.now.rcvbuf ?? 0) * 8)}) with sysctl -w net.core.rmem_max=${Math.max(8 << 20, rmax ?? 0)}`
            + `, or for every socket sysctl -w net.core.rmem_default=${Math.max(1 << 20, rdef ?? 0)}`,
        ],
      });
    });
  },
};

export const SOCKET_RULES: readonly Rule[] = [rcvbufLimited, sndbufLimited, udpRcvbufDrops];
