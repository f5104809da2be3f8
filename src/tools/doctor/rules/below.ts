// Rules below the sockets: devices, softirq and CPUs, qdiscs, netfilter and conntrack, routing.
import type { Qdisc } from '../../../core/netlink/qdisc.js';
import { bypassNote } from '../../../core/proc/bypass.js';
import { finding, needsBpf, type Rule } from './rule.js';
import type { WindowView } from './view.js';
import { hostPort, kib, perSec } from './view.js';

/** A rate as tc takes it: 2mbit, not 250000 bytes/s. */
export function tcRate(bytesPerSec: number): string {
  const bit = bytesPerSec * 8;
  for (const [u, m] of [['gbit', 1e9], ['mbit', 1e6], ['kbit', 1e3]] as const) if (bit >= m && bit % m === 0) return `${bit / m}${u}`;
  return `${bit}bit`;
}

/** `tc qdisc change` of this tbf with its own rate and burst and one new bound (limit BYTES or latency TIME). */
function tbfChange(v: WindowView, q: Qdisc, ifname: string, bound: string): string | undefined {
  if (!q.tbf) return undefined;
  const at = q.parent === 'root' ? 'root' : `parent ${q.parent} handle ${q.handle}`;
  return `tc${v.w.netns.own ? '' : ` -n ${v.netnsLabel()}`} qdisc change dev ${ifname} ${at} tbf rate ${tcRate(q.tbf.rate_Bps)} burst ${q.tbf.burst} ${bound}`;
}

const QDISC_LIMIT_FIX: Record<string, string> = {
  tbf: 'tc qdisc change dev IF root tbf rate RATE burst BURST limit BYTES   # a larger limit queues instead of dropping (more delay)',
  fq_codel: 'fq_codel drops on purpose to keep delay low: drops under overload are its job; raise "limit" only for bursts',
  pfifo_fast: 'tc qdisc replace dev IF root fq_codel   # or raise the device queue: ip link set IF txqueuelen N',
};

