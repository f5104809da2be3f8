// The doctor's bundle of BPF probes, loaded together in one process: its own object
// (doctor.bpf.c: drops by reason, retransmits per flow, resets per port, DNS latency) and the
// tcpconnect tool's probe for failed connects, sharing one socket-owner cache. Started at the
// window's beginning, read once at its end. Where BPF cannot run here, the window says why and
// the rules use counters alone. (Softirq time per CPU is not probed: no rule read it, and its two
// programs ran on every softirq of the host; /proc/stat's softirq time is sampled per second.)
import { formatAddr } from '../../core/addr.js';
import { kernelEnumName, releaseKernelBtf } from '../../core/bpf/btf.js';
import type { BpfObject, LostEvents } from '../../core/bpf/object.js';
import { structDecoder } from '../../core/bpf/struct.js';
import { NetdxError } from '../../core/errors.js';
import { collectEvents, type EventCollector } from '../../core/kit/events.js';
import { loadProbe, type Loaded, type ProbeSpec } from '../../core/kit/load.js';
import { ownerIoPrograms, ownerPrograms } from '../../core/kit/owner.js';
import type { Probe } from '../../core/finding.js';
import { readKallsyms } from '../../core/proc/kallsyms.js';
import { STATE_NAMES } from '../../core/netlink/sockdiag.js';
import { TCPCONNECT, type TcpConnectEvent } from '../tcpconnect/lib.js';
import { dns_key, dns_val, drop_key, flow_key, reset_key } from './doctor.h.js';
import type { ConnectAgg, DnsAgg, DropAgg, FlowAgg, ProbeAggregates, ResetAgg } from './window.js';

export const DOCTOR_BUNDLE: ProbeSpec = {
  name: 'doctor',
  object: 'doctor',
  hooks: ['tracepoint', 'syscall_tracepoint', 'raw_tracepoint'],
  filters: ['netns'],
  variants: [{
    via: 'tracepoint',
    programs: ['doctor_drop', 'doctor_retrans', 'doctor_rst_out', 'doctor_rst_in', ...ownerPrograms('doctor')],
    // sock_send_length/sock_recv_length came in Linux 6.3: owners from I/O and DNS timing only
    // there (one program per hook does both: doctor_send, doctor_recv)
    optional: ownerIoPrograms('doctor'),
  }],
};

const fam = (f: number): 0 | 4 | 6 => (f === 2 ? 4 : f === 10 ? 6 : 0);
const dv = (b: Buffer) => new DataView(b.buffer, b.byteOffset, b.length);

function entries<T>(obj: BpfObject, map: string, decode: (d: DataView) => T): Array<[T, Buffer]> {
  return obj.map(map).entries().map(([k, v]) => [decode(dv(k)), v]);
}

/** Reads the bundle's maps into the window's aggregates (owners' names come from `comm`). */
export function readAggregates(obj: BpfObject, comm: (pid: number) => string): Omit<ProbeAggregates, 'ran' | 'failed_connects' | 'lost' | 'notes'> {
  const dk = structDecoder(drop_key);
  const rawDrops = entries(obj, 'drops', (d) => ({ k: dk(d, 0), loc: d.getBigUint64(drop_key.fields.location.off, true) }));
  // only the drops' locations are looked up, in one pass over /proc/kallsyms (core/proc/kallsyms.ts)
  const syms = rawDrops.length ? readKallsyms(rawDrops.map(([{ loc }]) => loc)) : undefined;
  const drops: DropAgg[] = rawDrops.map(([{ k, loc }, v]) => {
    const f = fam(k.family);
    return {
      reason: kernelEnumName('skb_drop_reason', 'SKB_DROP_REASON_', k.reason),
      reason_num: k.reason, location: syms?.symbolize(loc) ?? `0x${loc.toString(16)}`, netns: k.netns, family: f,
      ipproto: k.ipproto, daddr: f ? formatAddr(f, k.daddr) : '', sport: k.sport, dport: k.dport, has_sk: k.has_sk === 1,
      pid: k.tgid, count: Number(v.readBigUInt64LE(0)),
    };
  });
  const fk = structDecoder(flow_key);
  const retrans: FlowAgg[] = entries(obj, 'retrans', (d) => fk(d, 0)).map(([k, v]) => {
    const f = fam(k.family) || 4;
    return { family: f as 4 | 6, saddr: formatAddr(f, k.saddr), sport: k.sport, daddr: formatAddr(f, k.daddr), dport: k.dport,
      netns: k.netns, pid: k.tgid, segs: Number(v.readBigUInt64LE(0)) };
  });
  const rk = structDecoder(reset_key);
  const resets: ResetAgg[] = entries(obj, 'resets', (d) => rk(d, 0)).map(([k, v]) => {
    const f = fam(k.family);
    return { received: k.received === 1, family: f, lport: k.lport, raddr: f ? formatAddr(f, k.raddr) : '', rport: k.rport,
      netns: k.netns, reason: k.received ? '' : kernelEnumName('sk_rst_reason', 'SK_RST_REASON_', k.reason),
      state: k.state ? (STATE_NAMES[k.state] ?? String(k.state)) : '', pid: k.tgid, count: Number(v.readBigUInt64LE(0)) };
  });
  const nk = structDecoder(dns_key);
  const nv = structDecoder(dns_val);
  const dns: DnsAgg[] = entries(obj, 'dns', (d) => nk(d, 0)).map(([k, v]) => {
    const val = nv(dv(v), 0);
    const f = (fam(k.family) || 4) as 4 | 6;
    return { family: f, server: formatAddr(f, k.server), netns: k.netns, pid: k.tgid, comm: val.comm || comm(k.tgid),
      queries: val.queries, answers: val.answers, avg_ms: val.answers ? val.sum_ns / val.answers / 1e6 : 0,
      max_ms: val.max_ns / 1e6, slow: val.slow };
  });
  releaseKernelBtf();
  return { drops, retrans, resets, dns };
}

