// The drop tools' common parts (bpf/include/netdx_drop.h): reason names and the --reason mask from
// the running kernel's BTF, drop locations named from /proc/kallsyms, protocol names, socket
// owners by inode, and the SYNs refused on a full accept queue (per listening port) turned into
// the pseudo-reason TCP_LISTEN_OVERFLOW_SYN.
import { kernelEnum, kernelEnumName } from '../bpf/btf.js';
import type { BpfObject, RodataValue } from '../bpf/object.js';
import { NetdxError } from '../errors.js';
import { kallsymsSpan, readKallsyms } from '../proc/kallsyms.js';
import { socketOwners } from '../proc/owners.js';

const ENUM = 'skb_drop_reason';
const PREFIX = 'SKB_DROP_REASON_';

/**
 * The pseudo-reason of a SYN refused because the listener's accept queue was full: the kernel
 * counts it in TcpExtListenOverflows and consumes the SYN (no drop event); its final-ACK twin is
 * the real reason TCP_LISTEN_OVERFLOW.
 */
export const LISTEN_OVERFLOW_SYN = 'TCP_LISTEN_OVERFLOW_SYN';
/** Where the kernel refuses that SYN (it counts ListenOverflows there). */
export const LISTEN_OVERFLOW_SYN_AT = 'tcp_conn_request';

/** A drop reason's name in this kernel (NETFILTER_DROP, NO_SOCKET...); 'reason N' if unnamed. */
export function dropReasonName(n: number): string {
  return kernelEnumName(ENUM, PREFIX, n);
}

/** This kernel's drop reasons by name (without the prefix; SKB_CONSUMED and the enum's end left out). */
export function dropReasons(): Map<string, number> {
  const out = new Map<string, number>();
  for (const [n, name] of kernelEnum(ENUM)) {
    const s = name.startsWith(PREFIX) ? name.slice(PREFIX.length) : name;
    if (s !== 'MAX' && s !== 'CONSUMED' && s !== 'SUBSYS_MASK') out.set(s, n);
  }
  return out;
}

/**
 * The rodata of --reason: NAMES checked against this kernel's enum (a typo is an error naming a
 * few of the known ones), as a 256-bit mask; `pseudo` names accepted beside them. Which of the
 * pseudo names were asked is returned too.
 */
export function reasonFilter(flag: string, names: readonly string[] | undefined, pseudo: readonly string[] = []):
  { rodata: Record<string, RodataValue>; pseudo: Set<string>; any: boolean } {
  if (!names?.length) return { rodata: {}, pseudo: new Set(pseudo), any: false };
  const known = dropReasons();
  const mask = Buffer.alloc(32);
  const asked = new Set<string>();
  for (const raw of names) {
    const name = raw.toUpperCase().replace(/^SKB_DROP_REASON_/, '');
    if (pseudo.includes(name)) { asked.add(name); continue; }
    const n = known.get(name);
    if (n === undefined) {
      const near = [...known.keys()].filter((k) => k.includes(name.split('_')[0]!)).slice(0, 4);
      throw new NetdxError('E_USAGE', `parsing ${flag}: no drop reason ${raw} in this kernel${near.length ? ` (${near.join(', ')}, ...)` : ''}`);
    }
    if (n >= 256) throw new NetdxError('E_USAGE', `parsing ${flag}: reason ${name} (${n}) is beyond the 256 a filter holds`);
    mask[n >> 3]! |= 1 << (n & 7);
  }
  return { rodata: { filter_reasons: 1, reason_mask: mask }, pseudo: asked, any: true };
}

/** Locations already named: a drop storm comes from a few places, each looked up once. */
const places = new Map<bigint, string>();

/** "function+0xoff" for kernel addresses (one pass over /proc/kallsyms for the new ones). */
export function dropPlaces(addrs: Iterable<bigint>): (addr: bigint) => string {
  const fresh = [...new Set(addrs)].filter((a) => !places.has(a));
  if (fresh.length) {
    const syms = readKallsyms(fresh);
    for (const a of fresh) places.set(a, syms?.symbolize(a) ?? `0x${a.toString(16)}`);
  }
  return (a) => places.get(a) ?? `0x${a.toString(16)}`;
}

