// tcpretrans as a library: one typed event per retransmitted skb (tail loss probes included), with
// its owner and kind; or counts per flow aggregated in the kernel and read per interval. The
// doctor and tests call these specs through the kit; cli.ts only renders.
import { structDecoder } from '../../core/bpf/struct.js';
import type { EventSpec } from '../../core/kit/events.js';
import type { IntervalSpec } from '../../core/kit/interval.js';
import { TCPEV_HOOKS, tcpEvDecoder, tcpEvVariants, type TcpSockInfo } from '../../core/kit/tcpev.js';
import { formatAddr } from '../../core/addr.js';
import { AF_INET6 } from '../../core/netlink/sockdiag.js';
import { tcpretrans_event, tcpretrans_key, tcpretrans_val } from './tcpretrans.h.js';

/**
 * Where a retransmit came from: FAST (loss recovery on ACKs or the RACK timer: TcpExtTCPFastRetrans),
 * RTO (the retransmission timer: TcpExtTCPTimeouts counts the first of a series), TLP (a tail loss
 * probe: TcpExtTCPLossProbes), LOSS (after an RTO, in the Loss state: TcpExtTCPSlowStartRetrans).
 */
export const RETRANS_KINDS = ['FAST', 'RTO', 'TLP', 'LOSS'] as const;
export type RetransKind = (typeof RETRANS_KINDS)[number];

export interface TcpRetransEvent extends TcpSockInfo {
  kind: RetransKind;
  /** Segments retransmitted (an skb may hold several). */
  segs: number;
  /** 0 sent; a negative errno when the kernel could not send it (-16 EBUSY: the original is still queued). */
  err: number;
}

export const decodeTcpRetrans = tcpEvDecoder(tcpretrans_event, (r) => ({ kind: RETRANS_KINDS[r.kind & 3]!, segs: r.segs, err: r.err }));

const OBJECT = {
  object: 'tcpretrans',
  hooks: TCPEV_HOOKS,
  filters: ['pid', 'lport', 'rport', 'family', 'netns'] as const,
  variants: tcpEvVariants('tcpretrans', ['rtx', 'tin', 'tout']),
};

export const TCPRETRANS: EventSpec<TcpRetransEvent> = {
  name: 'tcpretrans',
  ...OBJECT,
  rodata: () => ({ count_mode: false }),
  decode: decodeTcpRetrans,
};

/** One flow's retransmits in an interval. */
export interface RetransFlow extends Omit<TcpSockInfo, 'ts_ns' | 'state'> {
  /** Retransmits sent, by kind, and in all. */
  events: Record<RetransKind, number> & { total: number };
  /** Their segments, by kind, and in all (TcpRetransSegs counts these). */
  segs: Record<RetransKind, number> & { total: number };
  /** Retransmits the kernel could not send. */
  failed: number;
}

export interface RetransCounts {
  seconds: number;
  /** Flows with the most retransmitted segments first. */
  flows: RetransFlow[];
}

const key = structDecoder(tcpretrans_key);
const val = structDecoder(tcpretrans_val);
const view = (b: Buffer) => new DataView(b.buffer, b.byteOffset, b.length);

function byKind(a: readonly number[]): Record<RetransKind, number> & { total: number } {
  const o = Object.fromEntries(RETRANS_KINDS.map((k, i) => [k, a[i] ?? 0])) as Record<RetransKind, number>;
  return { ...o, total: a.reduce((n, x) => n + x, 0) };
}

export const TCPRETRANS_COUNTS: IntervalSpec<RetransCounts> = {
  name: 'tcpretrans',
  ...OBJECT,
  rodata: () => ({ count_mode: true }),
  collect(obj, seconds) {
    const flows = obj.map('counts').drain().map(([kb, vb]) => {
      const k = key(view(kb), 0);
      const v = val(view(vb), 0);
      const family = k.family === AF_INET6 ? 6 : 4;
      return {
        pid: k.pid, comm: v.comm, netns: k.netns, family,
        laddr: formatAddr(family, k.saddr), lport: k.sport, raddr: formatAddr(family, k.daddr), rport: k.dport,
        events: byKind(v.events), segs: byKind(v.segs), failed: v.failed,
      } satisfies RetransFlow;
    });
    flows.sort((a, b) => b.segs.total - a.segs.total || a.lport - b.lport);
    return { seconds, flows };
  },
};
