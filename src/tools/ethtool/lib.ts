// ethtool as a library, over the SIOCETHTOOL ioctl: struct ifreq names the device and points
// (ifr_data) at an ethtool command struct that the kernel fills in. The ioctl is used rather
// than ethtool's generic netlink because driver statistics (ETHTOOL_GSTATS, `ethtool -S`) exist
// only there. Each section can fail alone: EOPNOTSUPP is normal for virtual devices, and is
// reported as such rather than failing the whole command. Decoders take bytes (tested without root).
import { NetdxError, errnoName } from '../../core/errors.js';
import { strerror } from '../../core/ffi.js';
import type { NetnsRef } from '../../core/netns.js';
import {
  EthtoolSocket, GSET_SIZE, LINKSETTINGS_HDR, cmdBuf, decodeGset, decodeLinkSettings, queryLinkSettings, type LinkSettings, type Reply,
} from '../../core/ethtool.js';

export { EthtoolSocket, decodeGset, decodeLinkSettings, GSET_SIZE, LINKSETTINGS_HDR, type LinkSettings, type Reply };
import { sleep } from '../../core/time.js';

export const ETHTOOL_GDRVINFO = 0x3;
export const ETHTOOL_GRINGPARAM = 0x10;
export const ETHTOOL_GSTRINGS = 0x1b;
export const ETHTOOL_GSTATS = 0x1d;
export const ETHTOOL_GSSET_INFO = 0x37;
export const ETHTOOL_GFEATURES = 0x3a;
export const ETHTOOL_GCHANNELS = 0x3c;

export const ETH_SS_STATS = 1;
export const ETH_SS_FEATURES = 4;
const ETH_GSTRING_LEN = 32;

const EOPNOTSUPP = 95;
const ENODEV = 19;


function cstr(b: Buffer, off: number, len: number): string {
  const s = b.subarray(off, off + len);
  const z = s.indexOf(0);
  return s.subarray(0, z < 0 ? s.length : z).toString('utf8');
}

// ---------------------------------------------------------------- decoders (bytes in)

export interface DriverInfo {
  driver: string;
  version: string;
  firmware: string;
  busInfo: string;
  nStats: number;
  nPrivFlags: number;
}
export const DRVINFO_SIZE = 196;
export function decodeDrvinfo(b: Buffer): DriverInfo {
  return {
    driver: cstr(b, 4, 32), version: cstr(b, 36, 32), firmware: cstr(b, 68, 32), busInfo: cstr(b, 100, 32),
    nPrivFlags: b.readUInt32LE(176), nStats: b.readUInt32LE(180),
  };
}

/** ETH_GSTRING_LEN-sized names out of an ethtool_gstrings reply (12-byte header). */
export function decodeStrings(b: Buffer): string[] {
  const n = b.readUInt32LE(8);
  const out: string[] = [];
  for (let i = 0; i < n && 12 + (i + 1) * ETH_GSTRING_LEN <= b.length; i++) out.push(cstr(b, 12 + i * ETH_GSTRING_LEN, ETH_GSTRING_LEN));
  return out;
}

/** u64 values of an ethtool_stats reply (8-byte header). */
export function decodeStats(b: Buffer): bigint[] {
  const n = b.readUInt32LE(4);
  const out: bigint[] = [];
  for (let i = 0; i < n && 8 + (i + 1) * 8 <= b.length; i++) out.push(b.readBigUInt64LE(8 + i * 8));
  return out;
}

export interface Rings {
  rxMax: number; rxMiniMax: number; rxJumboMax: number; txMax: number;
  rx: number; rxMini: number; rxJumbo: number; tx: number;
}
/** The u32 fields after the cmd word of ethtool_ringparam / ethtool_channels, by name in order. */
function u32Fields<T extends object>(b: Buffer, keys: ReadonlyArray<keyof T>): T {
  const o: Record<string, number> = {};
  keys.forEach((k, i) => { o[k as string] = b.readUInt32LE(4 + i * 4); });
  return o as T;
}
export function decodeRings(b: Buffer): Rings {
  return u32Fields<Rings>(b, ['rxMax', 'rxMiniMax', 'rxJumboMax', 'txMax', 'rx', 'rxMini', 'rxJumbo', 'tx']);
}

