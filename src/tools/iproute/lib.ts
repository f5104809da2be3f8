// iproute as a library: route and neighbour failures (route lookups that found no route, packets
// dropped for a route or neighbour reason, neighbours that went FAILED, sends to dead entries,
// entries the table had no room for), counted in the kernel per kind, detail, destination,
// device, namespace and process and read per interval; or one event per failure. The doctor and
// tests call startIpRoute()/startEvents(IPROUTE_EVENTS); cli.ts only renders.
import { formatAddr } from '../../core/addr.js';
import { structDecoder } from '../../core/bpf/struct.js';
import { errnoName, NetdxError } from '../../core/errors.js';
import { dropPlaces, dropReasonName, dropReasons, reasonFilter } from '../../core/kit/drop.js';
import type { EventSpec } from '../../core/kit/events.js';
import type { CommonFilter } from '../../core/kit/filter.js';
import { startInterval, type IntervalProbe, type IntervalSpec } from '../../core/kit/interval.js';
import type { Variant } from '../../core/kit/load.js';
import { iproute_event, iproute_key, iproute_val } from './iproute.h.js';

export const IPROUTE_KINDS = ['no_route', 'drop', 'neigh_failed', 'neigh_dead', 'neigh_table_full'] as const;
/** no_route: a route lookup found none (or an unreachable, prohibit, blackhole route); drop: a
 * packet dropped for a route or neighbour reason; neigh_failed: a neighbour went FAILED (no answer
 * to ARP/NDP); neigh_dead: a packet sent to a dead neighbour entry; neigh_table_full: no entry
 * could be made. */
export type IpRouteKind = (typeof IPROUTE_KINDS)[number];

export interface IpRouteFailure {
  kind: IpRouteKind;
  /** no_route: what the lookup says (ENETUNREACH: nothing matched, EHOSTUNREACH: an unreachable
   * route, EACCES: prohibit, EINVAL: blackhole); drop: the kernel's reason (NEIGH_FAILED, ...);
   * '' for the neighbour kinds. */
  detail: string;
  family: 4 | 6;
  /** The destination looked up or of the packet, or the neighbour's address. */
  daddr: string;
  /** The device ('' for route lookups). */
  dev: string;
  ifindex: number;
  netns: number;
  /** no_route: the routing table's id (254 main); 0 otherwise. */
  table: number;
  /** no_route: the process that looked up; 0 otherwise. */
  pid: number;
  comm: string;
  count: number;
}

export interface IpRouteReport {
  seconds: number;
  /** Most first. */
  failures: IpRouteFailure[];
}

export interface IpRouteEvent extends Omit<IpRouteFailure, 'count'> {
  ts_ns: number;
  /** drop: the kernel function that dropped it; '' otherwise. */
  location: string;
}

export type IpRouteOptions = { readonly interface?: string } & Record<string, unknown>;
export type IpRouteVia = 'raw_tp' | 'tracepoint' | 'tp_btf';

/** The drop reasons iproute counts: this kernel's route and neighbour reasons. */
export function routeReasons(): string[] {
  return [...dropReasons().keys()].filter((r) => /NOROUTES?$|^NEIGH_/.test(r));
}

const key = structDecoder(iproute_key);
const val = structDecoder(iproute_val);
const view = (b: Buffer) => new DataView(b.buffer, b.byteOffset, b.length);

function detailOf(kind: IpRouteKind, code: number): string {
  if (kind === 'drop') return dropReasonName(code);
  // nothing matched in the table: the caller returns ENETUNREACH (and counts IpOutNoRoutes)
  if (kind === 'no_route') return code === -11 ? 'ENETUNREACH' : errnoName(code);
  return '';
}

function failureOf(k: ReturnType<typeof key>, comm: string): Omit<IpRouteFailure, 'count'> {
  const kind = IPROUTE_KINDS[k.kind - 1] ?? 'drop';
  const family = k.family === 10 ? 6 : 4;
  return {
    kind, detail: detailOf(kind, k.code), family, daddr: formatAddr(family, k.daddr), dev: k.dev, ifindex: k.ifindex,
    netns: k.netns, table: k.table, pid: k.tgid, comm: k.tgid ? comm : '',
  };
}

function rodata(o: IpRouteOptions, events: boolean) {
  const dev = o.interface;
  if (dev !== undefined && (!dev || Buffer.byteLength(dev) > 15 || /[\s/]/.test(dev))) {
    throw new NetdxError('E_USAGE', `parsing -I: '${dev}' is not an interface name`);
  }
  const name = Buffer.alloc(16);
  if (dev) name.write(dev);
  return { events_mode: events, filter_dev: name, ...reasonFilter('reasons', routeReasons()).rodata };
}

const VARIANTS: Variant[] = [
  { via: 'raw_tp', programs: ['iproute_fib_raw', 'iproute_fib6_raw', 'iproute_drop_raw', 'iproute_ntimer_raw', 'iproute_ndead_raw', 'iproute_ncreate_raw'] },
  // the classic neighbour tracepoints carry no namespace: their raw ones, where there are
  { via: 'tracepoint', programs: ['iproute_fib_tp', 'iproute_fib6_tp', 'iproute_drop_tp'], optional: ['iproute_ntimer_raw', 'iproute_ndead_raw', 'iproute_ncreate_raw'] },
  { via: 'tp_btf', programs: ['iproute_fib_btf', 'iproute_fib6_btf', 'iproute_drop_btf', 'iproute_ntimer_btf', 'iproute_ndead_btf', 'iproute_ncreate_btf'] },
];

const COMMON = {
  object: 'iproute',
  variants: VARIANTS,
  filters: ['pid', 'family', 'netns'] as const,
};

export const IPROUTE: IntervalSpec<IpRouteReport, IpRouteOptions> = {
  name: 'iproute',
  ...COMMON,
  hooks: ['raw_tracepoint'],
  rodata: (o) => rodata(o, false),
  collect(obj, seconds) {
    const failures = obj.map('fails').drain().map(([kb, vb]) => {
      const v = val(view(vb), 0);
      return { ...failureOf(key(view(kb), 0), v.comm), count: Number(v.count) };
    });
    failures.sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind) || a.daddr.localeCompare(b.daddr));
    return { seconds, failures };
  },
};

const event = structDecoder(iproute_event);

export function decodeIpRoute(dv: DataView, off: number): IpRouteEvent {
  const e = event(dv, off);
  const f = failureOf(key(dv, off), e.comm);
  const at = dv.getBigUint64(off + iproute_event.fields.location.off, true);
  return { ts_ns: e.ts_ns, ...f, location: at ? dropPlaces([at])(at) : '' };
}

/** --events: one record per failure. */
export const IPROUTE_EVENTS: EventSpec<IpRouteEvent, IpRouteOptions> = {
  name: 'iproute',
  ...COMMON,
  hooks: ['raw_tracepoint', 'ringbuf'],
  rodata: (o) => rodata(o, true),
  decode: decodeIpRoute,
};

/** Starts counting (attached when this returns); sample() reads and resets one interval. */
export function startIpRoute(filter: CommonFilter = {}, opts: { via?: IpRouteVia; interface?: string } = {}): IntervalProbe<IpRouteReport, IpRouteOptions> {
  return startInterval(IPROUTE, { filter, options: { interface: opts.interface }, via: opts.via });
}
