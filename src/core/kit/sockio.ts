// The ways to attach a tool built on NETDX_SOCKIO_PROGRAMS (bpf/include/netdx_sockio.h): the
// send and receive programs on sock:sock_send_length/sock_recv_length (Linux 6.3+), raw_tp first
// (cheapest per call, quick to load), then the classic tracepoint, then tp_btf (libbpf parses the
// kernel's whole BTF to load it).
import type { HookName } from '../bpf/features.js';
import type { Variant } from './load.js';

export const SOCKIO_HOOKS: readonly HookName[] = ['raw_tracepoint'];

/** Variants for `prefix`'s send and receive programs, each with the tool's other programs. */
export function sockioVariants(prefix: string, others: readonly string[] = []): Variant[] {
  return (['raw', 'tp', 'btf'] as const).map((k) => ({
    via: { raw: 'raw_tp', tp: 'tracepoint', btf: 'tp_btf' }[k],
    programs: [`${prefix}_send_${k}`, `${prefix}_recv_${k}`, ...others],
  }));
}

/** IP protocol numbers as the tools show them. */
export function protocolName(p: number): string {
  return p === 6 ? 'TCP' : p === 17 ? 'UDP' : `proto${p}`;
}