export const qdiscDrops: Rule = {
  id: 'qdisc.drops',
  layer: 'qdisc',
  title: 'a queueing discipline dropped packets',
  reads: ['rtnetlink qdisc stats (drops, overlimits, qlen, backlog)', 'BPF kfree_skb QDISC_DROP'],
  thresholds: { drops: 1, critical_per_s: 100 },
  why: 'Packets leave through the interface\'s qdisc; when it is full (its limit) or a rate limit polices, it drops: TCP sees loss '
    + 'and slows, UDP loses data. Overlimits alone mean packets waited (shaping), not that they were lost.',
  fix: ['raise the qdisc\'s limit, or its rate', 'or send less: pace the sender'],
  judge(v) {
    const first = new Map(v.first.qdiscs.map((q) => [`${q.ifindex}/${q.handle}/${q.parent}`, q]));
    const moved = v.last.qdiscs.map((q) => ({ q, p: first.get(`${q.ifindex}/${q.handle}/${q.parent}`) }))
      .map(({ q, p }) => ({ q, drops: Math.max(0, q.drops - (p?.drops ?? 0)), over: Math.max(0, q.overlimits - (p?.overlimits ?? 0)), pkts: Math.max(0, q.packets - (p?.packets ?? 0)), sentBytes: Math.max(0, q.bytes - (p?.bytes ?? q.bytes)) }));
    // A classful qdisc counts its child qdiscs' drops as its own (htb over a tbf: both say 990;
    // mq sums its queues): each is judged on its own drops, so the culprit is the one whose limit
    // dropped, and no drop is reported twice.
    const major = (h: string) => h.split(':')[0];
    // (mq's queues all have handle 0: under parent 0:N: a qdisc inside its own handle's namespace is a leaf)
    const isParent = (q: Qdisc) => q.parent === 'root' || major(q.parent) !== major(q.handle);
    const own = moved.map((x) => ({
      ...x,
      drops: !isParent(x.q) ? x.drops : Math.max(0, x.drops - moved.filter((c) => c.q.ifindex === x.q.ifindex && c.q !== x.q
        && /^[0-9a-f]+:/.test(c.q.parent) && major(c.q.parent) === major(x.q.handle)).reduce((t, c) => t + c.drops, 0)),
    }));
    return own
      .filter((x) => x.drops >= this.thresholds.drops!)
      .sort((a, b) => b.drops - a.drops)
      .map(({ q, drops, over, pkts, sentBytes }) => {
        const ifname = v.ifname(q.ifindex);
        // what the queue left at the end costs each packet, at the rate it drained
        const waitMs = q.backlog > 0 && sentBytes > 0 ? Math.round((q.backlog / (sentBytes / v.secs)) * 1000) : undefined;
        return finding(this, {
          severity: drops / v.secs >= this.thresholds.critical_per_s! ? 'critical' : 'warning',
          title: `${q.kind} qdisc ${q.handle} on ${ifname} dropped ${drops} packets (${perSec(drops / v.secs)})`,
          culprit: { ifname, netns: v.netnsLabel(), setting: `qdisc ${q.kind} ${q.handle}` },
          evidence: { drops, overlimits: over, packets: pkts, qlen: q.qlen, backlog_bytes: q.backlog, drop_share: +(drops / Math.max(1, drops + pkts)).toFixed(3) },
          proof: [`${ifname} ${q.kind} ${q.handle} (parent ${q.parent}): dropped +${drops}, overlimits +${over}, sent +${pkts} packets; ${q.qlen} packets (${kib(q.backlog)}) queued at the end${waitMs !== undefined ? `, ~${waitMs} ms of waiting at the rate it drained` : ''}`],
          fix: [(q.tbf ? `${tbfChange(v, q, ifname, `limit ${2 * q.tbf.limit}`)}   # a larger limit queues instead of dropping (more delay)`
            : QDISC_LIMIT_FIX[q.kind] ?? 'tc qdisc change dev IF ... limit N   # a larger queue, or a higher rate').replace(/\bIF\b/g, ifname),
            `watch it: tc${v.w.netns.own ? '' : ` -n ${v.netnsLabel()}`} -s qdisc show dev ${ifname}`],
        });
      });
  },
};

export const qdiscBacklog: Rule = {
  id: 'qdisc.backlog',
  layer: 'qdisc',
  title: 'packets wait long in a qdisc: queueing delay',
  reads: ['rtnetlink qdisc stats (backlog, qlen, bytes)'],
  thresholds: { delay_ms: 20, min_backlog_bytes: 10_000 },
  why: 'A queue that stays full adds its length in time to every packet through it (bufferbloat): latency grows while '
    + 'throughput does not. The delay is about the bytes queued divided by the rate they leave at.',
  fix: ['a shorter queue or an AQM (fq_codel, fq)', 'or a higher shaping rate'],
  judge(v) {
    const out = [];
    for (const q of v.last.qdiscs) {
      const series = v.w.ticks.map((t) => t.qdiscs.find((x) => x.ifindex === q.ifindex && x.handle === q.handle)).filter((x) => x !== undefined);
      const avgBacklog = series.reduce((s, x) => s + x!.backlog, 0) / Math.max(1, series.length);
      const p = series[0]!;
      const rate = Math.max(0, q.bytes - p.bytes) / v.secs;
      if (avgBacklog < this.thresholds.min_backlog_bytes! || rate <= 0) continue;
      const delayMs = (avgBacklog / rate) * 1000;
      if (delayMs < this.thresholds.delay_ms!) continue;
      // a queue that also dropped is qdisc.drops' finding (its proof gives the delay): one
      // full queue, one finding, one fix
      if (q.drops > p.drops) continue;
      const ifname = v.ifname(q.ifindex);
      out.push(finding(this, {
        severity: 'warning',
        title: `${q.kind} qdisc on ${ifname} holds ${kib(avgBacklog)} on average: ~${Math.round(delayMs)} ms of queueing delay`,
        culprit: { ifname, netns: v.netnsLabel(), setting: `qdisc ${q.kind} ${q.handle}` },
        evidence: { backlog_avg_bytes: Math.round(avgBacklog), dequeue_bytes_per_s: Math.round(rate), delay_ms: Math.round(delayMs), qlen: q.qlen },
        proof: [`${kib(avgBacklog)} queued on average over ${series.length} samples, leaving at ${kib(rate)}/s: ${Math.round(delayMs)} ms per packet`],
        fix: [q.kind === 'tbf'
          ? `${tbfChange(v, q, ifname, 'latency 20ms') ?? `tc${v.w.netns.own ? '' : ` -n ${v.netnsLabel()}`} qdisc change dev ${ifname} root tbf rate RATE burst BURST latency 20ms`}   # bound the queue by delay`
          : `tc${v.w.netns.own ? '' : ` -n ${v.netnsLabel()}`} qdisc replace dev ${ifname} root fq_codel   # an AQM keeps the queue short`],
      }));
    }
    return out;
  },
};

