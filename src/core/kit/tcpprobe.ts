// The ways to attach a tool built on NETDX_TCP_PROBE_PROGRAMS (bpf/include/netdx_tcpprobe.h):
// raw_tp first (cheapest per segment, quick to load), the classic tracepoint, tp_btf last (its
// load parses the kernel's whole BTF). The socket-owner cache is filled at accept() and at each
// send and receive (netdx_owner.h), since tcp:tcp_probe runs in softirq.
import type { HookName } from '../bpf/features.js';
import type { Variant } from './load.js';
import { ownerIoPrograms, ownerPrograms } from './owner.js';

export const TCP_PROBE_HOOKS: readonly HookName[] = ['raw_tracepoint', 'syscall_tracepoint'];

const VIA = { raw: 'raw_tp', tp: 'tracepoint', btf: 'tp_btf' } as const;

/**
 * Variants for `prefix`'s tcp_probe programs, with the owner cache's unless `owner` is false (a
 * tool that names the process where it runs in it). `paired` names other programs of the tool
 * that come in the same three kinds (`${name}_raw`, `_tp`, `_btf`).
 */
export function tcpProbeVariants(prefix: string, paired: readonly string[] = [], owner = true): Variant[] {
  return (['raw', 'tp', 'btf'] as const).map((k) => ({
    via: VIA[k],
    programs: [`${prefix}_probe_${k}`, ...paired.map((p) => `${p}_${k}`), ...(owner ? [...ownerPrograms(prefix), ...ownerIoPrograms(prefix, k)] : [])],
  }));
}
