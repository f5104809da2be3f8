// ethtool as a library, over the SIOCETHTOOL ioctl: struct ifreq names the device and points
// (ifr_data) at an ethtool command struct that the kernel fills in. The ioctl is used rather
// than ethtool's generic netlink because driver statistics (ETHTOOL_GSTATS, `ethtool -S`) exist
// only there. The one exception is coalescing: only the netlink reply says which parameters the
// driver supports (ethtool -c's "n/a"); the ioctl reads those as 0, and is the fallback on a
// kernel without the ethtool netlink family. Each section can fail alone: EOPNOTSUPP is normal
// for virtual devices, and is reported as such rather than failing the whole command. Decoders
// take bytes (tested without root).
import { NetdxError, errnoName } from '../../core/errors.js';
import { strerror } from '../../core/ffi.js';
import { withNetns, type NetnsRef } from '../../core/netns.js';
import { NETLINK_GENERIC, NetlinkSocket, attrString } from '../../core/netlink/netlink.js';
import { attrNested, genlAttrs, genlBody, genlFamilyId } from '../../core/netlink/genl.js';
import {
  ETHTOOL_GLINKSETTINGS, ETHTOOL_GSET, EthtoolSocket, GSET_SIZE, LINKSETTINGS_HDR, cmdBuf, decodeGset, decodeLinkSettings,
  queryLinkSettings, type LinkSettings, type Reply,
} from '../../core/ethtool.js';

// (the command numbers too: test/fixtures/ethtool/capture.mjs builds its commands from this module)
export {
  ETHTOOL_GLINKSETTINGS, ETHTOOL_GSET, EthtoolSocket, decodeGset, decodeLinkSettings, GSET_SIZE, LINKSETTINGS_HDR, type LinkSettings,
  type Reply,
};
import { sleep } from '../../core/time.js';

export const ETHTOOL_GDRVINFO = 0x3;
export const ETHTOOL_GCOALESCE = 0xe;
export const ETHTOOL_GRINGPARAM = 0x10;
export const ETHTOOL_GPAUSEPARAM = 0x12;
export const ETHTOOL_GSTRINGS = 0x1b;
export const ETHTOOL_GSTATS = 0x1d;
export const ETHTOOL_GRXRINGS = 0x2d;
export const ETHTOOL_GSSET_INFO = 0x37;
export const ETHTOOL_GFEATURES = 0x3a;
export const ETHTOOL_GCHANNELS = 0x3c;
export const ETHTOOL_GMODULEINFO = 0x42;
export const ETHTOOL_GRSSH = 0x46;

export const ETH_SS_STATS = 1;
export const ETH_SS_FEATURES = 4;
export const ETH_SS_RSS_HASH_FUNCS = 5;

/** Sizes of the command structs (include/uapi/linux/ethtool.h, checked with offsetof). */
export const COALESCE_SIZE = 92;    // cmd + 22 u32
export const PAUSE_SIZE = 16;       // cmd, autoneg, rx_pause, tx_pause
export const RXNFC_SIZE = 192;      // struct ethtool_rxnfc; GRXRINGS answers in `data` (u64 at 8)
export const RXFH_HDR = 24;         // struct ethtool_rxfh up to rss_config[]
export const MODINFO_SIZE = 44;     // cmd, type, eeprom_len, reserved[8]

// The ethtool generic netlink family (include/uapi/linux/ethtool_netlink.h)
export const ETHTOOL_GENL_NAME = 'ethtool';
export const ETHTOOL_GENL_VERSION = 1;
export const ETHTOOL_MSG_COALESCE_GET = 19;
const ETHTOOL_A_HEADER_DEV_NAME = 2;
const ETHTOOL_A_COALESCE_HEADER = 1;

/** The body of an ETHTOOL_MSG_COALESCE_GET request for a device. */
export function coalesceRequest(ifname: string): Buffer {
  return genlBody(ETHTOOL_MSG_COALESCE_GET, ETHTOOL_GENL_VERSION,
    [attrNested(ETHTOOL_A_COALESCE_HEADER, [attrString(ETHTOOL_A_HEADER_DEV_NAME, ifname)])]);
}
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

