// What the counters that matter to performance mean, as data: `netdx nstat` shows the meaning
// beside each counter and `netdx doctor` reads the kind to decide what an increase says.
// Names are nstat's (group prefix + field). Counters missing here are shown without a meaning.

/**
 * drop: packets or connections thrown away; error: malformed or refused input; retrans: data
 * sent again; reset: connections ended abnormally; pressure: a memory or queue limit was hit;
 * recovery: loss recovery at work (undo = it was spurious); traffic: volume, normal;
 * gauge: a current value, not a counter; constant: configuration reported in the MIB.
 */
export type CounterKind = 'drop' | 'error' | 'retrans' | 'reset' | 'pressure' | 'recovery' | 'traffic' | 'gauge' | 'constant';

export interface CounterMeaning {
  kind: CounterKind;
  meaning: string;
}

const m = (kind: CounterKind, meaning: string): CounterMeaning => ({ kind, meaning });

// Reordering on veth pairs and loopback makes ~1% of a bulk flow's segments retransmit with no
// loss anywhere (machine-notes.md); the meanings say so, so that nobody reads it as loss.
const SPURIOUS_NOTE = 'some are spurious: reordering (veth, loopback, multipath) retransmits with no loss; see TcpExtTCPDSACKRecvSegs';

const TABLE: Record<string, CounterMeaning> = {
  // --- constants of the MIB (nstat hides these)
  IpForwarding: m('constant', 'IPv4 forwarding: 1 = on (router), 2 = off (host)'),
  IpDefaultTTL: m('constant', 'default IPv4 TTL (net.ipv4.ip_default_ttl)'),
  TcpRtoAlgorithm: m('constant', 'RTO algorithm (1 = other: Linux\'s own)'),
  TcpRtoMin: m('constant', 'minimum retransmission timeout, ms'),
  TcpRtoMax: m('constant', 'maximum retransmission timeout, ms'),
  TcpMaxConn: m('constant', 'connection limit (-1 = none)'),
  // --- IP
  IpInReceives: m('traffic', 'IPv4 packets received from all interfaces, errors included'),
  IpInHdrErrors: m('error', 'IPv4 packets dropped for a bad header (checksum, version, TTL exceeded, ...)'),
  IpInAddrErrors: m('drop', 'IPv4 packets dropped: destination address not valid here (not ours and not forwarding)'),
  IpForwDatagrams: m('traffic', 'IPv4 packets forwarded (routing)'),
  IpInUnknownProtos: m('drop', 'IPv4 packets for a protocol with no handler'),
  IpInDiscards: m('drop', 'IPv4 packets dropped on input with no error (no memory, netfilter, ...)'),
  IpInDelivers: m('traffic', 'IPv4 packets delivered to TCP, UDP, ICMP, ...'),
  IpOutRequests: m('traffic', 'IPv4 packets handed down by local protocols for sending'),
  IpOutTransmits: m('traffic', 'IPv4 packets handed to the device layer (forwarded ones included)'),
  IpOutDiscards: m('drop', 'IPv4 packets dropped on output with no error (no buffer space, qdisc drop, netfilter)'),
  IpOutNoRoutes: m('drop', 'IPv4 packets dropped on output: no route to the destination'),
  IpReasmFails: m('drop', 'IPv4 reassemblies that failed (fragment lost, timeout, overlap); fragments were lost'),
  IpReasmTimeout: m('drop', 'IPv4 fragment queues expired before all fragments arrived'),
  IpFragFails: m('drop', 'IPv4 packets that needed fragmenting but had DF set or could not be fragmented'),
  IpExtInOctets: m('traffic', 'IPv4 bytes received'),
  IpExtOutOctets: m('traffic', 'IPv4 bytes sent'),
  IpExtInNoRoutes: m('drop', 'IPv4 packets received that could not be routed'),
  IpExtInTruncatedPkts: m('error', 'IPv4 packets received shorter than their header says'),
  IpExtInCsumErrors: m('error', 'IPv4 packets received with a bad header checksum'),
  IpExtInNoECTPkts: m('traffic', 'IPv4 packets received without ECN capability'),
  IpExtInECT0Pkts: m('traffic', 'IPv4 packets received with ECN capable transport ECT(0)'),
  IpExtInECT1Pkts: m('traffic', 'IPv4 packets received with ECT(1) (L4S)'),
  IpExtInCEPkts: m('pressure', 'IPv4 packets received marked Congestion Experienced: a queue on the path is building up'),
  IpExtReasmOverlaps: m('error', 'IPv4 fragments that overlapped others (dropped)'),
  Ip6InReceives: m('traffic', 'IPv6 packets received from all interfaces, errors included'),
  Ip6InHdrErrors: m('error', 'IPv6 packets dropped for a bad header (hop limit exceeded, bad version, ...)'),
  Ip6InTooBigErrors: m('drop', 'IPv6 packets that could not be forwarded because they exceed the link MTU'),
  Ip6InNoRoutes: m('drop', 'IPv6 packets received that could not be routed'),
  Ip6InAddrErrors: m('drop', 'IPv6 packets dropped: destination address not valid here'),
  Ip6InDiscards: m('drop', 'IPv6 packets dropped on input with no error (no memory, netfilter, ...)'),
  Ip6InTruncatedPkts: m('error', 'IPv6 packets received shorter than their header says'),
  Ip6InDelivers: m('traffic', 'IPv6 packets delivered to TCP, UDP, ICMPv6, ...'),
  Ip6OutRequests: m('traffic', 'IPv6 packets handed down by local protocols for sending'),
  Ip6OutDiscards: m('drop', 'IPv6 packets dropped on output with no error (no buffer space, qdisc, netfilter)'),
  Ip6OutNoRoutes: m('drop', 'IPv6 packets dropped on output: no route to the destination'),
  Ip6ReasmFails: m('drop', 'IPv6 reassemblies that failed; fragments were lost'),
  Ip6FragFails: m('drop', 'IPv6 packets that needed fragmenting and could not be'),
  Ip6InOctets: m('traffic', 'IPv6 bytes received'),
  Ip6OutOctets: m('traffic', 'IPv6 bytes sent'),
  Ip6InCEPkts: m('pressure', 'IPv6 packets received marked Congestion Experienced: a queue on the path is building up'),
  // --- ICMP
  IcmpInMsgs: m('traffic', 'ICMP messages received'),
  IcmpOutMsgs: m('traffic', 'ICMP messages sent'),
  Icmp6InMsgs: m('traffic', 'ICMPv6 messages received'),
  Icmp6OutMsgs: m('traffic', 'ICMPv6 messages sent'),
  IcmpInErrors: m('error', 'ICMP messages received with errors (bad checksum, too short)'),
  IcmpInCsumErrors: m('error', 'ICMP messages received with a bad checksum'),
  IcmpInDestUnreachs: m('error', 'ICMP destination unreachable received (port closed, no route, frag needed for PMTU)'),
  IcmpOutDestUnreachs: m('error', 'ICMP destination unreachable sent (e.g. for UDP to a closed port)'),
  IcmpOutErrors: m('error', 'ICMP messages not sent because of errors (no buffer)'),
  IcmpOutRateLimitGlobal: m('drop', 'ICMP messages not sent: global ICMP rate limit (icmp_msgs_per_sec)'),
  IcmpOutRateLimitHost: m('drop', 'ICMP messages not sent: per-host ICMP rate limit (icmp_ratelimit)'),
  Icmp6InErrors: m('error', 'ICMPv6 messages received with errors'),
  Icmp6OutErrors: m('error', 'ICMPv6 messages not sent because of errors'),
  Icmp6InPktTooBigs: m('error', 'ICMPv6 Packet Too Big received: the path MTU is smaller than ours'),
  Icmp6InDestUnreachs: m('error', 'ICMPv6 destination unreachable received'),
  Icmp6OutDestUnreachs: m('error', 'ICMPv6 destination unreachable sent (e.g. for UDP to a closed port)'),
  Icmp6OutRateLimitHost: m('drop', 'ICMPv6 messages not sent: per-host rate limit'),
  // --- TCP (RFC 4022 MIB)
  TcpActiveOpens: m('traffic', 'connections opened by connect() (SYN sent)'),
  TcpPassiveOpens: m('traffic', 'connections accepted by listeners (SYN received and answered)'),
  TcpAttemptFails: m('reset', 'connection attempts that failed: refused (RST to our SYN), timed out, or reset in SYN_RECV'),
  TcpEstabResets: m('reset', 'established connections ended by a reset (sent or received)'),
  TcpCurrEstab: m('gauge', 'connections now ESTABLISHED or CLOSE_WAIT (a value, not a counter)'),
  TcpInSegs: m('traffic', 'TCP segments received, errors included'),
  TcpOutSegs: m('traffic', 'TCP segments sent, retransmissions excluded'),
  TcpRetransSegs: m('retrans', `TCP segments retransmitted; ${SPURIOUS_NOTE}`),
  TcpInErrs: m('error', 'TCP segments received in error (bad checksum, bad header, socket receive-side drops)'),
  TcpOutRsts: m('reset', 'TCP resets sent (to closed ports, aborts, refused connections)'),
  TcpInCsumErrors: m('error', 'TCP segments received with a bad checksum (corruption on the path or a NIC bug)'),
  // --- TcpExt: listen queue and SYN handling
  TcpExtListenOverflows: m('drop', 'handshakes dropped: accept queue full (app not accepting fast enough, or backlog/somaxconn small)'),
  TcpExtListenDrops: m('drop', 'SYNs/ACKs dropped at a listener for any reason, ListenOverflows included'),
  TcpExtTCPReqQFullDrop: m('drop', 'SYNs dropped: SYN queue full and syncookies off (raise tcp_max_syn_backlog or enable syncookies)'),
  TcpExtTCPReqQFullDoCookies: m('pressure', 'SYN cookies sent because the SYN queue was full (flood, or backlog too small)'),
  TcpExtSyncookiesSent: m('pressure', 'SYN cookies sent: a listener\'s SYN queue overflowed'),
  TcpExtSyncookiesRecv: m('traffic', 'valid SYN cookies received back (connections made through cookies, without TCP options)'),
  TcpExtSyncookiesFailed: m('error', 'ACKs whose SYN cookie did not check (stale, or an ACK to an unknown connection)'),
  TcpExtEmbryonicRsts: m('reset', 'resets received for connections in SYN_RECV'),
  TcpExtTCPDeferAcceptDrop: m('drop', 'handshakes dropped by TCP_DEFER_ACCEPT while waiting for data'),
  TcpExtTCPSynRetrans: m('retrans', 'SYN and SYN-ACK retransmissions (SYNs lost or filtered, or the peer\'s queue full)'),
  TcpExtTCPFastOpenListenOverflow: m('drop', 'Fast Open requests refused: TFO queue limit of the listener reached'),
  TcpExtTCPFastOpenActiveFail: m('error', 'Fast Open attempts that fell back (SYN data not acknowledged)'),
  TcpExtTCPFastOpenPassiveFail: m('error', 'Fast Open SYNs received that could not use the data (cookie, memory)'),
  TcpExtTCPFastOpenBlackhole: m('error', 'Fast Open disabled after suspected middlebox blackholing'),
  // --- TcpExt: receive side memory and queues
  TcpExtTCPBacklogDrop: m('drop', 'segments dropped: socket backlog full while the app held the socket lock (rcvbuf+sndbuf)'),
  TcpExtTCPRcvQDrop: m('drop', 'segments dropped: receive queue over rcvbuf and no memory could be had'),
  TcpExtTCPZeroWindowDrop: m('drop', 'segments dropped because our receive window was zero (the app does not read)'),
  TcpExtPruneCalled: m('pressure', 'receive queue over its memory budget: the kernel tried to prune/collapse it (slow reader)'),
  TcpExtRcvPruned: m('drop', 'segments dropped from a receive queue after pruning could not free enough'),
  TcpExtOfoPruned: m('drop', 'out-of-order queue dropped under memory pressure (the sender must resend it)'),
  TcpExtTCPRcvCollapsed: m('pressure', 'segments copied together in a receive queue to save memory (rcvbuf tight)'),
  TcpExtTCPOFOQueue: m('recovery', 'segments received out of order and queued: loss or reordering upstream'),
  TcpExtTCPOFODrop: m('drop', 'out-of-order segments dropped (no memory, or beyond the receive window)'),
  TcpExtTCPOFOMerge: m('recovery', 'out-of-order segments that overlapped queued ones'),
  TcpExtTCPWantZeroWindowAdv: m('pressure', 'the receive buffer was full and we wanted to advertise a zero window'),
  TcpExtTCPToZeroWindowAdv: m('pressure', 'our advertised window went to zero: the receiver cannot keep up'),
  TcpExtTCPFromZeroWindowAdv: m('pressure', 'our advertised window reopened from zero'),
  TcpExtTCPRcvCoalesce: m('traffic', 'segments merged into the previous one in the receive queue (normal, saves memory)'),
  TcpExtTCPBacklogCoalesce: m('traffic', 'segments merged in the socket backlog (normal)'),
  TcpExtPFMemallocDrop: m('drop', 'segments dropped: allocated from emergency reserves for a non-swap socket'),
  TcpExtTCPMinTTLDrop: m('drop', 'segments dropped by IP_MINTTL'),
  TcpExtPAWSEstab: m('drop', 'segments dropped by PAWS: timestamp older than the last seen (old duplicates or wrap)'),
  TcpExtPAWSActive: m('drop', 'SYN-ACKs dropped by PAWS on active opens'),
  TcpExtLockDroppedIcmps: m('drop', 'ICMP errors dropped because the socket was locked by the app'),
  TcpExtOutOfWindowIcmps: m('drop', 'ICMP errors dropped because they referred to data outside the window'),
  TcpExtBusyPollRxPackets: m('traffic', 'packets received by busy polling'),
  // --- TcpExt: memory and aborts
  TcpExtTCPMemoryPressures: m('pressure', 'times TCP entered memory pressure (tcp_mem middle value crossed): buffers shrink'),
  TcpExtTCPMemoryPressuresChrono: m('pressure', 'milliseconds spent under TCP memory pressure'),
  TcpExtTCPAbortOnMemory: m('reset', 'connections killed for lack of memory (tcp_mem hard limit, or too many orphans)'),
  TcpExtTCPAbortOnData: m('reset', 'connections reset because data arrived after the app closed, or was unread at close'),
  TcpExtTCPAbortOnClose: m('reset', 'connections reset at close() with unread received data'),
  TcpExtTCPAbortOnTimeout: m('reset', 'connections dropped after retransmissions ran out (tcp_retries2, SYN retries, keepalive)'),
  TcpExtTCPAbortOnLinger: m('reset', 'connections reset at close() by SO_LINGER'),
  TcpExtTCPAbortFailed: m('error', 'resets that could not be sent (no memory)'),
  TcpExtTCPTimeWaitOverflow: m('drop', 'TIME_WAIT sockets not created: tcp_max_tw_buckets reached'),
  TcpExtTW: m('traffic', 'sockets that finished TIME_WAIT (normal after active closes)'),
  TcpExtTCPWqueueTooBig: m('pressure', 'segments not split for sending because the write queue was too big'),
  // --- TcpExt: loss, retransmission and recovery
  TcpExtTCPLostRetransmit: m('retrans', 'retransmitted segments lost again (heavy loss or a too-early retransmit)'),
  TcpExtTCPFastRetrans: m('retrans', `fast retransmits (SACK/dupack loss detection); ${SPURIOUS_NOTE}`),
  TcpExtTCPSlowStartRetrans: m('retrans', 'retransmits sent while in slow start after a loss'),
  TcpExtTCPTimeouts: m('retrans', 'retransmission timeouts (RTO fired): stalls of 200 ms or more, the costly recovery'),
  TcpExtTCPLossProbes: m('retrans', 'tail loss probes sent (TLP): the last segments were not acknowledged in time'),
  TcpExtTCPLossProbeRecovery: m('recovery', 'losses recovered by a tail loss probe (no RTO needed)'),
  TcpExtTCPRetransFail: m('error', 'retransmissions that could not be sent (local queue full, qdisc drop, no memory)'),
  TcpExtTCPSpuriousRTOs: m('recovery', 'RTOs found to be spurious by F-RTO: the path was slow, not lossy'),
  TcpExtTCPSpuriousRtxHostQueues: m('recovery', 'retransmits skipped: the original was still in a host queue (qdisc/driver slow)'),
  TcpExtTCPDSACKRecvSegs: m('recovery', 'segments the peer received twice (DSACK): those retransmits were spurious; ≈ RetransSegs on veth/loopback is reordering, not loss'),
  TcpExtTCPDSACKRecv: m('recovery', 'DSACK blocks received: the peer got duplicates of our data'),
  TcpExtTCPDSACKOfoRecv: m('recovery', 'DSACKs received for out-of-order duplicates'),
  TcpExtTCPDSACKOldSent: m('recovery', 'DSACKs we sent for data received twice: the peer retransmitted needlessly'),
  TcpExtTCPDSACKOfoSent: m('recovery', 'DSACKs we sent for out-of-order duplicates'),
  TcpExtTCPDSACKIgnoredOld: m('recovery', 'DSACKs ignored: too old to undo anything'),
  TcpExtTCPDSACKIgnoredNoUndo: m('recovery', 'DSACKs ignored: nothing to undo'),
  TcpExtTCPDSACKIgnoredDubious: m('recovery', 'DSACKs ignored as dubious'),
  TcpExtTCPSACKReorder: m('recovery', 'reordering detected through SACK; common and harmless on veth/loopback'),
  TcpExtTCPTSReorder: m('recovery', 'reordering detected through timestamps'),
  TcpExtTCPRenoReorder: m('recovery', 'reordering detected by Reno (no SACK)'),
  TcpExtTCPSackRecovery: m('recovery', 'SACK-based loss recovery episodes started'),
  TcpExtTCPSackRecoveryFail: m('retrans', 'SACK recoveries that ended in an RTO'),
  TcpExtTCPRenoRecovery: m('recovery', 'Reno (no SACK) loss recovery episodes; SACK disabled somewhere?'),
  TcpExtTCPRenoRecoveryFail: m('retrans', 'Reno recoveries that ended in an RTO'),
  TcpExtTCPSackFailures: m('retrans', 'RTOs after SACK recovery failed'),
  TcpExtTCPLossFailures: m('retrans', 'RTOs while already in loss state'),
  TcpExtTCPSACKReneging: m('error', 'the peer reneged on SACKed data (discarded what it had acknowledged)'),
  TcpExtTCPFullUndo: m('recovery', 'recoveries fully undone: the loss was spurious (reordering or delay)'),
  TcpExtTCPPartialUndo: m('recovery', 'recoveries partially undone'),
  TcpExtTCPDSACKUndo: m('recovery', 'recoveries undone thanks to DSACK: the retransmits were spurious'),
  TcpExtTCPLossUndo: m('recovery', 'RTO recoveries undone: the timeout was spurious'),
  TcpExtDelayedACKLost: m('recovery', 'we received data already acknowledged: our (delayed) ACK was lost or late'),
  TcpExtDelayedACKs: m('traffic', 'delayed ACKs sent'),
  TcpExtTCPHPHits: m('traffic', 'data segments handled by the fast path (header prediction)'),
  TcpExtTCPHPAcks: m('traffic', 'ACKs handled by the fast path'),
  TcpExtTCPPureAcks: m('traffic', 'ACKs received that carried no data'),
  TcpExtDelayedACKLocked: m('traffic', 'delayed ACKs postponed because the app held the socket'),
  TcpExtTCPChallengeACK: m('error', 'challenge ACKs sent (RFC 5961) for suspicious RSTs/SYNs'),
  TcpExtTCPSYNChallenge: m('error', 'challenge ACKs sent for SYNs received on established connections'),
  // --- TcpExt: sending, ECN, MTU and the rest
  TcpExtTCPOrigDataSent: m('traffic', 'data segments sent for the first time (divide RetransSegs by it for a ratio)'),
  TcpExtTCPDelivered: m('traffic', 'segments delivered (acknowledged) to the peer'),
  TcpExtTCPDeliveredCE: m('pressure', 'delivered segments the peer echoed as Congestion Experienced (ECN)'),
  TcpExtTCPAutoCorking: m('traffic', 'small writes held back to be merged (tcp_autocorking)'),
  TcpExtTCPKeepAlive: m('traffic', 'keepalive probes sent'),
  TcpExtTCPMTUPFail: m('error', 'path MTU probes that failed'),
  TcpExtTCPMTUPSuccess: m('traffic', 'path MTU probes that succeeded'),
  TcpExtTCPHystartTrainDetect: m('traffic', 'slow starts ended by HyStart ACK-train detection'),
  TcpExtTCPHystartDelayDetect: m('traffic', 'slow starts ended by HyStart delay increase'),
  TcpExtTCPWinProbe: m('pressure', 'zero-window probes sent: the peer\'s receive window was closed'),
  TcpExtTcpTimeoutRehash: m('retrans', 'flow label rehashed after an RTO (IPv6 path change attempt)'),
  TcpExtTcpDuplicateDataRehash: m('recovery', 'flow label rehashed after duplicate data'),
  TcpExtTCPMigrateReqFailure: m('drop', 'requests that could not migrate to another listener (SO_REUSEPORT, tcp_migrate_req)'),
  MPTcpExtMPCurrEstab: m('gauge', 'MPTCP connections now established (a value, not a counter)'),
};

