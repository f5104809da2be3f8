// tcpcong as a library: the time each TCP flow spent in each congestion state (Open, Disorder,
// CWR, Recovery, Loss) per interval, and how often it entered each. The kernel keeps one entry
// per flow (the time per state before the present one began); each sample() adds the present
// state's time up to now and reports what grew since the last sample.
import type { BpfObject } from '../../core/bpf/object.js';
import { structDecoder } from '../../core/bpf/struct.js';
import { NetdxError } from '../../core/errors.js';
import type { SocketEvent } from '../../core/kit/cli.js';
import { socketEnds } from '../../core/kit/ends.js';
import { ownerMatches, type CommonFilter } from '../../core/kit/filter.js';
import { startInterval, type IntervalProbe, type IntervalSpec } from '../../core/kit/interval.js';
import { ownerIoPrograms, ownerPrograms } from '../../core/kit/owner.js';
import { TCP_STATE_HOOKS, tcpStateVariants } from '../../core/kit/tcpstate.js';
import { monotonicNs } from '../../core/time.js';
import { tcpcong_flow } from './tcpcong.h.js';

/** enum tcp_ca_state, in its order. */
export const CONG_STATES = ['open', 'disorder', 'cwr', 'recovery', 'loss'] as const;
export type CongState = (typeof CONG_STATES)[number];

/** A flow: its owner (from the socket-owner cache; pid 0 while unknown) and ends, and its times. */
export interface TcpCongFlow extends SocketEvent {
  family: 4 | 6;
  /** Milliseconds in each state during the interval. */
  ms: Record<CongState, number>;
  /** Changes into each state during the interval. */
  enters: Record<CongState, number>;
  /** The state at the interval's end (or when the flow closed). */
  state: CongState;
  /** The flow closed during the interval. */
  closed: boolean;
}

export interface TcpCongReport {
  seconds: number;
  /** Flows followed during the interval; with `total`, one row adding them up (addresses empty). */
  flows: TcpCongFlow[];
}

export interface TcpCongOptions {
  /** One row adding every flow up. */
  total?: boolean;
  /** Only flows of this process (as -p): decided again at each report from the owner cache. */
  pid?: number;
  /** Only flows of processes of this name (as --comm), decided the same way. */
  comm?: string;
}

const flow = structDecoder(tcpcong_flow);
const owner = (b: Buffer) => ({ tgid: b.readUInt32LE(0), comm: b.toString('latin1', 8, 24).replace(/\0.*$/s, '') });
const view = (b: Buffer) => new DataView(b.buffer, b.byteOffset, b.length);
const zero = (): Record<CongState, number> => ({ open: 0, disorder: 0, cwr: 0, recovery: 0, loss: 0 });

/** Per probe: each flow's totals (ns per state, entries) as of the last sample. */
const reported = new WeakMap<BpfObject, Map<string, { ns: number[]; enters: number[] }>>();

function collect(obj: BpfObject, seconds: number, o: TcpCongOptions): TcpCongReport {
  const now = Number(monotonicNs());
  const map = obj.map('flows');
  const owners = obj.map('netdx_owners');
  let last = reported.get(obj);
  if (!last) reported.set(obj, (last = new Map()));
  const flows: TcpCongFlow[] = [];
  for (const [k, v] of map.entries()) {
    const f = flow(view(v), 0);
    const id = k.toString('hex');
    const ns = [...f.ns];
    if (!f.closed && f.state < 5) ns[f.state] += Math.max(0, now - f.since_ns);
    const prev = last.get(id) ?? { ns: [0, 0, 0, 0, 0], enters: [0, 0, 0, 0, 0] };
    if (f.closed) { map.delete(k); last.delete(id); } else last.set(id, { ns, enters: [...f.enters] });
    // an open flow's owner may have been named since its last change (accept); a closed flow's
    // address may already be another socket's: the owner it had at its close
    const ow = f.closed ? undefined : owners.lookup(k);
    const who = ow ? owner(ow) : { tgid: f.pid, comm: f.comm };
    if (!ownerMatches(o, { pid: who.tgid, comm: who.comm })) continue;
    const row: TcpCongFlow = {
      pid: who.tgid, comm: who.comm, ...socketEnds(f),
      ms: zero(), enters: zero(), state: CONG_STATES[f.state] ?? 'open', closed: !!f.closed,
    };
    CONG_STATES.forEach((s, i) => {
      row.ms[s] = Math.max(0, ns[i]! - prev.ns[i]!) / 1e6;
      row.enters[s] = f.enters[i]! - prev.enters[i]!;
    });
    flows.push(row);
  }
  flows.sort((x, y) => x.lport - y.lport || x.rport - y.rport || x.raddr.localeCompare(y.raddr));
  if (!o.total) return { seconds, flows };
  const sum: TcpCongFlow = { pid: 0, comm: '', family: 4, laddr: '', lport: 0, raddr: '', rport: 0, ms: zero(), enters: zero(), state: 'open', closed: false };
  for (const f of flows) for (const s of CONG_STATES) { sum.ms[s] += f.ms[s]; sum.enters[s] += f.enters[s]; }
  return { seconds, flows: flows.length ? [sum] : [] };
}

const OTHERS = [...ownerPrograms('tcpcong'), ...ownerIoPrograms('tcpcong')];
const CS = { raw_tp: 'tcpcong_cs_raw', tracepoint: 'tcpcong_cs_tp', tp_btf: 'tcpcong_cs_btf' } as Record<string, string>;

export const TCPCONG: IntervalSpec<TcpCongReport, TcpCongOptions> = {
  name: 'tcpcong',
  object: 'tcpcong',
  hooks: [...TCP_STATE_HOOKS.filter((h) => h !== 'ringbuf'), 'syscall_tracepoint'],
  filters: ['pid', 'lport', 'rport', 'family', 'netns'],
  variants: tcpStateVariants('tcpcong', OTHERS).map((v) => ({ ...v, programs: [...v.programs, CS[v.via]!] })),
  rodata: (o) => {
    if (o.pid !== undefined && !(Number.isInteger(o.pid) && o.pid > 0)) throw new NetdxError('E_USAGE', `parsing pid: ${o.pid} is not a process id`);
    return {};
  },
  collect,
};

/** Starts following flows (attached when this returns); sample() reports one interval. */
export function startTcpCong(filter: CommonFilter = {}, opts: Omit<TcpCongOptions, 'pid' | 'comm'> & { via?: string } = {}): IntervalProbe<TcpCongReport, TcpCongOptions> {
  return startInterval(TCPCONG, { filter, options: { ...opts, pid: filter.pid, comm: filter.comm }, via: opts.via });
}