/** A coalescing parameter: its field, ethtool -C's name, the netlink attribute and its type. */
export interface CoalesceField { key: CoalesceKey; name: string; attr: number; bool?: true }
export type CoalesceKey =
  | 'rxUsecs' | 'rxFrames' | 'rxUsecsIrq' | 'rxFramesIrq' | 'txUsecs' | 'txFrames' | 'txUsecsIrq' | 'txFramesIrq'
  | 'statsBlockUsecs' | 'adaptiveRx' | 'adaptiveTx' | 'pktRateLow' | 'rxUsecsLow' | 'rxFramesLow' | 'txUsecsLow'
  | 'txFramesLow' | 'pktRateHigh' | 'rxUsecsHigh' | 'rxFramesHigh' | 'txUsecsHigh' | 'txFramesHigh' | 'sampleInterval'
  | 'cqeModeTx' | 'cqeModeRx' | 'txAggrMaxBytes' | 'txAggrMaxFrames' | 'txAggrTimeUsecs';
/**
 * ETHTOOL_A_COALESCE_* in attribute order. Attributes 2..23 are also struct ethtool_coalesce's
 * u32 fields after cmd, in the same order (the ioctl has no CQE mode or TX aggregation).
 */
export const COALESCE_FIELDS: readonly CoalesceField[] = ([
  ['rxUsecs', 'rx-usecs'], ['rxFrames', 'rx-frames'], ['rxUsecsIrq', 'rx-usecs-irq'], ['rxFramesIrq', 'rx-frames-irq'],
  ['txUsecs', 'tx-usecs'], ['txFrames', 'tx-frames'], ['txUsecsIrq', 'tx-usecs-irq'], ['txFramesIrq', 'tx-frames-irq'],
  ['statsBlockUsecs', 'stats-block-usecs'], ['adaptiveRx', 'adaptive-rx', true], ['adaptiveTx', 'adaptive-tx', true],
  ['pktRateLow', 'pkt-rate-low'], ['rxUsecsLow', 'rx-usecs-low'], ['rxFramesLow', 'rx-frames-low'],
  ['txUsecsLow', 'tx-usecs-low'], ['txFramesLow', 'tx-frames-low'], ['pktRateHigh', 'pkt-rate-high'],
  ['rxUsecsHigh', 'rx-usecs-high'], ['rxFramesHigh', 'rx-frames-high'], ['txUsecsHigh', 'tx-usecs-high'],
  ['txFramesHigh', 'tx-frames-high'], ['sampleInterval', 'sample-interval'], ['cqeModeTx', 'cqe-mode-tx', true],
  ['cqeModeRx', 'cqe-mode-rx', true], ['txAggrMaxBytes', 'tx-aggr-max-bytes'], ['txAggrMaxFrames', 'tx-aggr-max-frames'],
  ['txAggrTimeUsecs', 'tx-aggr-time-usecs'],
] as Array<[CoalesceKey, string, true?]>).map(([key, name, bool], i) => ({ key, name, attr: i + 2, ...(bool ? { bool } : {}) }));
const IOCTL_COALESCE_LAST_ATTR = 23; // rate_sample_interval

/**
 * Interrupt coalescing. A parameter is absent when the driver does not support it (ethtool's
 * "n/a"); only netlink says so: over the ioctl every field of the struct is present.
 */
export type Coalesce = { [K in CoalesceKey]?: K extends 'adaptiveRx' | 'adaptiveTx' | 'cqeModeTx' | 'cqeModeRx' ? boolean : number } & {
  /** Which interface answered: netlink (unsupported parameters absent) or the ioctl (they read 0). */
  via: 'netlink' | 'ioctl';
};