const NIC_ERRORS = ['rx_errors', 'rx_crc_errors', 'rx_frame_errors', 'rx_fifo_errors', 'rx_missed_errors', 'rx_over_errors',
  'rx_length_errors', 'tx_errors', 'tx_aborted_errors', 'tx_carrier_errors', 'tx_fifo_errors', 'tx_heartbeat_errors', 'tx_window_errors', 'tx_dropped'];

export const nicErrors: Rule = {
  id: 'nic.errors',
  layer: 'device',
  title: 'an interface counts errors or missed packets',
  reads: ['rtnetlink IFLA_STATS64: rx/tx errors, crc, fifo, missed, over, carrier, tx_dropped'],
  thresholds: { errors: 1 },
  why: 'Errors at the device: frames damaged on the wire (crc, frame), the NIC\'s ring full (missed, fifo, over: the host did not '
    + 'drain it in time), or a link that goes down (carrier). Each is loss below every protocol.',
  fix: ['missed/fifo/over: larger rings (ethtool -G), more queues or CPUs for RX', 'crc/frame/carrier: cable, optics, the port at the other end'],
  judge(v) {
    return v.links().map((l) => ({ l, errs: NIC_ERRORS.filter((k) => (l.d[k] ?? 0) >= this.thresholds.errors!) }))
      .filter((x) => x.errs.length)
      .map(({ l, errs }) => {
        const ring = errs.some((k) => /missed|fifo|over/.test(k));
        return finding(this, {
          severity: 'warning',
          title: `${l.name}: ${errs.map((k) => `${k} +${l.d[k]}`).join(', ')}`,
          culprit: { ifname: l.name, netns: v.netnsLabel() },
          evidence: { ...Object.fromEntries(errs.map((k) => [k, l.d[k]!])), rx_packets: l.d.rx_packets ?? 0, tx_packets: l.d.tx_packets ?? 0 },
          proof: [`${l.name}: ${errs.map((k) => `${k} +${l.d[k]}`).join(', ')} while ${l.d.rx_packets ?? 0} packets came in and ${l.d.tx_packets ?? 0} went out`],
          fix: ring ? [`ethtool -g ${l.name} then ethtool -G ${l.name} rx MAX   # a larger RX ring`, `netdx scaling ${l.name}   # queues, IRQs and RPS`]
            : [`ethtool -S ${l.name} (netdx ethtool ${l.name}) for the driver's own counters`, 'check the cable, optics and the switch port'],
        });
      });
  },
};

