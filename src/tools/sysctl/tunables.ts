// The network tunables that matter to performance, as data: the kernel's default where one is
// known, the rule where it depends (memory, HZ, the build), and a one-line meaning. `netdx sysctl`
// renders this with the values read from /proc/sys; `netdx doctor` reuses it.
// Defaults were checked against a fresh network namespace on Linux 6.18 (per-netns tunables
// start from the kernel's own values there) and against the kernel sources for the rules.

export interface Tunable {
  /** Dotted sysctl name (net.core.somaxconn). */
  name: string;
  meaning: string;
  /**
   * Values the kernel sets by itself: today's first, then those of older kernels or other common
   * builds (somaxconn was 128 before 5.4). A value in this list is "default".
   */
  defaults?: readonly string[];
  /** How the default is chosen when it is not one fixed value. */
  rule?: string;
  /** The default computed from other sysctls of this machine (hash sizes), when the rule allows. */
  derive?: (read: (name: string) => string | undefined) => string[] | undefined;
  /** A reading (nf_conntrack_count), not a setting: never "changed". */
  reading?: boolean;
}

// Several limits are fractions of the TCP established hash, which the kernel sizes from memory
// at boot; tcp_ehash_entries (6.1+) reports it (negative in a netns sharing the global one).
function ehashShare(div: number, min = 0): NonNullable<Tunable['derive']> {
  return (read) => {
    const v = read('net.ipv4.tcp_ehash_entries');
    return v === undefined || !/^-?\d+$/.test(v) ? undefined : [String(Math.max(min, Math.floor(Math.abs(Number(v)) / div)))];
  };
}