/** An ETHTOOL_MSG_COALESCE_GET reply: the attributes after the genlmsghdr. */
export function decodeCoalesceNetlink(attrs: Map<number, Buffer>): Coalesce {
  const o: Record<string, unknown> = { via: 'netlink' };
  for (const f of COALESCE_FIELDS) {
    const a = attrs.get(f.attr);
    if (!a) continue;
    if (f.bool && a.length >= 1) o[f.key] = a[0] !== 0;
    else if (!f.bool && a.length >= 4) o[f.key] = a.readUInt32LE(0);
  }
  return o as Coalesce;
}

/** struct ethtool_coalesce (ETHTOOL_GCOALESCE): every field, 0 where the driver has none. */
export function decodeCoalesceIoctl(b: Buffer): Coalesce {
  const o: Record<string, unknown> = { via: 'ioctl' };
  for (const f of COALESCE_FIELDS) {
    if (f.attr > IOCTL_COALESCE_LAST_ATTR) break;
    const v = b.readUInt32LE(4 + (f.attr - 2) * 4);
    o[f.key] = f.bool ? v !== 0 : v;
  }
  return o as Coalesce;
}

/** Pause (802.3x flow control) parameters: does the NIC send / honour PAUSE frames. */
export interface Pause { autoneg: boolean; rx: boolean; tx: boolean }
export function decodePause(b: Buffer): Pause {
  return { autoneg: b.readUInt32LE(4) !== 0, rx: b.readUInt32LE(8) !== 0, tx: b.readUInt32LE(12) !== 0 };
}

/** The RX ring count of an ETHTOOL_GRXRINGS reply (struct ethtool_rxnfc's u64 `data`). */
export function decodeRxRings(b: Buffer): number {
  return Number(b.readBigUInt64LE(8));
}

/** struct ethtool_rxfh as ETHTOOL_GRSSH filled it: sizes, hash function bits, input transform, then the table and key. */
export interface Rxfh { indirSize: number; keySize: number; hfunc: number; inputXfrm: number; indir: number[]; key: Buffer }
export function decodeRxfh(b: Buffer): Rxfh {
  const indirSize = b.readUInt32LE(8);
  const keySize = b.readUInt32LE(12);
  const have = b.length >= RXFH_HDR + indirSize * 4 + keySize; // the size probe carries no table
  const indir: number[] = [];
  if (have) for (let i = 0; i < indirSize; i++) indir.push(b.readUInt32LE(RXFH_HDR + i * 4));
  const key = have ? Buffer.from(b.subarray(RXFH_HDR + indirSize * 4, RXFH_HDR + indirSize * 4 + keySize)) : Buffer.alloc(0);
  return { indirSize, keySize, hfunc: b[16]!, inputXfrm: b[17]!, indir, key };
}

/** RXH_XFRM_* (the input transformation before hashing), as ethtool names them. */
export function inputXfrmName(x: number): string {
  if (x === 0) return 'none';
  const names = [[1, 'symmetric-xor'], [2, 'symmetric-or-xor']] as const;
  const on = names.filter(([bit]) => x & bit).map(([, n]) => n);
  const rest = x & ~3;
  return [...on, ...(rest ? [`0x${rest.toString(16)}`] : [])].join(',');
}

/** RSS: how received flows are spread over RX rings. */
export interface Rss {
  /** RX rings (ETHTOOL_GRXRINGS, ethtool -x's "with N RX ring(s)"); absent when the driver does not say. */
  rxRings?: number;
  /** Hash functions on, by the kernel's names (toeplitz, xor, crc32); empty when the driver does not say. */
  hfunc: string[];
  /** Input transformation before hashing: none, symmetric-xor, symmetric-or-xor. */
  inputXfrm: string;
  /** Indirection table: entry -> RX ring; empty when the driver has none (ethtool: not supported). */
  indir: number[];
  /** Hash key as "6d:5a:..."; '' when the driver has none (ethtool: not supported). */
  key: string;
}
/** An RSS view from the GRSSH reply and the ETH_SS_RSS_HASH_FUNCS names (bit i is names[i]). */
export function rssFrom(r: Rxfh, hfuncNames: readonly string[], rxRings?: number): Rss {
  const hfunc: string[] = [];
  for (let i = 0; i < 8; i++) if (r.hfunc & (1 << i)) hfunc.push(hfuncNames[i] ?? `bit ${i}`);
  return {
    ...(rxRings !== undefined ? { rxRings } : {}),
    hfunc, inputXfrm: inputXfrmName(r.inputXfrm), indir: r.indir,
    key: [...r.key].map((x) => x.toString(16).padStart(2, '0')).join(':'),
  };
}