export const kernelBypass: Rule = {
  id: 'nic.kernel_bypass',
  layer: 'device',
  title: 'a NIC is bound to a kernel-bypass driver: its traffic is invisible to netdx',
  reads: ['/sys/bus/pci/devices/*/class and driver (vfio-pci, uio_pci_generic, igb_uio)'],
  thresholds: { nics: 1 },
  why: 'A NIC handed to user space (DPDK and similar stacks, through vfio-pci or a UIO driver) moves its packets without the '
    + 'kernel: no interface, counter, qdisc, socket or tracepoint of the kernel sees them, so nothing here judges that traffic.',
  fix: ['use the application\'s own statistics (DPDK: rte_eth_stats, testpmd "show port stats", dpdk-telemetry)'],
  needs: (v) => (v.w.config.bypass ? undefined : 'the window has no PCI device list (recorded by an older netdx)'),
  judge(v) {
    const nics = v.w.config.bypass ?? [];
    return (nics.length >= this.thresholds.nics! ? nics : []).map((n) => finding(this, {
      severity: 'notice',
      title: bypassNote(n),
      culprit: { setting: `PCI ${n.address} driver ${n.driver}` },
      evidence: { address: n.address, driver: n.driver, class: n.class, vendor: n.vendor, device: n.device },
      proof: [`/sys/bus/pci/devices/${n.address}: class ${n.class} (network), vendor ${n.vendor} device ${n.device}, driver ${n.driver}`],
      fix: [...this.fix],
    }));
  },
};

export const netfilterDrops: Rule = {
  id: 'netfilter.drops',
  layer: 'ip',
  title: 'a firewall rule dropped packets',
  reads: ['BPF skb:kfree_skb reason NETFILTER_DROP with location and ports'],
  thresholds: { drops: 1 },
  why: 'A netfilter rule (nftables or iptables) decided to drop these packets: for TCP the sender retransmits into the same rule '
    + 'and stalls, for UDP the data is gone. No SNMP counter says so; the kernel\'s drop reason does.',
  fix: ['find the rule: nft list ruleset (or iptables -L -v -n) and its counters', 'allow the traffic, or stop sending it'],
  needs: needsBpf,
  judge(v) {
    const d = v.w.probes.drops.filter((x) => x.reason === 'NETFILTER_DROP' && x.count >= this.thresholds.drops!);
    if (!d.length) return [];
    const total = d.reduce((s, x) => s + x.count, 0);
    const byPort = new Map<string, { proto: number; dport: number; daddr: string; count: number; where: string }>();
    for (const x of d) {
      const k = `${x.ipproto}/${x.dport}`;
      const e = byPort.get(k) ?? { proto: x.ipproto, dport: x.dport, daddr: x.daddr, count: 0, where: x.location };
      e.count += x.count;
      byPort.set(k, e);
    }
    const top = [...byPort.values()].sort((a, b) => b.count - a.count)[0]!;
    const proto = top.proto === 6 ? 'tcp' : top.proto === 17 ? 'udp' : top.proto === 1 || top.proto === 58 ? 'icmp' : undefined;
    return [finding(this, {
      severity: 'warning',
      title: `${total} packets dropped by a firewall rule, most to ${proto ?? `protocol ${top.proto}`} port ${top.dport}`,
      culprit: { ...(proto ? { proto } : {}), lport: top.dport, ...(top.daddr ? { laddr: top.daddr } : {}), netns: v.netnsLabel(), setting: 'netfilter ruleset' },
      evidence: { NETFILTER_DROP: total, per_s: +(total / v.secs).toFixed(1), top_port: top.dport, top_port_drops: top.count },
      proof: [...byPort.values()].sort((a, b) => b.count - a.count).slice(0, 4).map((e) =>
        `${e.count} × NETFILTER_DROP at ${e.where}: ${e.proto === 6 ? 'TCP' : e.proto === 17 ? 'UDP' : `proto ${e.proto}`} to ${hostPort(e.daddr || '?', e.dport)}`),
      fix: [`nft -a list ruleset${v.w.netns.own ? '' : `   # inside ${v.netnsLabel()}: ip netns exec ${v.netnsLabel()} nft -a list ruleset`} | grep -n "drop"`,
        `then delete or narrow the rule that matches ${proto ?? ''} dport ${top.dport}: nft delete rule FAMILY TABLE CHAIN handle N`],
    })];
  },
};

