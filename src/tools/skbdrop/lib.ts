// skbdrop as a library: the packets the kernel drops, any protocol, by the kernel's reason (named
// from its BTF) and the place that dropped them (/proc/kallsyms), with the namespace, local port
// and owner where a socket is known: aggregated in the kernel and read per interval (with the
// SYNs refused on a full accept queue as the pseudo-reason TCP_LISTEN_OVERFLOW_SYN), or one event
// per drop. The doctor and tests call startSkbDrop()/startEvents(SKBDROP_EVENTS); cli.ts renders.
import { formatAddr } from '../../core/addr.js';
import { structDecoder } from '../../core/bpf/struct.js';
import { NetdxError } from '../../core/errors.js';
import {
  dropPlaces, dropReasonName, drainSynRefusals, ethertypeName, ipprotoName, LISTEN_OVERFLOW_SYN, LISTEN_OVERFLOW_SYN_AT,
  dropOwners, type Owner, reasonFilter, synqRodata,
} from '../../core/kit/drop.js';
import type { EventSpec } from '../../core/kit/events.js';
import type { CommonFilter } from '../../core/kit/filter.js';
import { startInterval, type IntervalProbe, type IntervalSpec } from '../../core/kit/interval.js';
import type { Variant } from '../../core/kit/load.js';
import { ownerIoPrograms, ownerPrograms } from '../../core/kit/owner.js';
import { skbdrop_event, skbdrop_key, skbdrop_val } from './skbdrop.h.js';

/** One row of the summary: drops of one reason at one place, protocol, namespace, port and owner. */
export interface SkbDrop {
  /** The name in this kernel's enum skb_drop_reason without its prefix (NO_SOCKET, ...), or the
   * pseudo-reason TCP_LISTEN_OVERFLOW_SYN. */
  reason: string;
  count: number;
  /** "function+0xoff" from /proc/kallsyms (for the pseudo-reason: tcp_conn_request). */
  location: string;
  /** The ethertype's name: IPv4, IPv6, ARP, ... */
  protocol: string;
  /** tcp, udp, icmp, ... ('' not IP). */
  ipproto: string;
  family: 0 | 4 | 6;
  netns: number;
  /** The socket's local port, else the packet's destination port (0: none). */
  lport: number;
  /** The socket's owner (0: no socket, or not known). */
  pid: number;
  comm: string;
  /** A socket was known (rx_sk, or the packet's own). */
  socket: boolean;
}

/** The drops of one reason at one place of one protocol (the JSON's unit), with where they fell. */
export interface SkbDropGroup extends Pick<SkbDrop, 'reason' | 'location' | 'protocol' | 'count'> {
  /** Most first: each namespace, port and owner with its part of `count`. */
  places: Array<Omit<SkbDrop, 'reason' | 'location' | 'protocol'>>;
}

/** The rows grouped by (reason, location, protocol), most drops first. */
export function groupDrops(rows: readonly SkbDrop[]): SkbDropGroup[] {
  const groups = new Map<string, SkbDropGroup>();
  for (const { reason, location, protocol, count, ...place } of rows) {
    const id = `${reason}\0${location}\0${protocol}`;
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { reason, location, protocol, count: 0, places: [] }));
    g.count += count;
    g.places.push({ ...place, count });
  }
  const out = [...groups.values()];
  for (const g of out) g.places.sort((x, y) => y.count - x.count);
  return out.sort((x, y) => y.count - x.count || x.reason.localeCompare(y.reason) || x.location.localeCompare(y.location));
}

export interface SkbDropReport {
  seconds: number;
  /** Most first. */
  drops: SkbDrop[];
}

export interface SkbDropEvent extends Omit<SkbDrop, 'count'> {
  /** CLOCK_MONOTONIC ns. */
  ts_ns: number;
  /** The packet's ends ('' when not IP; ports 0 when not TCP or UDP). */
  saddr: string;
  sport: number;
  daddr: string;
  dport: number;
  /** The device it was on (skb->dev), '' none. */
  dev: string;
}

/** The tool's own options, as the CLI parses them (library callers pass the same). */
export type SkbDropOptions = { readonly pid?: number; readonly reason?: readonly string[]; readonly syn?: boolean } & Record<string, unknown>;

export type SkbDropVia = 'raw_tp' | 'tracepoint' | 'tp_btf';

const key = structDecoder(skbdrop_key);
const val = structDecoder(skbdrop_val);
const view = (b: Buffer) => new DataView(b.buffer, b.byteOffset, b.length);
const fam = (f: number): 0 | 4 | 6 => (f === 2 ? 4 : f === 10 ? 6 : 0);

type Key = ReturnType<typeof key>;

/** A row's fields from its key; `at`: the location (every bit of an address matters: not through a number). */
function rowOf(k: Key, at: string, owner: Owner): Omit<SkbDrop, 'count'> {
  return {
    reason: dropReasonName(k.reason), location: at, protocol: ethertypeName(k.protocol),
    ipproto: ipprotoName(k.ipproto), family: fam(k.family), netns: k.netns, lport: k.lport,
    pid: owner?.pid ?? 0, comm: owner?.comm ?? '', socket: k.has_sk === 1,
  };
}

/** The kernel counts per socket: one row per owner (the same fields but the count). */
export function mergeRows(rows: readonly SkbDrop[]): SkbDrop[] {
  const out = new Map<string, SkbDrop>();
  for (const r of rows) {
    const id = `${r.reason}\0${r.location}\0${r.protocol}\0${r.ipproto}\0${r.family}\0${r.netns}\0${r.lport}\0${r.pid}\0${r.comm}\0${r.socket}`;
    const m = out.get(id);
    if (m) m.count += r.count;
    else out.set(id, { ...r });
  }
  return [...out.values()];
}