// UDP has the same fields in four groups (Udp, Udp6, UdpLite, UdpLite6).
const UDP: Record<string, CounterMeaning> = {
  InDatagrams: m('traffic', 'datagrams delivered to sockets'),
  OutDatagrams: m('traffic', 'datagrams sent'),
  NoPorts: m('drop', 'datagrams to a port with no socket (answered with ICMP port unreachable)'),
  InErrors: m('drop', 'datagrams not delivered: receive buffer full, bad checksum, no memory (all reasons)'),
  RcvbufErrors: m('drop', 'datagrams dropped: socket receive buffer full (app reads too slowly, or SO_RCVBUF small)'),
  SndbufErrors: m('drop', 'sends that failed: send buffer full or no memory (ENOBUFS/EAGAIN)'),
  InCsumErrors: m('error', 'datagrams received with a bad checksum'),
  IgnoredMulti: m('traffic', 'broadcast/multicast datagrams with no interested socket'),
  MemErrors: m('drop', 'datagrams dropped: UDP memory limit (udp_mem) reached'),
};
for (const g of ['Udp', 'Udp6', 'UdpLite', 'UdpLite6']) {
  for (const [f, v] of Object.entries(UDP)) TABLE[g + f] = g.startsWith('UdpLite') ? m(v.kind, `UDP-Lite: ${v.meaning}`) : v;
}

