// ipecn as a library: received IP packets by ECN codepoint per device (as the kernel's
// IpExtIn{NoECT,ECT1,ECT0,CE}Pkts and Ip6In*Pkts count them, but per device and namespace), and the
// CE-marked packets per flow, aggregated in the kernel and read per interval. The doctor and
// tests call startIpEcn() and sample(); cli.ts only renders.
import { formatAddr } from '../../core/addr.js';
import { structDecoder } from '../../core/bpf/struct.js';
import type { CommonFilter } from '../../core/kit/filter.js';
import { startInterval, type IntervalProbe, type IntervalSpec } from '../../core/kit/interval.js';
import { ipecn_flow, ipecn_key, ipecn_val } from './ipecn.h.js';

export interface IpEcnDevice {
  netns: number;
  dev: string;
  ifindex: number;
  family: 4 | 6;
  /** Packets (GRO segments counted one by one) by codepoint. */
  not_ect: number;
  ect1: number;
  ect0: number;
  ce: number;
  /** Packets as the device delivered them (a GRO packet once). */
  skbs: number;
}

export interface IpEcnFlow {
  netns: number;
  family: 4 | 6;
  saddr: string;
  daddr: string;
  /** IP protocol number (6 TCP, 17 UDP, ...). */
  proto: number;
  /** CE-marked packets. */
  ce: number;
}

export interface IpEcnReport {
  seconds: number;
  /** By namespace, device, family. */
  devices: IpEcnDevice[];
  /** CE-marked packets by flow, most first. */
  ce_flows: IpEcnFlow[];
}

export type IpEcnVia = 'raw_tp' | 'tracepoint' | 'tp_btf';

const key = structDecoder(ipecn_key);
const val = structDecoder(ipecn_val);
const flow = structDecoder(ipecn_flow);
const view = (b: Buffer) => new DataView(b.buffer, b.byteOffset, b.length);
const fam = (f: number): 4 | 6 => (f === 10 ? 6 : 4);

export const IPECN: IntervalSpec<IpEcnReport> = {
  name: 'ipecn',
  object: 'ipecn',
  hooks: ['raw_tracepoint'],
  filters: ['family', 'netns'],
  variants: (['raw', 'tp', 'btf'] as const).map((k) => ({ via: { raw: 'raw_tp', tp: 'tracepoint', btf: 'tp_btf' }[k], programs: [`ipecn_rx_${k}`] })),
  collect(obj, seconds) {
    const devices: IpEcnDevice[] = obj.map('counts').drain().map(([kb, vb]) => {
      const k = key(view(kb), 0);
      const v = val(view(vb), 0);
      const [not_ect = 0, ect1 = 0, ect0 = 0, ce = 0] = v.pkts;
      return { netns: k.netns, dev: k.dev, ifindex: k.ifindex, family: fam(k.family), not_ect, ect1, ect0, ce, skbs: v.skbs };
    });
    devices.sort((a, b) => a.netns - b.netns || a.ifindex - b.ifindex || a.family - b.family);
    const ce_flows: IpEcnFlow[] = obj.map('ce_flows').drain().map(([kb, vb]) => {
      const f = flow(view(kb), 0);
      const family = fam(f.family);
      return { netns: f.netns, family, saddr: formatAddr(family, f.saddr), daddr: formatAddr(family, f.daddr), proto: f.proto, ce: Number(vb.readBigUInt64LE(0)) };
    });
    ce_flows.sort((a, b) => b.ce - a.ce);
    return { seconds, devices, ce_flows };
  },
};

/** Starts counting (attached when this returns); sample() reads and resets one interval. */
export function startIpEcn(filter: CommonFilter = {}, opts: { via?: IpEcnVia } = {}): IntervalProbe<IpEcnReport> {
  return startInterval(IPECN, { filter, via: opts.via });
}
