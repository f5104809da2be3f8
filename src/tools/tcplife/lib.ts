// tcplife as a library: one typed event per closed TCP session. The doctor and the exporter use
// this directly; cli.ts only renders.
import type { HookName } from '../../core/bpf/features.js';
import type { LostEvents } from '../../core/bpf/object.js';
import { startEvents, type EventProbe, type EventSpec } from '../../core/kit/events.js';
import { ownerPrograms } from '../../core/kit/owner.js';
import { tcpStateVariants } from '../../core/kit/tcpstate.js';
import type { CommonFilter } from '../../core/kit/filter.js';
import { decodeTcpLifeEvent, type TcpLifeEvent } from './decode.js';

export const TCPLIFE_HOOKS: readonly HookName[] = ['raw_tracepoint', 'syscall_tracepoint', 'ringbuf'];

export type TcpLifeVia = 'raw_tp' | 'tp_btf' | 'tracepoint';

export const TCPLIFE: EventSpec<TcpLifeEvent> = {
  name: 'tcplife',
  object: 'tcplife',
  hooks: TCPLIFE_HOOKS,
  filters: ['pid', 'lport', 'rport', 'family', 'netns'],
  variants: tcpStateVariants('tcplife', ownerPrograms('tcplife')),
  decode: decodeTcpLifeEvent,
};

export type TcpLifeFilter = CommonFilter;

export interface TcpLifeOptions {
  /** Drain every pollMs on the shared poller (default 10); 0 leaves it to poll(). */
  pollMs?: number;
  /** One attachment instead of raw_tp, then the tracepoint. */
  via?: TcpLifeVia;
  /** Sessions followed at once (default 65,536); more are counted as untracked. */
  maxSessions?: number;
}

export class TcpLifeTracer {
  private constructor(private readonly probe: EventProbe<TcpLifeEvent>) {}

  /** Starts tracing: attached when this returns. */
  static start(filter: TcpLifeFilter, onEvent: (e: TcpLifeEvent) => void, opts: TcpLifeOptions = {}): TcpLifeTracer {
    const via = opts.via === undefined ? undefined : opts.via;
    return new TcpLifeTracer(startEvents(TCPLIFE, onEvent, {
      filter, pollMs: opts.pollMs, via,
      sizes: opts.maxSessions ? { socks: opts.maxSessions } : undefined,
    }));
  }

  /** Which attachment the state-change program got. */
  get via(): TcpLifeVia { return this.probe.via as TcpLifeVia; }
  get notes(): string[] { return this.probe.notes; }

  /** Reads what is in the ring now (the shared poller does this every pollMs). */
  poll(): number { return this.probe.poll(); }

  get events(): number { return this.probe.events; }

  lost(): LostEvents { return this.probe.lost(); }

  /** Delivers what is left, detaches and frees everything; safe to call again. */
  stop(): LostEvents { return this.probe.stop(); }
}
