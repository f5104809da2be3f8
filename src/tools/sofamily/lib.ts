// sofamily as a library: connect() and accept() calls by process and address family, with the
// failed ones, aggregated in the kernel and read per interval. The doctor and exporters call
// startSofamily() and sample(); cli.ts only renders.
import { startInterval, type IntervalProbe, type IntervalSpec } from '../../core/kit/interval.js';
import type { LoadOptions } from '../../core/kit/load.js';
import { drainAggregates, sockcallSpec } from '../../core/kit/sockio.js';
import { sofamily_key, sofamily_val } from './sofamily.h.js';

/** Address families by number (include/linux/socket.h), the common ones. */
const FAMILIES: Record<number, string> = {
  1: 'AF_UNIX', 2: 'AF_INET', 3: 'AF_AX25', 4: 'AF_IPX', 5: 'AF_APPLETALK', 9: 'AF_X25', 10: 'AF_INET6',
  16: 'AF_NETLINK', 17: 'AF_PACKET', 29: 'AF_CAN', 30: 'AF_TIPC', 31: 'AF_BLUETOOTH', 38: 'AF_ALG',
  40: 'AF_VSOCK', 44: 'AF_XDP', 45: 'AF_MCTP',
};

export const familyName = (f: number): string => FAMILIES[f] ?? `AF_${f}`;

export interface SoFamilyStat {
  pid: number;
  comm: string;
  call: 'connect' | 'accept';
  /** 'AF_INET', 'AF_INET6', 'AF_UNIX', ... */
  family: string;
  /** Calls that returned in the interval (accept4 counts as accept). */
  calls: number;
  /** Those that returned an error other than EINPROGRESS (a non-blocking connect under way). */
  failed: number;
}

export interface SoFamilyReport {
  seconds: number;
  /** Most calls first. */
  calls: SoFamilyStat[];
}

export const SOFAMILY: IntervalSpec<SoFamilyReport> = sockcallSpec('sofamily', (obj, seconds) => {
  const calls = drainAggregates(obj, 'calls', sofamily_key, sofamily_val).map(({ k, v }): SoFamilyStat => ({
    pid: k.pid, comm: k.comm, call: k.accept ? 'accept' : 'connect', family: familyName(k.family), calls: v.calls, failed: v.failed,
  }));
  calls.sort((a, b) => b.calls - a.calls || a.pid - b.pid || a.call.localeCompare(b.call) || a.family.localeCompare(b.family));
  return { seconds, calls };
});

/** Starts counting (attached when this returns); sample() reads and resets one interval. */
export function startSofamily(opts: LoadOptions = {}): IntervalProbe<SoFamilyReport> {
  return startInterval(SOFAMILY, opts);
}
