// xdp as a library: the XDP programs attached to each interface of a namespace (rtnetlink
// IFLA_XDP: mode and program id; the program's name and tag by its id), and the xdp: tracepoints
// (exceptions such as XDP_ABORTED, redirects and their errors, XDP_TX and devmap batches, cpumap
// queues) counted in the kernel per event, program, action, device and error, read per interval;
// or one event each (XDP_EVENTS). cli.ts only renders.
import { structDecoder } from '../../core/bpf/struct.js';
import { progInfoById, type ProgInfo } from '../../core/bpf/proginfo.js';
import { NetdxError, errnoName } from '../../core/errors.js';
import type { EventSpec } from '../../core/kit/events.js';
import type { CommonFilter } from '../../core/kit/filter.js';
import { startInterval, type IntervalProbe, type IntervalSpec } from '../../core/kit/interval.js';
import type { Variant } from '../../core/kit/load.js';
import { devRodata } from '../../core/kit/dev.js';
import { dumpLinks, xdpPrograms } from '../../core/netlink/rtnl.js';
import { netnsLabel, resolveNetns, type NetnsRef } from '../../core/netns.js';
import { xdp_event, xdp_key, xdp_val } from './xdp.h.js';

/** One XDP program on one interface. */
export interface XdpAttachment {
  ifindex: number;
  dev: string;
  /** driver (native), generic (skb), offload (hw). */
  mode: 'driver' | 'generic' | 'offload';
  prog_id: number;
  /** The program's name and tag ('' when it was unloaded between the two reads). */
  name: string;
  tag: string;
  /** Runs and run time since load: counted only while BPF statistics are on (else 0). */
  run_count: number;
  run_time_ns: number;
}

/** The XDP programs attached in a namespace (default: this process's), in ifindex order. */
export function listXdp(netns?: NetnsRef, iface?: string): XdpAttachment[] {
  const out: XdpAttachment[] = [];
  const links = dumpLinks(netns);
  if (iface !== undefined && !links.some((l) => l.name === iface)) {
    throw new NetdxError('E_NOT_FOUND', `finding interface ${iface}: none in ${netns ? netnsLabel(netns) : 'this network namespace'}`);
  }
  for (const l of links) {
    if (iface !== undefined && l.name !== iface) continue;
    for (const p of xdpPrograms(l.xdp)) {
      const info = progInfoById(p.progId);
      out.push({
        ifindex: l.ifindex, dev: l.name, mode: p.mode, prog_id: p.progId, name: info?.name ?? '', tag: info?.tag ?? '',
        run_count: Number(info?.runCount ?? 0n), run_time_ns: Number(info?.runTimeNs ?? 0n),
      });
    }
  }
  return out;
}

/** The tracepoints, in the order of XDP_EV_* (bpf/include/netdx_xdp.h). */
export const XDP_EVENT_NAMES = ['exception', 'redirect', 'redirect_err', 'bulk_tx', 'devmap_xmit', 'cpumap_enqueue', 'cpumap_kthread'] as const;
export type XdpEventName = (typeof XDP_EVENT_NAMES)[number];
const ACTIONS = ['ABORTED', 'DROP', 'PASS', 'TX', 'REDIRECT'];

/** enum xdp_action by name (the tracepoints' own names), a number beyond them as it is. */
export function xdpActionName(act: number): string {
  return ACTIONS[act] ?? String(act);
}

/** What the xdp: tracepoints saw of one kind, per interval (or one event). */
export interface XdpCount {
  event: XdpEventName;
  /** The XDP program (0: the event names none: bulk_tx, devmap_xmit, cpumap). */
  prog_id: number;
  action: string;
  /** The device's namespace inode (0: the event names no device: cpumap). */
  netns: number;
  ifindex: number;
  dev: string;
  /** Where it went: to_ifindex (redirect, devmap_xmit), the CPU (cpumap); 0 when none. */
  target: number;
  /** The error's name (EINVAL, ENETDOWN...), '' when none. */
  err: string;
  map_id: number;
  /** Tracepoint hits. */
  events: number;
  /** Frames sent (bulk_tx, devmap_xmit) or processed (cpumap), and dropped. */
  sent: number;
  drops: number;
}