/** ETH_MODULE_SFF_* (the standard the module's EEPROM follows) and the modules that use it. */
const MODULE_TYPES: Record<number, [string, string]> = {
  1: ['SFF-8079', 'SFP'], 2: ['SFF-8472', 'SFP with diagnostics'], 3: ['SFF-8636', 'QSFP28/QSFP+'], 4: ['SFF-8436', 'QSFP+'],
};
/** A plugged module (SFP, QSFP) as ETHTOOL_GMODULEINFO describes its EEPROM. */
export interface ModuleInfo {
  /** ETH_MODULE_SFF_*: 1 SFF-8079, 2 SFF-8472, 3 SFF-8636, 4 SFF-8436. */
  typeId: number;
  /** The EEPROM's standard, e.g. SFF-8472. */
  standard: string;
  /** What kind of module uses it, e.g. SFP. */
  form: string;
  /** Bytes of EEPROM the driver can read. */
  eepromLen: number;
}
export function decodeModinfo(b: Buffer): ModuleInfo {
  const typeId = b.readUInt32LE(4);
  const [standard, form] = MODULE_TYPES[typeId] ?? [`type ${typeId}`, 'unknown'];
  return { typeId, standard, form, eepromLen: b.readUInt32LE(8) };
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
  /** The ethtool generic netlink socket and family id; null when this kernel has no such family. */
  private nl?: { sock: NetlinkSocket; family: number } | null;

  /** @param netns the namespace the device is in (default: this thread's) */
  constructor(readonly ifname: string, private readonly netns?: NetnsRef) {
    if (!/^[^/\s]{1,15}$/.test(ifname)) throw new NetdxError('E_NOT_FOUND', `reading interface ${ifname}: no such interface`);
    this.sock = new EthtoolSocket(netns);
    this.who = `device ${ifname}`;
  }

  private notFound(): NetdxError {
    return new NetdxError('E_NOT_FOUND', `reading interface ${this.ifname}: no such interface`);
  }

  /** @param enodevIsRefusal ENODEV is the driver's answer (no module plugged), not a missing device */
  private get<T>(cmd: Buffer, decode: (b: Buffer) => T, enodevIsRefusal = false): Section<T> {
    const r = this.sock.call(this.ifname, cmd);
    if (!r.ok) {
      if (r.errno === ENODEV && !enodevIsRefusal) throw this.notFound();
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

  /**
   * Coalescing over ethtool netlink (ETHTOOL_MSG_COALESCE_GET), which leaves out what the driver
   * does not support; over the ioctl (ETHTOOL_GCOALESCE) on a kernel without that family, or when
   * asked (`via: 'ioctl'`).
   */
  coalesce(opts: { via?: 'ioctl' } = {}): Section<Coalesce> {
    const nl = opts.via === 'ioctl' ? null : this.netlink();
    if (!nl) return this.get(cmdBuf(ETHTOOL_GCOALESCE, COALESCE_SIZE), decodeCoalesceIoctl);
    try {
      const replies = nl.sock.request(nl.family, 0, coalesceRequest(this.ifname));
      if (!replies[0]) throw new NetdxError('E_NETLINK', `reading coalescing of ${this.ifname}: empty netlink reply`);
      return { ok: true, value: decodeCoalesceNetlink(genlAttrs(replies[0].body)) };
    } catch (e) {
      if (!(e instanceof NetdxError) || e.errno === undefined || e.code === 'E_PERMISSION') throw e;
      if (e.errno === ENODEV) throw this.notFound();
      return refused(e.errno, this.who);
    }
  }

  private netlink(): { sock: NetlinkSocket; family: number } | null {
    if (this.nl === undefined) {
      const sock = withNetns(this.netns, () => new NetlinkSocket(NETLINK_GENERIC, 'ethtool netlink'));
      const family = genlFamilyId(sock, ETHTOOL_GENL_NAME);
      if (family === undefined) sock.close();
      this.nl = family === undefined ? null : { sock, family };
    }
    return this.nl;
  }

  pause(): Section<Pause> {
    return this.get(cmdBuf(ETHTOOL_GPAUSEPARAM, PAUSE_SIZE), decodePause);
  }

  /**
   * RSS: ETHTOOL_GRSSH once with zero sizes (the kernel answers with the table and key sizes and
   * the hash function), then with those sizes for the table and key; the ring count from
   * ETHTOOL_GRXRINGS, the hash function names from the ETH_SS_RSS_HASH_FUNCS strings.
   */
  rss(): Section<Rss> {
    const head = this.get(cmdBuf(ETHTOOL_GRSSH, RXFH_HDR), decodeRxfh);
    if (!head.ok) return head;
    let full = head.value;
    if (full.indirSize > 0 || full.keySize > 0) {
      const b = cmdBuf(ETHTOOL_GRSSH, RXFH_HDR + full.indirSize * 4 + full.keySize);
      b.writeUInt32LE(full.indirSize, 8);
      b.writeUInt32LE(full.keySize, 12);
      const r = this.get(b, decodeRxfh);
      if (!r.ok) return r;
      full = r.value;
    }
    const rings = this.get(cmdBuf(ETHTOOL_GRXRINGS, RXNFC_SIZE), decodeRxRings);
    let names: string[] = [];
    if (full.hfunc !== 0) {
      const n = this.setSize(ETH_SS_RSS_HASH_FUNCS);
      const s = n.ok && n.value > 0 ? this.strings(ETH_SS_RSS_HASH_FUNCS, n.value) : undefined;
      if (s?.ok) names = s.value;
    }
    return { ok: true, value: rssFrom(full, names, rings.ok ? rings.value : undefined) };
  }

  /** The plugged module's EEPROM type and size (ETHTOOL_GMODULEINFO); a refusal when none is plugged. */
  moduleInfo(): Section<ModuleInfo> {
    return this.get(cmdBuf(ETHTOOL_GMODULEINFO, MODINFO_SIZE), decodeModinfo, true);
  }

  close(): void {
    this.sock.close();
    this.nl?.sock.close();
    this.nl = undefined;
  }
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

/** The views besides the default report, as ethtool's options name them: -c, -a, -x, -m. */
export type EthtoolView = 'coalesce' | 'pause' | 'rss' | 'module';
export const ETHTOOL_VIEWS: readonly EthtoolView[] = ['coalesce', 'pause', 'rss', 'module'];

export interface EthtoolViews {
  iface: string;
  /** Whose refusals they are, for messages: "driver veth", or "device lo" when it names no driver. */
  who: string;
  coalesce?: Section<Coalesce>;
  pause?: Section<Pause>;
  rss?: Section<Rss>;
  module?: Section<ModuleInfo>;
}

/**
 * The asked views of one interface, each the data or why the driver would not give it. Throws
 * (E_NOT_FOUND) only when the interface does not exist.
 */
export function ethtoolViews(ifname: string, views: readonly EthtoolView[], opts: { netns?: NetnsRef } = {}): EthtoolViews {
  const dev = new EthtoolDevice(ifname, opts.netns);
  try {
    dev.driverInfo(); // the driver's name for refusals; ENODEV here means no such interface
    const out: EthtoolViews = { iface: ifname, who: dev.who };
    for (const v of ETHTOOL_VIEWS) {
      if (!views.includes(v)) continue;
      if (v === 'coalesce') out.coalesce = dev.coalesce();
      else if (v === 'pause') out.pause = dev.pause();
      else if (v === 'rss') out.rss = dev.rss();
      else out.module = dev.moduleInfo();
    }
    return out;
  } finally {
    dev.close();
  }
}
