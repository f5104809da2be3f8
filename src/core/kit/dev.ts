// The TS side of bpf/include/netdx_dev.h: the -I/--interface option of the per-device tools
// (qdisclat, netsize, nettxlat, napi, netqtop, xdp), resolved to an ifindex in the namespace it names (--netns, or
// netdx's own) and set as the objects' filter_ifindex/filter_ifnetns; their ways to attach
// (PREFIX_EVENT_raw, _tp, _btf) and their probe definition.
import type { BpfObject } from '../bpf/object.js';
import { structDecoder, type Decoded, type StructLayout } from '../bpf/struct.js';
import { NetdxError } from '../errors.js';
import { dumpLinks } from '../netlink/rtnl.js';
import { ownNetns, resolveNetns, type NetnsRef } from '../netns.js';
import type { OptionSpecs } from '../tool.js';
import type { IntervalSpec } from './interval.js';
import type { Variant } from './load.js';

/** -I NAME: one interface. */
export const INTERFACE_OPTION = {
  interface: { type: 'string', short: 'I', arg: 'IFACE', help: 'only this interface (of --netns\'s namespace, or netdx\'s own)' },
} as const satisfies OptionSpecs;

/** The options of a device tool as a library takes them (the CLI's parsed flags have the same names). */
export interface DevOptions {
  /** Only this interface, by name. */
  interface?: string;
  /** The namespace the name is looked up in (a name under /run/netns, or a path): --netns's. */
  netns?: string;
}

/** The namespace a device tool reads netlink in: --netns's, else netdx's own. */
export function devNetns(o: DevOptions): NetnsRef {
  return o.netns ? resolveNetns(o.netns) : ownNetns();
}

/** The rodata of the interface filter: the interface's index in its namespace (none: 0, 0). */
export function devRodata(o: DevOptions): { filter_ifindex: number; filter_ifnetns: number } {
  if (o.interface === undefined) return { filter_ifindex: 0, filter_ifnetns: 0 };
  const ns = devNetns(o);
  const link = dumpLinks(ns).find((l) => l.name === o.interface);
  if (!link) {
    throw new NetdxError('E_USAGE', `finding interface ${o.interface}: no such interface in ${o.netns ? `network namespace ${o.netns}` : 'this network namespace'}`);
  }
  return { filter_ifindex: link.ifindex, filter_ifnetns: ns.inode };
}

/** The ways to attach, by name (a test or library caller may force one). */
export const DEV_VIAS = ['raw_tp', 'tracepoint', 'tp_btf'] as const;
export type DevVia = (typeof DEV_VIAS)[number];

/**
 * Variants for `prefix`'s programs on `events` (PREFIX_EVENT_raw, _tp, _btf): raw_tp first (quick
 * to load), then the classic tracepoint, then tp_btf; `btfFirst`: tp_btf first, for programs that
 * read the packet's and device's fields with plain loads there (NETDX_NET_DEV_PROGRAMS_D).
 */
export function devVariants(prefix: string, events: readonly string[], btfFirst = false): Variant[] {
  return (btfFirst ? ['btf', 'raw', 'tp'] as const : ['raw', 'tp', 'btf'] as const).map((k) => ({
    via: { raw: 'raw_tp', tp: 'tracepoint', btf: 'tp_btf' }[k],
    programs: events.map((e) => `${prefix}_${e}_${k}`),
  }));
}

/**
 * A per-device interval tool: its object and programs are named `name`, on `events`; it applies
 * the namespace filter and -I (packets carry no process or socket that matters at a device);
 * `more.rodata` adds the tool's own read-only config to -I's.
 */
export function devSpec<R, O extends DevOptions>(name: string, events: readonly string[], collect: IntervalSpec<R, O>['collect'],
  more: Partial<IntervalSpec<R, O>> = {}): IntervalSpec<R, O> {
  return {
    name, object: name, hooks: ['raw_tracepoint'], filters: ['netns'], variants: devVariants(name, events), collect, ...more,
    rodata: (o) => ({ ...devRodata(o), ...(more.rodata?.(o) ?? {}) }),
  };
}

/**
 * Reads and deletes every entry of a per-CPU aggregate map: each key with its value in every
 * possible CPU's slot, decoded by the layouts.
 */
export function drainPerCpu<K extends StructLayout, V extends StructLayout>(obj: BpfObject, name: string, key: K, val: V): Array<{ k: Decoded<K>; slots: Array<Decoded<V>> }> {
  const map = obj.map(name);
  const dk = structDecoder(key), dv = structDecoder(val);
  const view = (b: Buffer) => new DataView(b.buffer, b.byteOffset, b.length);
  return map.drain().map(([kb, vb]) => ({ k: dk(view(kb), 0), slots: map.perCpuValues(vb).map((s) => dv(view(s), 0)) }));
}