const T: Tunable[] = [
  // --- net.core: device input, socket buffer ceilings, queueing
  { name: 'net.core.somaxconn', defaults: ['4096', '128'], meaning: 'cap on every listen() backlog (accept queue length); 128 before Linux 5.4' },
  { name: 'net.core.netdev_max_backlog', defaults: ['1000'], meaning: 'per-CPU input queue (RPS, veth, loopback, non-NAPI); overflow = softnet_stat dropped' },
  { name: 'net.core.netdev_budget', defaults: ['300'], meaning: 'packets one NET_RX softirq may process over all NAPI polls; exhausted = time_squeeze' },
  { name: 'net.core.netdev_budget_usecs', defaults: ['2000', '8000', '6666', '20000'], rule: '2 jiffies: 2000 at HZ=1000, 8000 at HZ=250',
    meaning: 'time limit of one NET_RX softirq round, µs; exhausted = time_squeeze' },
  { name: 'net.core.dev_weight', defaults: ['64'], meaning: 'packets per NAPI poll of the per-CPU backlog (RPS, non-NAPI drivers)' },
  { name: 'net.core.rmem_max', defaults: ['4194304', '212992'], meaning: 'largest SO_RCVBUF an app may set (TCP autotuning uses tcp_rmem instead); 212992 before 6.16' },
  { name: 'net.core.wmem_max', defaults: ['4194304', '212992'], meaning: 'largest SO_SNDBUF an app may set (TCP autotuning uses tcp_wmem instead); 212992 before 6.16' },
  { name: 'net.core.rmem_default', defaults: ['212992'], meaning: 'initial receive buffer of non-TCP sockets (UDP, raw, unix datagram)' },
  { name: 'net.core.wmem_default', defaults: ['212992'], meaning: 'initial send buffer of non-TCP sockets' },
  { name: 'net.core.optmem_max', defaults: ['131072', '20480'], meaning: 'per-socket ancillary memory (cmsg, socket filters, zerocopy notifications)' },
  { name: 'net.core.rps_sock_flow_entries', defaults: ['0'], meaning: 'RFS global flow table size; 0 = RFS off' },
  { name: 'net.core.flow_limit_table_len', defaults: ['4096'], meaning: 'size of the per-CPU flow limit table (backlog fairness under RPS)' },
  { name: 'net.core.default_qdisc', defaults: ['pfifo_fast'], rule: 'pfifo_fast unless the build picks another (CONFIG_DEFAULT_NET_SCH); systemd sets fq_codel',
    meaning: 'qdisc given to new devices; fq is needed for pacing-heavy TCP (BBR works without it since 4.13)' },
  { name: 'net.core.busy_poll', defaults: ['0'], meaning: 'µs poll()/select() busy-wait on a device queue (low latency, burns CPU); 0 = off' },
  { name: 'net.core.busy_read', defaults: ['0'], meaning: 'µs a blocking read busy-waits on the device queue; 0 = off' },
  // --- TCP: listen and handshake
  { name: 'net.ipv4.tcp_max_syn_backlog', rule: 'max(128, TCP established hash entries / 128): scales with memory',
    derive: ehashShare(128, 128),
    meaning: 'SYN queue length per listener (half-open connections) before drops or syncookies' },
  { name: 'net.ipv4.tcp_syncookies', defaults: ['1'], meaning: '1 = send SYN cookies when a SYN queue overflows; 0 = drop SYNs; 2 = always' },
  { name: 'net.ipv4.tcp_abort_on_overflow', defaults: ['0'], meaning: '1 = reset connections the full accept queue cannot take (instead of retrying)' },
  { name: 'net.ipv4.tcp_syn_retries', defaults: ['6'], meaning: 'SYN retransmissions before connect() fails (6 = about 127 s)' },
  { name: 'net.ipv4.tcp_synack_retries', defaults: ['5'], meaning: 'SYN-ACK retransmissions for a half-open connection' },
  { name: 'net.ipv4.tcp_fastopen', defaults: ['1'], meaning: 'TCP Fast Open: 1 = client, 2 = server, 3 = both' },
  { name: 'net.ipv4.ip_local_port_range', defaults: ['32768 60999'], meaning: 'ephemeral ports for outgoing connections (28231 by default per destination)' },
  { name: 'net.ipv4.ip_local_reserved_ports', defaults: [''], meaning: 'ports left out of the ephemeral range' },
  // --- TCP: buffers and memory
  { name: 'net.ipv4.tcp_rmem', defaults: ['4096 131072 33554432', '4096 131072 6291456', '4096 87380 6291456'],
    rule: 'max lowered on small-memory machines; 6291456 before 6.16', meaning: 'TCP receive buffer min, initial, max per socket (bytes); autotuning grows to max' },
  { name: 'net.ipv4.tcp_wmem', defaults: ['4096 16384 4194304'], rule: 'max lowered on small-memory machines', meaning: 'TCP send buffer min, initial, max per socket (bytes)' },
  { name: 'net.ipv4.tcp_mem', rule: 'pages: about 4.7%, 6.25%, 9.4% of memory at boot', meaning: 'all TCP memory, pages: low, pressure, high (TcpExtTCPMemoryPressures, TCPAbortOnMemory)' },
  { name: 'net.ipv4.udp_mem', rule: 'pages: about 9.4%, 12.5%, 18.75% of memory at boot', meaning: 'all UDP memory, pages: low, pressure, high (UdpMemErrors beyond)' },
  { name: 'net.ipv4.udp_rmem_min', defaults: ['4096'], meaning: 'receive buffer a UDP socket keeps even under memory pressure' },
  { name: 'net.ipv4.udp_wmem_min', defaults: ['4096'], meaning: 'send buffer a UDP socket keeps even under memory pressure' },
  { name: 'net.ipv4.tcp_moderate_rcvbuf', defaults: ['1'], meaning: 'receive buffer autotuning; 0 = fixed at tcp_rmem initial' },
  { name: 'net.ipv4.tcp_adv_win_scale', defaults: ['1', '2'], meaning: 'share of the receive buffer advertised as window vs kept for overhead' },
  { name: 'net.ipv4.tcp_notsent_lowat', defaults: ['4294967295', '-1'], meaning: 'unsent bytes a socket may hold before poll() says not writable; lower = less latency' },
  { name: 'net.ipv4.tcp_limit_output_bytes', defaults: ['4194304', '1048576', '262144'], meaning: 'TCP Small Queues: bytes per flow in qdisc/device queues' },
  { name: 'net.ipv4.tcp_autocorking', defaults: ['1'], meaning: 'hold small writes while earlier data is still queued, to send fewer packets' },
  { name: 'net.ipv4.tcp_max_orphans', rule: 'TCP established hash entries / 2',
    derive: ehashShare(2),
    meaning: 'closed-but-not-finished sockets allowed; beyond, they are reset (TCPAbortOnMemory)' },
  // --- TCP: congestion control, loss recovery, features
  { name: 'net.ipv4.tcp_congestion_control', rule: 'a build option (CONFIG_DEFAULT_TCP_CONG): cubic in most builds',
    meaning: 'congestion control for new connections' },
  { name: 'net.ipv4.tcp_available_congestion_control', reading: true, rule: 'the algorithms built in or loaded as modules', meaning: 'congestion controls this kernel has now' },
  { name: 'net.ipv4.tcp_slow_start_after_idle', defaults: ['1'], meaning: 'restart from a small cwnd after an idle RTO; 0 helps bursty long-lived connections' },
  { name: 'net.ipv4.tcp_no_metrics_save', defaults: ['0'], meaning: '1 = do not cache ssthresh/RTT per destination when connections close' },
  { name: 'net.ipv4.tcp_timestamps', defaults: ['1'], meaning: 'TCP timestamps (RTT measurement, PAWS); 0 disables' },
  { name: 'net.ipv4.tcp_sack', defaults: ['1'], meaning: 'selective acknowledgements; 0 makes loss recovery much slower' },
  { name: 'net.ipv4.tcp_dsack', defaults: ['1'], meaning: 'duplicate SACKs (lets the sender see spurious retransmits)' },
  { name: 'net.ipv4.tcp_window_scaling', defaults: ['1'], meaning: 'windows above 64 KB; 0 caps throughput at 64 KB per RTT' },
  { name: 'net.ipv4.tcp_ecn', defaults: ['2'], meaning: 'ECN: 0 off, 1 request and accept, 2 accept only when asked' },
  { name: 'net.ipv4.tcp_mtu_probing', defaults: ['0'], meaning: 'packetization-layer PMTU discovery: 0 off, 1 after a blackhole is detected, 2 always' },
  { name: 'net.ipv4.tcp_reordering', defaults: ['3'], meaning: 'initial reordering degree assumed before fast retransmit' },
  { name: 'net.ipv4.tcp_recovery', defaults: ['1'], meaning: 'RACK loss detection (bit 1)' },
  { name: 'net.ipv4.tcp_early_retrans', defaults: ['3'], meaning: 'tail loss probe (TLP) and early retransmit' },
  { name: 'net.ipv4.tcp_frto', defaults: ['2'], meaning: 'F-RTO: detect spurious RTOs (TcpExtTCPSpuriousRTOs)' },
  { name: 'net.ipv4.tcp_min_tso_segs', defaults: ['2'], meaning: 'minimum segments per TSO frame' },
  { name: 'net.ipv4.tcp_pacing_ss_ratio', defaults: ['200'], meaning: 'pacing rate in slow start, % of cwnd/RTT' },
  { name: 'net.ipv4.tcp_pacing_ca_ratio', defaults: ['120'], meaning: 'pacing rate in congestion avoidance, % of cwnd/RTT' },
  { name: 'net.ipv4.tcp_rto_min_us', defaults: ['200000'], meaning: 'minimum retransmission timeout, µs (6.15+)' },
  // --- TCP: retries, timeouts, TIME_WAIT, keepalive
  { name: 'net.ipv4.tcp_retries2', defaults: ['15'], meaning: 'retransmissions before an established connection is dropped (15 = ~15 min)' },
  { name: 'net.ipv4.tcp_orphan_retries', defaults: ['0'], meaning: 'retransmissions for orphaned (closed) sockets; 0 means 8' },
  { name: 'net.ipv4.tcp_fin_timeout', defaults: ['60'], meaning: 'seconds an orphaned connection stays in FIN_WAIT_2' },
  { name: 'net.ipv4.tcp_tw_reuse', defaults: ['2'], meaning: 'reuse TIME_WAIT ports for new outgoing connections: 1 on, 2 loopback only' },
  { name: 'net.ipv4.tcp_max_tw_buckets', rule: 'TCP established hash entries / 2',
    derive: ehashShare(2),
    meaning: 'TIME_WAIT sockets kept; beyond, they are dropped (TcpExtTCPTimeWaitOverflow)' },
  { name: 'net.ipv4.tcp_keepalive_time', defaults: ['7200'], meaning: 'idle seconds before keepalive probes (sockets with SO_KEEPALIVE)' },
  { name: 'net.ipv4.tcp_keepalive_intvl', defaults: ['75'], meaning: 'seconds between keepalive probes' },
  { name: 'net.ipv4.tcp_keepalive_probes', defaults: ['9'], meaning: 'unanswered keepalive probes before the connection is dropped' },
  // --- IP
  { name: 'net.ipv4.ip_forward', defaults: ['0'], meaning: 'route IPv4 packets between interfaces' },
  { name: 'net.ipv6.conf.all.forwarding', defaults: ['0'], meaning: 'route IPv6 packets between interfaces' },
  { name: 'net.ipv4.ip_default_ttl', defaults: ['64'], meaning: 'TTL of outgoing IPv4 packets' },
  { name: 'net.ipv4.ip_no_pmtu_disc', defaults: ['0'], meaning: '1 = no path MTU discovery (DF cleared)' },
  { name: 'net.ipv4.conf.all.rp_filter', defaults: ['0'], meaning: 'reverse path filter: 1 strict, 2 loose (systemd sets 2); strict drops asymmetric routes' },
  { name: 'net.ipv4.ipfrag_high_thresh', defaults: ['4194304'], meaning: 'memory for IPv4 reassembly; beyond, fragments are dropped (IpReasmFails)' },
  { name: 'net.ipv4.icmp_ratelimit', defaults: ['1000'], meaning: 'ms between ICMP errors to one host (IcmpOutRateLimitHost)' },
  { name: 'net.ipv4.icmp_msgs_per_sec', defaults: ['1000'], meaning: 'ICMP messages per second for the host (IcmpOutRateLimitGlobal)' },
  { name: 'net.ipv4.neigh.default.gc_thresh3', defaults: ['1024'], meaning: 'hard limit of ARP entries; beyond, "neighbour table overflow" and drops' },
  { name: 'net.ipv6.neigh.default.gc_thresh3', defaults: ['1024'], meaning: 'hard limit of IPv6 neighbour entries' },
  { name: 'net.unix.max_dgram_qlen', defaults: ['10'], meaning: 'queue length of unix datagram sockets (syslog, journald: systemd sets 512)' },
  // --- conntrack (present once nf_conntrack is loaded)
  { name: 'net.netfilter.nf_conntrack_max', rule: 'nf_conntrack_buckets (or 4x in older kernels): scales with memory',
    derive: (r) => { const b = r('net.netfilter.nf_conntrack_buckets'); return b && /^\d+$/.test(b) ? [b, String(Number(b) * 4)] : undefined; },
    meaning: 'tracked connections allowed; when full, new flows are dropped ("table full")' },
  { name: 'net.netfilter.nf_conntrack_count', reading: true, meaning: 'connections tracked now (compare with nf_conntrack_max)' },
  { name: 'net.netfilter.nf_conntrack_buckets', rule: 'scales with memory at load time', meaning: 'conntrack hash table size' },
  { name: 'net.netfilter.nf_conntrack_tcp_timeout_established', defaults: ['432000'], meaning: 'seconds an idle established TCP flow stays tracked (5 days)' },
  { name: 'net.netfilter.nf_conntrack_tcp_timeout_time_wait', defaults: ['120'], meaning: 'seconds a TIME_WAIT flow stays tracked' },
  { name: 'net.netfilter.nf_conntrack_udp_timeout_stream', defaults: ['120', '180'], meaning: 'seconds a two-way UDP flow stays tracked after its last packet' },
];

export const TUNABLES: readonly Tunable[] = T;

/** The path under /proc/sys of a dotted name. */
export function sysctlPath(name: string, procSys = '/proc/sys'): string {
  return `${procSys}/${name.replace(/\./g, '/')}`;
}