/** tp_btf first: the drop program reads skb and socket fields by plain loads there (bench/packets). */
function variants(withSyn: boolean): Variant[] {
  return (['btf', 'raw', 'tp'] as const).map((k) => ({
    via: { raw: 'raw_tp', tp: 'tracepoint', btf: 'tp_btf' }[k],
    programs: [`skbdrop_drop_${k}`, `skbdrop_state_${k}`, ...ownerPrograms('skbdrop'),
      ...(withSyn ? [`skbdrop_syn_${k}`, `skbdrop_synack_${k}`, `skbdrop_synrtx_${k}`] : [])],
    optional: ownerIoPrograms('skbdrop', k),
  }));
}

/**
 * The SYN-path count runs when asked (--syn, or --reason naming the pseudo-reason): its two
 * programs run on every packet consumed and every packet sent, which costs more than counting
 * the drops themselves (bench/packets).
 */
function synAsked(o: SkbDropOptions): boolean {
  if (o.syn) return true;
  return reasonFilter('--reason', o.reason, [LISTEN_OVERFLOW_SYN]).pseudo.size > 0 && !!o.reason?.length;
}

const COMMON = {
  object: 'skbdrop',
  hooks: ['raw_tracepoint', 'syscall_tracepoint'] as const,
  filters: ['pid', 'lport', 'family', 'netns'] as const,
};

export const SKBDROP: IntervalSpec<SkbDropReport, SkbDropOptions> = {
  name: 'skbdrop',
  ...COMMON,
  variants: variants(true),
  unused: (o) => new Set(synAsked(o) ? [] : (['raw', 'tp', 'btf'] as const).flatMap((k) => [`skbdrop_syn_${k}`, `skbdrop_synack_${k}`, `skbdrop_synrtx_${k}`])),
  rodata: (o) => ({ events_mode: false, ...reasonFilter('--reason', o.reason, [LISTEN_OVERFLOW_SYN]).rodata, ...synqRodata(synAsked(o)) }),
  collect(obj, seconds, opts) {
    const rows = obj.map('drops').drain().map(([k, v]) => ({ k: key(view(k), 0), at: k.readBigUInt64LE(skbdrop_key.fields.location.off), v: val(view(v), 0) }));
    const place = dropPlaces(rows.map((r) => r.at));
    const owners = dropOwners(rows.map(({ v }) => ({ tgid: v.tgid, comm: v.comm, ino: Number(v.ino) })));
    const drops = mergeRows(rows.map(({ k, at, v }, i) => ({ ...rowOf(k, place(at), owners[i]), count: Number(v.count) })));
    for (const s of drainSynRefusals(obj)) {
      drops.push({
        reason: LISTEN_OVERFLOW_SYN, location: LISTEN_OVERFLOW_SYN_AT, protocol: s.family === 6 ? 'IPv6' : 'IPv4',
        ipproto: 'tcp', family: s.family, netns: s.netns, lport: s.lport, pid: 0, comm: '', socket: true, count: s.count,
      });
    }
    const kept = opts?.pid ? drops.filter((d) => d.pid === opts.pid) : drops;
    kept.sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason) || a.lport - b.lport);
    return { seconds, drops: kept };
  },
};

const event = structDecoder(skbdrop_event);
/** Owners found in /proc, kept for the run: a socket that drops once usually drops again. */
const seen = new Map<string, Owner>();

export function decodeSkbDrop(dv: DataView, off: number): SkbDropEvent {
  const e = event(dv, off);
  const k = key(dv, off);
  const family = fam(e.family);
  const addr = (b: Uint8Array) => (family ? formatAddr(family, b) : '');
  const at = dv.getBigUint64(off + skbdrop_event.fields.location.off, true);
  return {
    ts_ns: e.ts_ns, ...rowOf(k, dropPlaces([at])(at), dropOwners([{ tgid: e.tgid, comm: e.comm, ino: Number(e.ino) }], seen)[0]),
    saddr: addr(e.saddr), sport: e.sport, daddr: addr(e.daddr), dport: e.dport, dev: e.dev,
  };
}

/** --events: one record per drop (the SYN-path refusals have no event and are not counted). */
export const SKBDROP_EVENTS: EventSpec<SkbDropEvent, SkbDropOptions> = {
  name: 'skbdrop',
  ...COMMON,
  hooks: [...COMMON.hooks, 'ringbuf'],
  variants: variants(false),
  rodata(o) {
    const f = reasonFilter('--reason', o.reason, [LISTEN_OVERFLOW_SYN]);
    if (f.any && f.pseudo.size) throw new NetdxError('E_USAGE', `parsing --reason: ${LISTEN_OVERFLOW_SYN} has no event of its own (the summary counts it)`);
    if (o.syn) throw new NetdxError('E_USAGE', `parsing --syn: a refused SYN has no event of its own (the summary counts it)`);
    return { events_mode: true, ...f.rodata };
  },
  decode: decodeSkbDrop,
};

/** Starts aggregating (attached when this returns); sample() reads and resets one interval. */
export function startSkbDrop(filter: CommonFilter = {}, opts: { via?: SkbDropVia; reason?: readonly string[]; syn?: boolean } = {}): IntervalProbe<SkbDropReport, SkbDropOptions> {
  return startInterval(SKBDROP, { filter, options: { pid: filter.pid, reason: opts.reason, syn: opts.syn }, via: opts.via });
}