export interface XdpEvent extends XdpCount {
  /** CLOCK_MONOTONIC ns. */
  ts_ns: number;
  cpu: number;
}

export interface XdpReport {
  seconds: number;
  /** The XDP programs attached when the interval ended, in the namespace of --netns (or ours). */
  programs: XdpAttachment[];
  /** The interval's counts, most events first. */
  counts: XdpCount[];
}

/** What the tool's options mean to the library: the namespace and interface to show. */
export interface XdpOptions {
  /** A namespace name or path: the listing's (the kernel filter is CommonFilter.netns). */
  netns?: string;
  interface?: string;
}

const key = structDecoder(xdp_key);
const ev = structDecoder(xdp_event);
const view = (b: Buffer) => new DataView(b.buffer, b.byteOffset, b.length);

function countOf(k: ReturnType<typeof key> | ReturnType<typeof ev>): Omit<XdpCount, 'events' | 'sent' | 'drops'> {
  return {
    event: XDP_EVENT_NAMES[k.event] ?? (`event ${k.event}` as XdpEventName), prog_id: k.prog_id, action: xdpActionName(k.act),
    netns: k.netns, ifindex: k.ifindex, dev: k.dev, target: k.target, err: k.err ? errnoName(k.err) : '', map_id: k.map_id,
  };
}

/** raw_tp first (any kernel since 4.17), then tp_btf; the exception event is required, the others optional. */
const variants = (['raw', 'btf'] as const).map((k): Variant => ({
  via: k === 'raw' ? 'raw_tp' : 'tp_btf',
  programs: [`xdp_exception_${k}`],
  optional: XDP_EVENT_NAMES.slice(1).map((e) => `xdp_${e}_${k}`),
}));

const BASE = { object: 'xdp', hooks: ['raw_tracepoint', 'tp_btf'], filters: ['netns'], variants } as const;

export const XDP: IntervalSpec<XdpReport, XdpOptions> = {
  name: 'xdp',
  ...BASE,
  rodata: (opts) => devRodata(opts ?? {}),
  collect(obj, seconds, opts) {
    const m = obj.map('counts');
    const counts: XdpCount[] = m.drain().map(([kb, vb]) => ({
      ...countOf(key(view(kb), 0)),
      events: Number(m.sumU64(vb, xdp_val.fields.events.off)),
      sent: Number(m.sumU64(vb, xdp_val.fields.sent.off)),
      drops: Number(m.sumU64(vb, xdp_val.fields.drops.off)),
    }));
    counts.sort((a, b) => b.events - a.events || a.ifindex - b.ifindex);
    const programs = listXdp(opts?.netns !== undefined ? resolveNetns(opts.netns) : undefined, opts?.interface);
    return { seconds, programs, counts };
  },
};

export const XDP_EVENTS: EventSpec<XdpEvent, XdpOptions> = {
  name: 'xdp',
  ...BASE,
  rodata: (opts) => ({ ...devRodata(opts ?? {}), emit_events: true }),
  decode(dv, off) {
    const e = ev(dv, off);
    return { ...countOf(e), events: 1, sent: e.sent, drops: e.drops, ts_ns: e.ts_ns, cpu: e.cpu };
  },
};

/** Starts counting (attached when this returns); sample() reads and resets one interval. */
export function startXdp(filter: CommonFilter = {}, opts: XdpOptions & { via?: 'raw_tp' | 'tp_btf' } = {}): IntervalProbe<XdpReport, XdpOptions> {
  return startInterval(XDP, { filter, via: opts.via, options: opts });
}

/** A program's name by id, cached (events name programs by id only). */
const names = new Map<number, string>();
export function progName(id: number): string {
  if (!id) return '';
  let n = names.get(id);
  if (n === undefined) {
    let info: ProgInfo | undefined;
    try { info = progInfoById(id); } catch { /* unloaded, or not ours to read */ }
    n = info?.name ?? '';
    names.set(id, n);
  }
  return n;
}
