// The common parts of the BPF tools that count per device (napi, netqtop; bpf/include/netdx_napi.h):
// their ways to attach, and -I/--interface: the interface named, in --netns's namespace or this
// process's, as the (namespace inode, ifindex) pair their programs compare. Names are per
// namespace: eth0 here is not eth0 in a container, so -I always means one device of one namespace.
import type { BpfObject, RodataValue } from '../bpf/object.js';
import { structDecoder, type Decoded, type StructLayout } from '../bpf/struct.js';
import type { Variant } from './load.js';
import { NetdxError } from '../errors.js';
import { dumpLinks } from '../netlink/rtnl.js';
import { ownNetns, resolveNetns } from '../netns.js';
import type { OptionSpecs } from '../tool.js';

export const INTERFACE_OPTION = {
  interface: { type: 'string', short: 'I', arg: 'IFACE', help: 'only this interface (of --netns\'s namespace, or this one)' },
} as const satisfies OptionSpecs;

export interface DeviceOptions {
  /** One interface, by name. */
  interface?: string;
  /**
   * The namespace the name is in (a name under /run/netns, or a path); default this process's.
   * With `interface`, it is also the namespace the programs keep (over a filter's `netns`).
   */
  netns?: string;
}

/** The rodata of -I: filter_ifindex, and filter_netns for the namespace the name was found in. */
export function deviceRodata(o: DeviceOptions): Record<string, RodataValue> {
  if (o.interface === undefined) return {};
  const ns = o.netns !== undefined ? resolveNetns(o.netns) : ownNetns();
  const link = dumpLinks(ns).find((l) => l.name === o.interface);
  if (!link) {
    throw new NetdxError('E_NOT_FOUND', `finding interface ${o.interface}: no such interface in ${o.netns !== undefined ? `network namespace ${o.netns}` : 'this network namespace'}`);
  }
  return { filter_ifindex: link.ifindex, filter_netns: ns.inode };
}

export type DeviceVia = 'raw_tp' | 'tracepoint' | 'tp_btf';

/**
 * Variants for `prefix`: raw_tp first (cheapest, quick to load), the classic tracepoint, tp_btf
 * last (it parses the kernel's whole BTF); each loads `prefix_HOOK_K` for each of `hooks` (K: raw,
 * tp, btf).
 */
export function deviceVariants(prefix: string, hooks: readonly string[]): Variant[] {
  return (['raw', 'tp', 'btf'] as const).map((k) => ({
    via: ({ raw: 'raw_tp', tp: 'tracepoint', btf: 'tp_btf' } as const)[k],
    programs: hooks.map((h) => `${prefix}_${h}_${k}`),
  }));
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
