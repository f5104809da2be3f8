// netqtop as a library: packets, bytes and sizes per device queue, received and sent, counted in
// the kernel (a per-CPU map) and read per interval, as BCC's netqtop. The doctor and tests call
// startNetqtop() and sample(); cli.ts only renders.
import type { CommonFilter } from '../../core/kit/filter.js';
import { devRodata, devVariants, drainPerCpu, type DevOptions, type DevVia } from '../../core/kit/dev.js';
import { startInterval, type IntervalProbe, type IntervalSpec } from '../../core/kit/interval.js';
import { netqtop_key, netqtop_val } from './netqtop.h.js';

/** Packet sizes (bytes, with the link-layer header) the `sizes` counts are split at. */
export const SIZE_BOUNDS = [64, 512, 2048, 16384] as const;

export interface NetqtopQueue {
  netns: number;
  dev: string;
  ifindex: number;
  dir: 'rx' | 'tx';
  /**
   * The queue: TX, the one the stack picked (skb->queue_mapping); RX, the one the driver recorded
   * (queue_mapping - 1), null when it recorded none; for a veth, the peer's TX queue, which is
   * the veth RX queue whose NAPI delivered the packet.
   */
  queue: number | null;
  packets: number;
  /** Frames with their link-layer header, both ways (veth and loopback counters leave it out). */
  bytes: number;
  /** Packets below 64 bytes, 64-511, 512-2047, 2048-16383, 16384 and above. */
  sizes: number[];
}

export interface NetqtopReport {
  seconds: number;
  /** By namespace, ifindex, direction (rx first), queue. */
  queues: NetqtopQueue[];
}

function queueOf(dir: 'rx' | 'tx', raw: number, veth: boolean): number | null {
  if (dir === 'tx' || veth) return raw;
  return raw ? raw - 1 : null;
}

export const NETQTOP: IntervalSpec<NetqtopReport, DevOptions> = {
  name: 'netqtop',
  object: 'netqtop',
  hooks: ['tp_btf'],
  filters: ['netns'],
  // tp_btf first: the packet's and device's fields are plain loads there
  variants: devVariants('netqtop', ['rx', 'tx'], true),
  rodata: (o) => devRodata(o),
  collect(obj, seconds) {
    const queues: NetqtopQueue[] = drainPerCpu(obj, 'queues', netqtop_key, netqtop_val).map(({ k, slots }) => {
      let dev = '', veth = false, packets = 0, bytes = 0;
      const sizes = [0, 0, 0, 0, 0];
      // the counts add up; the name and kind are in the slot of the CPU that created the key
      for (const v of slots) {
        packets += v.packets;
        bytes += v.bytes;
        v.sizes.forEach((n, i) => { sizes[i]! += n; });
        dev ||= v.dev;
        veth ||= v.veth !== 0;
      }
      const dir = k.dir === 1 ? 'tx' as const : 'rx' as const;
      return { netns: k.netns, dev, ifindex: k.ifindex, dir, queue: queueOf(dir, k.queue, veth), packets, bytes, sizes };
    });
    queues.sort((a, b) => a.netns - b.netns || a.ifindex - b.ifindex || a.dir.localeCompare(b.dir) || (a.queue ?? -1) - (b.queue ?? -1));
    return { seconds, queues };
  },
};

/** Starts counting (attached when this returns); sample() reads and resets one interval. */
export function startNetqtop(filter: CommonFilter = {}, opts: DevOptions & { via?: DevVia } = {}): IntervalProbe<NetqtopReport, DevOptions> {
  return startInterval(NETQTOP, { filter, options: opts, via: opts.via });
}