export interface Channels {
  maxRx: number; maxTx: number; maxOther: number; maxCombined: number;
  rx: number; tx: number; other: number; combined: number;
}
export function decodeChannels(b: Buffer): Channels {
  return u32Fields<Channels>(b, ['maxRx', 'maxTx', 'maxOther', 'maxCombined', 'rx', 'tx', 'other', 'combined']);
}

export interface Feature {
  name: string;
  active: boolean;
  requested: boolean;
  /** Cannot be changed on this device (not in hw_features, or never changeable), ethtool's [fixed]. */
  fixed: boolean;
}
/** ethtool_gfeatures (8-byte header, 16-byte blocks of 32 features) with the feature names. */
export function decodeFeatures(b: Buffer, names: readonly string[]): Feature[] {
  const blocks = b.readUInt32LE(4);
  const out: Feature[] = [];
  names.forEach((name, i) => {
    const blk = i >> 5;
    if (!name || blk >= blocks) return;
    const bit = 1 << (i & 31);
    const off = 8 + blk * 16;
    const available = (b.readUInt32LE(off) & bit) !== 0;
    const requested = (b.readUInt32LE(off + 4) & bit) !== 0;
    const active = (b.readUInt32LE(off + 8) & bit) !== 0;
    const never = (b.readUInt32LE(off + 12) & bit) !== 0;
    out.push({ name, active, requested, fixed: !available || never });
  });
  return out;
}

// ---------------------------------------------------------------- queries

/** A section's result: the data, or why the device would not give it. */
export type Section<T> = { ok: true; value: T } | { ok: false; errno: number; reason: string };

function refused<T>(e: number, who: string): Section<T> {
  const reason = e === EOPNOTSUPP || e === 524 ? `not supported by ${who}` : `${strerror(e)} (${errnoName(e)})`;
  return { ok: false, errno: e, reason };
}

export class EthtoolDevice {
  private readonly sock: EthtoolSocket;
  /** Whose refusal it is, for messages: "driver veth", or "device lo" when it reports no driver. */
  who: string;
  private statNames?: string[];

  /** @param netns the namespace the device is in (default: this thread's) */
  constructor(readonly ifname: string, netns?: NetnsRef) {
    if (!/^[^/\s]{1,15}$/.test(ifname)) throw new NetdxError('E_NOT_FOUND', `reading interface ${ifname}: no such interface`);
    this.sock = new EthtoolSocket(netns);
    this.who = `device ${ifname}`;
  }

  private get<T>(cmd: Buffer, decode: (b: Buffer) => T): Section<T> {
    const r = this.sock.call(this.ifname, cmd);
    if (!r.ok) {
      if (r.errno === ENODEV) throw new NetdxError('E_NOT_FOUND', `reading interface ${this.ifname}: no such interface`);
      return refused(r.errno, this.who);
    }
    return { ok: true, value: decode(r.buf) };
  }

  driverInfo(): Section<DriverInfo> {
    const s = this.get(cmdBuf(ETHTOOL_GDRVINFO, DRVINFO_SIZE), decodeDrvinfo);
    if (s.ok && s.value.driver) this.who = `driver ${s.value.driver}`;
    return s;
  }

  /** Number of strings in a set (ETHTOOL_GSSET_INFO), 0 when the device has none. */
  setSize(set: number): Section<number> {
    const b = cmdBuf(ETHTOOL_GSSET_INFO, 16 + 4);
    b.writeBigUInt64LE(1n << BigInt(set), 8);
    return this.get(b, (r) => (r.readBigUInt64LE(8) & (1n << BigInt(set)) ? r.readUInt32LE(16) : 0));
  }

  strings(set: number, n: number): Section<string[]> {
    const b = cmdBuf(ETHTOOL_GSTRINGS, 12 + n * ETH_GSTRING_LEN);
    b.writeUInt32LE(set, 4);
    b.writeUInt32LE(n, 8);
    return this.get(b, decodeStrings);
  }