const ETHERTYPES: Record<number, string> = {
  0x0800: 'IPv4', 0x86dd: 'IPv6', 0x0806: 'ARP', 0x8100: '802.1Q', 0x88a8: '802.1ad', 0x8847: 'MPLS', 0x88cc: 'LLDP', 0x8864: 'PPPoE',
  0x0003: 'ETH_P_ALL', 0x0004: '802.2', 0x0019: 'CAN', 0x00f5: 'MCTP',
};
const IPPROTOS: Record<number, string> = { 1: 'icmp', 2: 'igmp', 6: 'tcp', 17: 'udp', 41: 'ipv6', 47: 'gre', 58: 'icmp6', 132: 'sctp', 136: 'udplite' };

/** An ethertype's name ('IPv4', 'ARP'; 0x.... for others; '-' for 0). */
export function ethertypeName(p: number): string {
  return ETHERTYPES[p] ?? (p ? `0x${p.toString(16).padStart(4, '0')}` : '-');
}

/** An IP protocol's name ('tcp', 'udp'; its number for others; '' for 0). */
export function ipprotoName(p: number): string {
  return IPPROTOS[p] ?? (p ? String(p) : '');
}

/** A socket as a drop names it: the owner cache's (tgid 0: none) and the socket's inode (0: none). */
export interface DropSock { tgid: number; comm: string; ino: number }
export type Owner = { pid: number; comm: string } | undefined;

/**
 * The owners of drops' sockets. The owner cache is keyed by the socket's address, which a freed
 * socket passes on to the next one (a UDP socket that never sends or reads is never written
 * there): its owner counts when that process holds the inode (/proc/PID/fd). Otherwise the inode
 * is looked for in one walk of /proc; when no process holds it any more (the socket is closed, its
 * process gone), the cache's word stands. `memo` keeps answers across calls (an event tool's run).
 */
export function dropOwners(socks: readonly DropSock[], memo = new Map<string, Owner>()): Owner[] {
  const held = new Map<number, Map<number, unknown>>();
  let all: Map<number, Array<{ pid: number; comm: string }>> | undefined;
  return socks.map(({ tgid, comm, ino }) => {
    const id = `${tgid}/${ino}`;
    if (memo.has(id)) return memo.get(id);
    const cached: Owner = tgid ? { pid: tgid, comm } : undefined;
    let o = cached;
    if (ino) {
      if (tgid && !held.has(tgid)) held.set(tgid, socketOwners(tgid));
      if (!tgid || !held.get(tgid)!.has(ino)) {
        all ??= socketOwners();
        const p = all.get(ino)?.[0];
        if (p) o = { pid: p.pid, comm: p.comm };
      }
    }
    memo.set(id, o);
    return o;
  });
}

/** The rodata that turns on the SYN-path count: tcp_rcv_state_process's text (off when hidden). */
export function synqRodata(on: boolean): Record<string, RodataValue> {
  const span = on ? kallsymsSpan('tcp_rcv_state_process') : undefined;
  return { netdx_syn_consume_lo: span?.[0] ?? 0n, netdx_syn_consume_hi: span?.[1] ?? 0n };
}

/** A listening port's SYNs refused on a full accept queue in one interval. */
export interface SynRefusals { netns: number; family: 4 | 6; lport: number; count: number }

/**
 * Drains the per-port SYN counts (map netdx_synq) into refusals: SYNs a listener consumed minus
 * the first SYN-ACKs it sent (all sent minus retransmits). Ports with none are left out.
 */
export function drainSynRefusals(obj: BpfObject): SynRefusals[] {
  const out: SynRefusals[] = [];
  for (const [kb, vb] of obj.map('netdx_synq').drain()) {
    // struct netdx_synq_key { u32 netns; u16 lport, family }, netdx_synq_val { u64 syns, synacks, retrans }
    const [syns, synacks, retrans] = [0, 8, 16].map((o) => Number(vb.readBigUInt64LE(o))) as [number, number, number];
    const count = syns - (synacks - retrans);
    if (count > 0) out.push({ netns: kb.readUInt32LE(0), family: kb.readUInt16LE(6) === 10 ? 6 : 4, lport: kb.readUInt16LE(4), count });
  }
  return out;
}
