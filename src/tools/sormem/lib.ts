// sormem as a library: each socket's receive buffer against its limit (sk_rmem_alloc against
// sk_rcvbuf at every read, as a histogram of fill %) and the packets dropped because it was full,
// aggregated in the kernel per socket and read per interval. The doctor and tests call
// startSormem() and sample(); cli.ts only renders.
import { formatAddr } from '../../core/addr.js';
import type { BpfObject } from '../../core/bpf/object.js';
import { structDecoder } from '../../core/bpf/struct.js';
import { linearBuckets, type Histogram } from '../../core/hist.js';
import { ownerMatches, type CommonFilter } from '../../core/kit/filter.js';
import { startInterval, type IntervalProbe, type IntervalSpec } from '../../core/kit/interval.js';
import { socketOwners } from '../../core/proc/owners.js';
import { sormem_val } from './sormem.h.js';

export interface SormemSocket {
  netns: number;
  family: 4 | 6;
  proto: 'tcp' | 'udp';
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
  /** The owner (the owner cache, filled at reads; else /proc by inode); 0 unknown. */
  pid: number;
  comm: string;
  /** sk_rcvbuf: the limit (SO_RCVBUF doubled, or TCP's auto-tuned size). */
  rcvbuf: number;
  /** The most sk_rmem_alloc seen, at a read or a drop (may pass rcvbuf by one packet). */
  max_rmem: number;
  /** The fullest it was seen, in % of the limit of then (a read or a drop). */
  max_pct: number;
  /** Receive calls that returned data, and their bytes. */
  reads: number;
  bytes: number;
  /** Packets dropped because the receive buffer was full (kfree_skb SOCKET_RCVBUFF). */
  drops: number;
  /** UDP enqueue failures (udp_fail_queue_rcv_skb: rcvbuf full or udp_mem); raw_tp and tp_btf only. */
  udp_fails: number;
  /** sk_rmem_alloc * 100 / sk_rcvbuf after each read, in steps of 10 (the last: 110 and above). */
  hist: Histogram;
}

export interface SormemReport {
  seconds: number;
  /** Most drops first, then the fullest. */
  sockets: SormemSocket[];
}

export type SormemVia = 'raw_tp' | 'tracepoint' | 'tp_btf';

/** -p as the CLI parses it: kept here too, for sockets whose owner the kernel learned late. */
export type SormemOptions = { readonly pid?: number; readonly comm?: string } & Record<string, unknown>;

const val = structDecoder(sormem_val);
const view = (b: Buffer) => new DataView(b.buffer, b.byteOffset, b.length);
const SLOTS = sormem_val.fields.slots.count;

/** Owners of the drained sockets: the owner cache, then /proc for those it lacks. */
function ownersOf(obj: BpfObject, keys: Buffer[], inos: number[]): Array<{ pid: number; comm: string } | undefined> {
  const cache = obj.map('netdx_owners');
  const out = keys.map((k) => {
    const v = cache.lookup(k); // struct netdx_owner: tgid, pid, comm[16]
    return v ? { pid: v.readUInt32LE(0), comm: v.subarray(8, 24).toString('latin1').replace(/\0.*$/s, '') } : undefined;
  });
  if (out.some((o, i) => !o && inos[i])) {
    const procs = socketOwners();
    out.forEach((o, i) => {
      const p = o ? undefined : procs.get(inos[i]!)?.[0];
      if (p) out[i] = { pid: p.pid, comm: p.comm };
    });
  }
  return out;
}

export const SORMEM: IntervalSpec<SormemReport, SormemOptions> = {
  name: 'sormem',
  object: 'sormem',
  hooks: ['raw_tracepoint'],
  filters: ['pid', 'lport', 'rport', 'family', 'netns'],
  variants: [
    { via: 'raw_tp', programs: ['sormem_recv_raw', 'sormem_drop_raw', 'sormem_udpfail_raw'] },
    { via: 'tracepoint', programs: ['sormem_recv_tp', 'sormem_drop_tp'] },
    { via: 'tp_btf', programs: ['sormem_recv_btf', 'sormem_drop_btf', 'sormem_udpfail_btf'] },
  ],
  collect(obj, seconds, opts) {
    const rows = obj.map('stats').drain();
    const vals = rows.map(([, v]) => val(view(v), 0));
    const owners = ownersOf(obj, rows.map(([k]) => k), vals.map((v) => v.ino));
    const sockets: SormemSocket[] = vals.map((v, i) => {
      const family = v.family === 10 ? 6 : 4;
      return {
        netns: v.netns, family, proto: v.proto === 6 ? 'tcp' : 'udp',
        laddr: formatAddr(family, v.laddr), lport: v.lport, raddr: formatAddr(family, v.raddr), rport: v.rport,
        pid: owners[i]?.pid ?? 0, comm: owners[i]?.comm ?? '', rcvbuf: v.rcvbuf, max_rmem: v.max_rmem, max_pct: v.max_pct,
        reads: v.reads, bytes: v.bytes, drops: v.drops, udp_fails: v.udp_fails,
        hist: { unit: '% full', buckets: linearBuckets(v.slots.slice(0, SLOTS), 10) },
      };
    });
    sockets.sort((a, b) => b.drops - a.drops || b.max_pct - a.max_pct || a.lport - b.lport);
    return { seconds, sockets: opts ? sockets.filter((s) => ownerMatches(opts, s)) : sockets };
  },
};

/** Starts aggregating (attached when this returns); sample() reads and resets one interval. */
export function startSormem(filter: CommonFilter = {}, opts: { via?: SormemVia } = {}): IntervalProbe<SormemReport, SormemOptions> {
  return startInterval(SORMEM, { filter, options: { pid: filter.pid, comm: filter.comm }, via: opts.via });
}
