// The ways to attach a tool built on NETDX_SOCKIO_PROGRAMS (bpf/include/netdx_sockio.h): the
// send and receive programs on sock:sock_send_length/sock_recv_length (Linux 6.3+), tp_btf first
// (the socket's fields are plain loads: ~100 ns less per call than through
// bpf_probe_read_kernel, bench/toolbox/breakdown.sh), then raw_tp, then the classic tracepoint.
import type { HookName } from '../bpf/features.js';
import type { BpfObject } from '../bpf/object.js';
import { structDecoder, type Decoded, type StructLayout } from '../bpf/struct.js';
import type { IntervalSpec } from './interval.js';
import type { Variant } from './load.js';

/** The ways to attach, by name (a test or library caller may force one). */
export const SOCKIO_VIAS = ['tp_btf', 'raw_tp', 'tracepoint'] as const;
export type SockioVia = (typeof SOCKIO_VIAS)[number];

export const SOCKIO_HOOKS: readonly HookName[] = ['tp_btf'];

/** Variants for `prefix`'s send and receive programs, each with the tool's other programs. */
export function sockioVariants(prefix: string, others: readonly string[] = []): Variant[] {
  return (['btf', 'raw', 'tp'] as const).map((k) => ({
    via: { raw: 'raw_tp', tp: 'tracepoint', btf: 'tp_btf' }[k],
    programs: [`${prefix}_send_${k}`, `${prefix}_recv_${k}`, ...others],
  }));
}

/** The one way to attach NETDX_SOCKCALL_PROGRAMS(prefix): connect, accept and accept4, entry and exit. */
export function sockcallVariant(prefix: string): Variant {
  return { via: 'tracepoint', programs: ['connect', 'accept', 'accept4'].flatMap((c) => [`${prefix}_${c}_enter`, `${prefix}_${c}_exit`]) };
}

/** IP protocol numbers as the tools show them. */
export function protocolName(p: number): string {
  return p === 6 ? 'TCP' : p === 17 ? 'UDP' : `proto${p}`;
}

/**
 * An interval tool on NETDX_SOCKIO_PROGRAMS: its object and programs are named `name`, it applies
 * every shared filter (the calls run in the caller's process, with the socket at hand), and
 * `collect` drains its maps.
 */
export function sockioSpec<R, O>(name: string, collect: IntervalSpec<R, O>['collect'], more: Partial<IntervalSpec<R, O>> = {}): IntervalSpec<R, O> {
  return {
    name, object: name, hooks: SOCKIO_HOOKS, variants: sockioVariants(name),
    filters: ['pid', 'lport', 'rport', 'family', 'netns', 'cgroup'], collect, ...more,
  };
}

/** Reads and deletes every entry of an aggregate map, decoded by the key's and value's layouts. */
export function drainAggregates<K extends StructLayout, V extends StructLayout>(obj: BpfObject, map: string, key: K, val: V): Array<{ k: Decoded<K>; v: Decoded<V> }> {
  const dk = structDecoder(key), dv = structDecoder(val);
  const view = (b: Buffer) => new DataView(b.buffer, b.byteOffset, b.length);
  return obj.map(map).drain().map(([kb, vb]) => ({ k: dk(view(kb), 0), v: dv(view(vb), 0) }));
}

/**
 * An interval tool on NETDX_SOCKCALL_PROGRAMS (connect and accept with their results): its object
 * and programs are named `name`; no port filter (the ports are not known at a call's entry).
 */
export function sockcallSpec<R, O>(name: string, collect: IntervalSpec<R, O>['collect']): IntervalSpec<R, O> {
  return sockioSpec(name, collect, { hooks: ['syscall_tracepoint'], variants: [sockcallVariant(name)], filters: ['pid', 'family', 'netns', 'cgroup'] });
}
