// tcpsynbl as a library: each listener's accept queue against its listen() limit, aggregated in
// the kernel per listener and limit (a log2 histogram of the queue's length at each completed
// handshake, the longest queue, the SYN queue at SYN-ACKs) with the final ACKs dropped because
// the queue was full, read per interval. The doctor and tests call startTcpSynbl() and sample();
// cli.ts only renders.
import { structDecoder } from '../../core/bpf/struct.js';
import type { BpfObject } from '../../core/bpf/object.js';
import { log2Buckets, type Histogram } from '../../core/hist.js';
import { ownerMatches, type CommonFilter } from '../../core/kit/filter.js';
import { startInterval, type IntervalProbe, type IntervalSpec } from '../../core/kit/interval.js';
import { tcpStateVariants } from '../../core/kit/tcpstate.js';
import { socketOwners } from '../../core/proc/owners.js';
import { tcpsynbl_key, tcpsynbl_lkey, tcpsynbl_owner, tcpsynbl_val } from './tcpsynbl.h.js';

export interface TcpSynblListener {
  /** Network namespace inode. */
  netns: number;
  family: 4 | 6;
  lport: number;
  /** The owner (0: unknown: a listener made before tracing, not seen in accept() or in /proc). */
  pid: number;
  comm: string;
  /** sk_max_ack_backlog: min(the listen() backlog, net.core.somaxconn). The queue holds limit + 1. */
  limit: number;
  /** Handshakes that entered the accept queue in the interval. */
  conns: number;
  /** The longest accept queue seen, after an add (at most limit + 1). */
  max_queue: number;
  /** Final ACKs dropped because the accept queue was full (TCP_LISTEN_OVERFLOW): the ACK path of
   * TcpExtListenOverflows. A SYN refused for the same reason is not seen (no event). */
  overflows: number;
  /** SYN-ACKs sent from request sockets (first ones and retransmits; not syncookies). */
  synacks: number;
  /** The most request sockets (the SYN queue) seen at a SYN-ACK. */
  max_synq: number;
  /** The accept queue's length when a final ACK came, before the add; overflows are the ACKs
   * that found it longer than the limit. */
  hist: Histogram;
}

export interface TcpSynblReport {
  seconds: number;
  /** By namespace, port, family and limit. */
  listeners: TcpSynblListener[];
}

export type TcpSynblVia = 'raw_tp' | 'tracepoint' | 'tp_btf';

const key = structDecoder(tcpsynbl_key);
const val = structDecoder(tcpsynbl_val);
const lkey = structDecoder(tcpsynbl_lkey);
const owner = structDecoder(tcpsynbl_owner);
const view = (b: Buffer) => new DataView(b.buffer, b.byteOffset, b.length);
const lid = (netns: number, family: number, lport: number) => `${netns}/${family}/${lport}`;

/** Owners by listener, from the kernel's table; those known by inode only are looked up in /proc. */
function owners(obj: BpfObject): Map<string, { pid: number; comm: string }> {
  const out = new Map<string, { pid: number; comm: string }>();
  const byIno: Array<[string, number]> = [];
  for (const [k, v] of obj.map('owners').entries()) {
    const lk = lkey(view(k), 0);
    const o = owner(view(v), 0);
    const id = lid(lk.netns, lk.family, lk.lport);
    if (o.tgid) out.set(id, { pid: o.tgid, comm: o.comm });
    else if (o.ino) byIno.push([id, o.ino]);
  }
  if (byIno.length) {
    const procs = socketOwners();
    for (const [id, ino] of byIno) {
      const p = procs.get(ino)?.[0];
      if (p) out.set(id, { pid: p.pid, comm: p.comm });
    }
  }
  return out;
}

function variants() {
  return tcpStateVariants('tcpsynbl').map((v) => {
    const k = v.programs[0]!.slice('tcpsynbl_'.length);
    return { ...v, programs: [...v.programs, `tcpsynbl_drop_${k}`, `tcpsynbl_xmit_${k}`, 'tcpsynbl_accept4', 'tcpsynbl_accept'] };
  });
}

/** The CLI's parsed options carry -p as `pid`: a listener whose owner the kernel did not know is
 * kept there, and dropped here once its owner is found to be another process. */
export type TcpSynblOptions = { readonly pid?: number; readonly comm?: string } & Record<string, unknown>;

export const TCPSYNBL: IntervalSpec<TcpSynblReport, TcpSynblOptions> = {
  name: 'tcpsynbl',
  object: 'tcpsynbl',
  hooks: ['raw_tracepoint', 'syscall_tracepoint'],
  filters: ['pid', 'lport', 'family', 'netns'],
  variants: variants(),
  collect(obj, seconds, opts) {
    const rows = obj.map('stats').drain().map(([k, v]) => ({ k: key(view(k), 0), v: val(view(v), 0) }));
    const own = rows.length ? owners(obj) : new Map<string, { pid: number; comm: string }>();
    const listeners: TcpSynblListener[] = rows.map(({ k, v }) => {
      const o = own.get(lid(k.netns, k.family, k.lport));
      return {
        netns: k.netns, family: k.family === 10 ? 6 : 4, lport: k.lport, pid: o?.pid ?? 0, comm: o?.comm ?? '',
        limit: k.limit, conns: v.conns, max_queue: v.max_queue, overflows: v.overflows, synacks: v.synacks,
        max_synq: v.max_synq, hist: { unit: 'backlog', buckets: log2Buckets(v.slots) },
      };
    });
    listeners.sort((a, b) => a.netns - b.netns || a.lport - b.lport || a.family - b.family || a.limit - b.limit);
    return { seconds, listeners: opts ? listeners.filter((l) => ownerMatches(opts, l)) : listeners };
  },
};

/** Starts aggregating (attached when this returns); sample() reads and resets one interval. */
export function startTcpSynbl(filter: CommonFilter = {}, opts: { via?: TcpSynblVia } = {}): IntervalProbe<TcpSynblReport, TcpSynblOptions> {
  return startInterval(TCPSYNBL, { filter, options: { pid: filter.pid, comm: filter.comm }, via: opts.via });
}