export const conntrackFull: Rule = {
  id: 'conntrack.table_full',
  layer: 'ip',
  title: 'the connection-tracking table is (nearly) full',
  reads: ['net.netfilter.nf_conntrack_count', 'net.netfilter.nf_conntrack_max', '/proc/net/stat/nf_conntrack drop, early_drop, insert_failed'],
  thresholds: { fill: 0.9 },
  why: 'Every flow through a conntrack-using firewall or NAT needs an entry; when the table is full new flows are dropped '
    + '("nf_conntrack: table full, dropping packet"), and established ones keep working, which makes it look intermittent.',
  fix: ['raise net.netfilter.nf_conntrack_max (and nf_conntrack_buckets)', 'shorten timeouts, or skip tracking for heavy stateless traffic (notrack)'],
  judge(v) {
    const ct = v.last.conntrack;
    const first = v.first.conntrack;
    if (!ct) return [];
    const max = ct.max ?? v.sysctl('net.netfilter.nf_conntrack_max');
    const drops = Math.max(0, ct.drop - (first?.drop ?? 0)) + Math.max(0, ct.early_drop - (first?.early_drop ?? 0));
    const maxCount = Math.max(...v.w.ticks.map((t) => t.conntrack?.count ?? 0));
    const fill = max ? maxCount / max : 0;
    if (fill < this.thresholds.fill! && drops === 0) return [];
    return [finding(this, {
      severity: drops > 0 ? 'critical' : 'warning',
      title: `conntrack table ${Math.round(fill * 100)}% full (${maxCount} of ${max})${drops ? `: ${drops} new flows dropped` : ''}`,
      culprit: { netns: v.netnsLabel(), setting: 'net.netfilter.nf_conntrack_max' },
      evidence: { nf_conntrack_count: maxCount, nf_conntrack_max: max ?? 0, drop: Math.max(0, ct.drop - (first?.drop ?? 0)),
        early_drop: Math.max(0, ct.early_drop - (first?.early_drop ?? 0)), insert_failed: Math.max(0, ct.insert_failed - (first?.insert_failed ?? 0)) },
      proof: [`nf_conntrack_count reached ${maxCount} of nf_conntrack_max ${max}`, `conntrack drop +${Math.max(0, ct.drop - (first?.drop ?? 0))}, early_drop +${Math.max(0, ct.early_drop - (first?.early_drop ?? 0))}`],
      fix: [`sysctl -w net.netfilter.nf_conntrack_max=${Math.max(262144, (max ?? 0) * 4)}`,
        'and for heavy stateless traffic: nft add rule inet raw prerouting udp dport 53 notrack (an example)'],
    })];
  },
};

