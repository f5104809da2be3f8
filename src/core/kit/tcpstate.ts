// The ways to attach a tool built on NETDX_TCP_STATE_PROGRAMS (bpf/include/netdx_tcpstate.h):
// raw_tp first (cheapest per event, quick to load), the classic tracepoint (kernels before 4.17),
// tp_btf last (it makes libbpf parse the kernel's whole BTF, ~60 ms here).
import type { HookName } from '../bpf/features.js';
import type { ProbeSpec, Variant } from './load.js';

export const TCP_STATE_HOOKS: readonly HookName[] = ['raw_tracepoint', 'ringbuf'];

/** Variants for `prefix`'s entry programs, each with the tool's other programs. */
export function tcpStateVariants(prefix: string, others: readonly string[] = [], optional?: readonly string[]): Variant[] {
  return (['raw', 'tp', 'btf'] as const).map((k) => ({
    via: { raw: 'raw_tp', tp: 'tracepoint', btf: 'tp_btf' }[k],
    programs: [`${prefix}_${k}`, ...others],
    ...(optional ? { optional } : {}),
  }));
}

/**
 * tcpconnect's BPF object (src/tools/tcpconnect/tcpconnect.bpf.c) as two tools load it: tcpconnect
 * for its events, tcpconnlat in its histogram mode (rodata hist_mode). The object, its ways to
 * attach and the filters its programs apply (process and cgroup at connect(), in its process).
 */
export const TCPCONNECT_OBJECT = {
  object: 'tcpconnect',
  hooks: TCP_STATE_HOOKS,
  filters: ['pid', 'lport', 'rport', 'family', 'netns', 'cgroup'],
  variants: tcpStateVariants('tcpconnect'),
} as const satisfies Pick<ProbeSpec, 'object' | 'hooks' | 'filters' | 'variants'>;