function connectAggs(events: readonly TcpConnectEvent[]): ConnectAgg[] {
  const by = new Map<string, ConnectAgg>();
  for (const e of events) {
    const key = `${e.daddr}|${e.dport}|${e.result}|${e.pid}`;
    const a = by.get(key);
    if (a) { a.count++; a.max_latency_ms = Math.max(a.max_latency_ms, e.latency_ms); continue; }
    by.set(key, { family: e.family, daddr: e.daddr, dport: e.dport, result: e.result, pid: e.pid, comm: e.comm, count: 1, max_latency_ms: e.latency_ms });
  }
  return [...by.values()];
}

const NONE: LostEvents = { full: 0, refused: 0, untracked: 0 };
const addLost = (a: LostEvents, b: LostEvents): LostEvents => ({ full: a.full + b.full, refused: a.refused + b.refused, untracked: a.untracked + b.untracked });

/** The bundle, started: stop() detaches everything and returns what it aggregated. */
export class DoctorProbes implements Probe<ProbeAggregates> {
  readonly name = 'doctor';
  private readonly bundle: Loaded;
  private readonly connects: EventCollector<TcpConnectEvent>;
  private failed: TcpConnectEvent[] = [];
  private final: ProbeAggregates | undefined;

  private constructor(netns: number | undefined, private readonly comm: (pid: number) => string) {
    const filter = netns ? { netns } : {};
    this.bundle = loadProbe(DOCTOR_BUNDLE, { filter });
    let connects: EventCollector<TcpConnectEvent> | undefined;
    try {
      // Failed connects only, read at the window's end: the ring (4 MiB, ~43,000 events) is
      // drained every 100 ms, not every 10 ms as a tool printing events does (100 wake-ups a
      // second were ~0.8% of a core by themselves); it fills only past ~430,000 failures a second.
      // One owner cache for both objects: a connect's owner, set at SYN_SENT by tcpconnect, is the
      // bundle's too (a refused connect's reset names its process), and the first send of that
      // socket finds it there instead of writing it again.
      const share = { netdx_owners: this.bundle.obj.map('netdx_owners') };
      connects = collectEvents(TCPCONNECT, { filter, options: { failed: true }, pollMs: 100, share });
    } catch (e) {
      connects?.stop();
      this.bundle.obj.close();
      throw e;
    }
    this.connects = connects;
  }

  /** Starts the bundle, or explains in one line why it cannot run here. */
  static start(netns: number | undefined, comm: (pid: number) => string): DoctorProbes | { why: string } {
    try {
      return new DoctorProbes(netns, comm);
    } catch (e) {
      return { why: e instanceof NetdxError ? e.message : String(e) };
    }
  }

  get via(): string { return this.bundle.via; }

  /** The aggregates so far (the maps keep counting). */
  sample(): ProbeAggregates {
    if (this.final) return this.final;
    this.failed.push(...this.connects.sample());
    return {
      ran: true, via: this.bundle.via, ...readAggregates(this.bundle.obj, this.comm),
      failed_connects: connectAggs(this.failed),
      lost: addLost(this.bundle.obj.lostEvents(), this.connects.lost()),
      skipped: this.bundle.obj.skippedRuns() + this.connects.skipped(),
      notes: [...this.bundle.notes, ...this.connects.notes],
    };
  }

  stop(): ProbeAggregates {
    if (!this.final) {
      this.bundle.obj.detach();
      this.failed.push(...this.connects.stop());
      const lostConnects = this.connects.lost();
      const r = { ...this.sample(), lost: addLost(this.bundle.obj.lostEvents(), lostConnects), skipped: this.bundle.obj.skippedRuns() + this.connects.skipped() };
      this.bundle.obj.close();
      this.final = r;
    }
    return this.final;
  }
}

/** The aggregates of a window where the bundle did not run. */
export function noProbes(why: string): ProbeAggregates {
  return { ran: false, why_not: why, drops: [], retrans: [], resets: [], failed_connects: [], dns: [], lost: NONE, notes: [] };
}