  /** Driver statistics as (name -> value), in the driver's order. */
  stats(): Section<Map<string, bigint>> {
    if (!this.statNames) {
      const n = this.setSize(ETH_SS_STATS);
      if (!n.ok) return n;
      if (n.value === 0) return refused(EOPNOTSUPP, this.who);
      const names = this.strings(ETH_SS_STATS, n.value);
      if (!names.ok) return names;
      this.statNames = names.value;
    }
    const names = this.statNames;
    const b = cmdBuf(ETHTOOL_GSTATS, 8 + names.length * 8);
    b.writeUInt32LE(names.length, 4);
    return this.get(b, (r) => {
      const vals = decodeStats(r);
      return new Map(names.map((nm, i) => [nm, vals[i] ?? 0n]));
    });
  }

  rings(): Section<Rings> {
    return this.get(cmdBuf(ETHTOOL_GRINGPARAM, 36), decodeRings);
  }

  channels(): Section<Channels> {
    return this.get(cmdBuf(ETHTOOL_GCHANNELS, 36), decodeChannels);
  }

  linkSettings(): Section<LinkSettings> {
    const r = queryLinkSettings(this.sock, this.ifname);
    if (!r.ok) {
      if (r.errno === ENODEV) throw new NetdxError('E_NOT_FOUND', `reading interface ${this.ifname}: no such interface`);
      return refused(r.errno, this.who);
    }
    return { ok: true, value: r.settings! };
  }

  features(): Section<Feature[]> {
    const n = this.setSize(ETH_SS_FEATURES);
    if (!n.ok) return n;
    const names = this.strings(ETH_SS_FEATURES, n.value);
    if (!names.ok) return names;
    const blocks = Math.ceil(n.value / 32);
    const b = cmdBuf(ETHTOOL_GFEATURES, 8 + blocks * 16);
    b.writeUInt32LE(blocks, 4);
    return this.get(b, (r) => decodeFeatures(r, names.value));
  }

  close(): void { this.sock.close(); }
}

export interface StatDelta {
  name: string;
  value: bigint;
  /** Change over the interval (absent in absolute mode). */
  delta?: bigint;
}

/** Statistics between two reads: counters that moved (or all with `zeros`), in driver order. */
export function statDeltas(prev: Map<string, bigint> | undefined, cur: Map<string, bigint>, zeros = false): StatDelta[] {
  const out: StatDelta[] = [];
  for (const [name, value] of cur) {
    if (!prev) {
      if (zeros || value !== 0n) out.push({ name, value });
      continue;
    }
    const p = prev.get(name) ?? 0n;
    const delta = value - p; // signed: gauges (peer_ifindex, queue depths) may go down
    if (zeros || delta !== 0n) out.push({ name, value, delta });
  }
  return out;
}

export interface EthtoolReport {
  iface: string;
  driver: Section<DriverInfo>;
  link: Section<LinkSettings>;
  rings: Section<Rings>;
  channels: Section<Channels>;
  features: Section<Feature[]>;
  stats: Section<StatDelta[]>;
  /** Seconds the statistics deltas cover; 0 for absolute values. */
  interval: number;
}

/**
 * Everything `netdx ethtool IFACE` shows. With interval > 0 the statistics are deltas over that
 * many seconds (the sleep is awaited); otherwise absolute values.
 */
export async function ethtoolReport(ifname: string, opts: { interval: number; zeros?: boolean; signal?: AbortSignal; netns?: NetnsRef }): Promise<EthtoolReport> {
  const dev = new EthtoolDevice(ifname, opts.netns);
  try {
    const driver = dev.driverInfo();
    const first = dev.stats();
    const link = dev.linkSettings();
    const rings = dev.rings();
    const channels = dev.channels();
    const features = dev.features();
    let stats: Section<StatDelta[]>;
    if (!first.ok) stats = first;
    else if (opts.interval > 0) {
      await sleep(opts.interval * 1000, opts.signal);
      const second = dev.stats();
      stats = second.ok ? { ok: true, value: statDeltas(first.value, second.value, opts.zeros) } : second;
    } else stats = { ok: true, value: statDeltas(undefined, first.value, opts.zeros) };
    return { iface: ifname, driver, link, rings, channels, features, stats, interval: opts.interval };
  } finally {
    dev.close();
  }
}