export const rpFilterDrops: Rule = {
  id: 'ip.rp_filter_drops',
  layer: 'ip',
  title: 'reverse-path filtering dropped packets',
  reads: ['TcpExtIPReversePathFilter', 'BPF kfree_skb IP_RPFILTER', 'net.ipv4.conf.*.rp_filter'],
  thresholds: { drops: 1 },
  why: 'With rp_filter=1 (strict) a packet is dropped when the reply to its source would leave by another interface: asymmetric '
    + 'routing, multihoming or policy routing trip it. Nothing is logged.',
  fix: ['loose mode (rp_filter=2) on the interface that receives, or fix the routing asymmetry'],
  judge(v) {
    const n = v.delta('TcpExtIPReversePathFilter');
    const bpf = v.w.probes.drops.filter((d) => d.reason === 'IP_RPFILTER').reduce((s, d) => s + d.count, 0);
    const total = Math.max(n, bpf);
    if (total < this.thresholds.drops!) return [];
    const strict = v.w.config.interfaces.filter((i) => i.rp_filter === 1).map((i) => i.name);
    const all = v.sysctl('net.ipv4.conf.all.rp_filter');
    const rx = v.links().filter((l) => (l.d.rx_packets ?? 0) > 0 && l.name !== 'lo').map((l) => l.name);
    const suspects = strict.filter((s) => rx.includes(s));
    return [finding(this, {
      severity: 'warning',
      title: `${total} packets dropped by reverse-path filtering${suspects.length ? ` on ${suspects.join(', ')}` : ''}`,
      culprit: { ...(suspects[0] ? { ifname: suspects[0] } : {}), netns: v.netnsLabel(), setting: 'net.ipv4.conf.IF.rp_filter' },
      evidence: { TcpExtIPReversePathFilter: n, IP_RPFILTER_drops: bpf, ...(all !== undefined ? { 'net.ipv4.conf.all.rp_filter': all } : {}) },
      proof: [`TcpExtIPReversePathFilter +${n}${bpf ? `, ${bpf} drops with reason IP_RPFILTER` : ''}`,
        `strict rp_filter (1) on: ${strict.join(', ') || 'none per interface'}; all = ${all ?? '?'} (the higher of all and the interface applies)`],
      fix: [...(suspects.length ? suspects : ['IF']).map((i) => `sysctl -w net.ipv4.conf.${i}.rp_filter=2   # loose: accept if any route leads back`),
        ...(all === 1 ? ['sysctl -w net.ipv4.conf.all.rp_filter=2   # "all" also applies: the higher value wins'] : []),
        'or make routing symmetric: the route back to the source should leave by the interface the packet came in on'],
    })];
  },
};

export const dnsSlow: Rule = {
  id: 'dns.slow_lookups',
  layer: 'application',
  title: 'DNS lookups are slow',
  reads: ['BPF sock:sock_send_length/sock_recv_length on UDP port 53 (query to answer per resolver)'],
  thresholds: { slow_ms: 500, avg_ms: 100 },
  why: 'Every connection that starts with a name waits for its lookup: a resolver that answers in half a second adds half a second '
    + 'to each. Lookups over UDP are timed from the query leaving to the answer being read.',
  fix: ['a local caching resolver (systemd-resolved, nscd, dnsmasq)', 'a faster or nearer resolver', 'options timeout:1 attempts:2 in resolv.conf'],
  needs: needsBpf,
  judge(v) {
    return v.w.probes.dns.filter((d) => d.answers > 0 && (d.slow > 0 || d.avg_ms >= this.thresholds.avg_ms!))
      .sort((a, b) => b.avg_ms - a.avg_ms)
      .map((d) => finding(this, {
        severity: 'warning',
        title: `DNS answers from ${d.server} take ${Math.round(d.avg_ms)} ms on average (${d.slow} of ${d.answers} over ${this.thresholds.slow_ms} ms)`,
        culprit: { proto: 'udp', family: d.family, raddr: d.server, rport: 53, pid: d.pid, comm: d.comm, netns: v.netnsLabel() },
        evidence: { queries: d.queries, answers: d.answers, avg_ms: +d.avg_ms.toFixed(1), max_ms: +d.max_ms.toFixed(1), slow: d.slow },
        proof: [`${d.comm} (pid ${d.pid}) sent ${d.queries} queries to ${d.server}:53; ${d.answers} answers, average ${d.avg_ms.toFixed(1)} ms, slowest ${d.max_ms.toFixed(0)} ms`],
        fix: [`check the resolver ${d.server}: dig @${d.server} example.org (time), and its upstreams`, ...this.fix],
      }));
  },
};

export const BELOW_RULES: readonly Rule[] = [nicErrors, kernelBypass, qdiscDrops, qdiscBacklog, netfilterDrops, conntrackFull, rpFilterDrops, dnsSlow];
