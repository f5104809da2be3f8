// tcplife as a library: start a tracer with a read-only filter config, receive typed events,
// stop it. The doctor and the exporter use this directly; cli.ts only renders.
import { BpfObject } from '../../core/bpf/object.js';
import { bpfObjectPath } from '../../core/bpf/paths.js';
import { ensureTracefs, explainMissingHooks, type HookName } from '../../core/bpf/features.js';
import type { RingBufReader } from '../../core/bpf/ringbuf.js';
import { NetdxError } from '../../core/errors.js';
import { decodeTcpLifeEvent, type TcpLifeEvent } from './decode.js';

export const TCPLIFE_HOOKS: readonly HookName[] = ['raw_tracepoint', 'syscall_tracepoint', 'ringbuf'];
const MAX_PORTS = 8;

export type TcpLifeVia = 'raw_tp' | 'tp_btf' | 'tracepoint';
const PROGRAM: Record<TcpLifeVia, string> = { raw_tp: 'tcplife_raw', tp_btf: 'tcplife_btf', tracepoint: 'tcplife_tp' };

export interface TcpLifeFilter {
  pid?: number;
  lports?: readonly number[];
  rports?: readonly number[];
  family?: 4 | 6;
}

export class TcpLifeTracer {
  /** Which attachment the state-change program got. */
  readonly via: TcpLifeVia;
  readonly notes: string[] = [];
  private readonly reader: RingBufReader;

  private constructor(private readonly obj: BpfObject, via: TcpLifeVia, onEvent: (e: TcpLifeEvent) => void) {
    this.via = via;
    this.reader = obj.ringbuf('events', (dv, off) => onEvent(decodeTcpLifeEvent(dv, off)));
  }

  /**
   * Starts tracing. pollMs = 0 leaves polling to the caller (see poll()); `via` forces one
   * attachment instead of trying the tracepoint, then tp_btf.
   */
  static start(filter: TcpLifeFilter, onEvent: (e: TcpLifeEvent) => void,
    opts: { pollMs?: number; via?: TcpLifeVia } = {}): TcpLifeTracer {
    const pollMs = opts.pollMs ?? 10;
    for (const [name, list] of [['-L', filter.lports], ['-D', filter.rports]] as const) {
      if (list && list.length > MAX_PORTS) throw new NetdxError('E_USAGE', `parsing ${name}: at most ${MAX_PORTS} ports`);
    }
    const notes: string[] = [];
    const mounted = ensureTracefs();
    if (mounted) notes.push(mounted);
    const rodata = {
      target_tgid: filter.pid ?? 0,
      target_family: filter.family === 4 ? 2 : filter.family === 6 ? 10 : 0,
      n_lports: filter.lports?.length ?? 0,
      lports: portsBuf(filter.lports),
      n_dports: filter.rports?.length ?? 0,
      dports: portsBuf(filter.rports),
    };
    // raw_tp first: cheapest per event (no perf record is built) and, with the object's minimal
    // BTF, loaded in ~20 ms; tp_btf needs libbpf to parse the kernel's whole BTF (~60 ms more);
    // the classic tracepoint is for kernels before 4.17.
    let lastErr: unknown;
    for (const via of opts.via ? [opts.via] : (['raw_tp', 'tracepoint'] as const)) {
      const obj = BpfObject.open(bpfObjectPath('tcplife'));
      try {
        const prog = PROGRAM[via];
        obj.selectPrograms([prog, 'tcplife_accept4', 'tcplife_accept']);
        obj.setRodata(rodata);
        obj.load();
        obj.attach(prog);
        for (const p of ['tcplife_accept4', 'tcplife_accept']) obj.attach(p);
        const t = new TcpLifeTracer(obj, via, onEvent);
        t.notes.push(...notes);
        if (pollMs > 0) t.reader.start(pollMs);
        return t;
      } catch (e) {
        obj.close();
        lastErr = e;
        if (e instanceof NetdxError && e.code === 'E_PERMISSION' && process.getuid?.() !== 0) break;
      }
    }
    throw explainMissingHooks('tcplife', TCPLIFE_HOOKS) ?? lastErr;
  }

  /** Reads what is in the ring now (the timer does this every pollMs). */
  poll(): number { return this.reader.poll(); }

  get events(): number { return this.reader.records; }

  /** Events the kernel could not queue: ring full, or ring space refused with room left. */
  lost(): { full: number; refused: number } {
    return this.obj.lostEvents();
  }

  /** Drains what is left, detaches and frees everything. Returns the lost-event counts. */
  stop(): { full: number; refused: number } {
    this.reader.poll();
    const lost = this.lost();
    this.obj.close();
    return lost;
  }
}

function portsBuf(ports: readonly number[] | undefined): Buffer {
  const b = Buffer.alloc(2 * MAX_PORTS);
  (ports ?? []).forEach((p, i) => b.writeUInt16LE(p, 2 * i));
  return b;
}