export const COUNTER_MEANINGS: Readonly<Record<string, CounterMeaning>> = TABLE;

// Per-type ICMP counters (IcmpMsgInType3, Icmp6OutType135) appear once a type is seen.
const ICMP_TYPES: Record<string, string> = {
  0: 'echo reply', 3: 'destination unreachable', 5: 'redirect', 8: 'echo request', 11: 'time exceeded',
};
const ICMP6_TYPES: Record<string, string> = {
  1: 'destination unreachable', 2: 'packet too big', 3: 'time exceeded', 128: 'echo request', 129: 'echo reply',
  133: 'router solicitation', 134: 'router advertisement', 135: 'neighbour solicitation',
  136: 'neighbour advertisement', 143: 'MLDv2 report',
};

export function counterMeaning(name: string): CounterMeaning | undefined {
  const known = TABLE[name];
  if (known) return known;
  const t = /^(IcmpMsg|Icmp6)(In|Out)Type(\d+)$/.exec(name);
  if (t) {
    const what = (t[1] === 'Icmp6' ? ICMP6_TYPES : ICMP_TYPES)[t[3]!] ?? `type ${t[3]}`;
    return m('traffic', `${t[1] === 'Icmp6' ? 'ICMPv6' : 'ICMP'} ${what} messages ${t[2] === 'In' ? 'received' : 'sent'}`);
  }
  return undefined;
}
