// rtnetlink links: one RTM_GETLINK dump (NETLINK_ROUTE) gives every interface of this network
// namespace with its name, state, queues, kind and 64-bit counters in one round trip; the same
// source `ip -s link` reads. Parsing takes bytes, so it is tested on captured dumps without root.
// Qdiscs, over the same dump helper: qdisc.ts.
import { withNetns, type NetnsRef } from '../netns.js';
import { readTextOr } from '../proc/read.js';
import { NetdxError } from '../errors.js';
import {
  NETLINK_ROUTE, NLM_F_DUMP, NetlinkSocket, attrCString, buildMessage, parseAttrs, parseMessages, type NlMsg,
} from './netlink.js';

export const RTM_NEWLINK = 16;
export const RTM_GETLINK = 18;

const IFLA_ADDRESS = 1;
const IFLA_IFNAME = 3;
const IFLA_MTU = 4;
const IFLA_QDISC = 6;
const IFLA_MASTER = 10;
const IFLA_TXQLEN = 13;
const IFLA_OPERSTATE = 16;
const IFLA_LINKINFO = 18;
const IFLA_STATS64 = 23;
const IFLA_NUM_TX_QUEUES = 31;
const IFLA_NUM_RX_QUEUES = 32;
const IFLA_CARRIER = 33;
const IFLA_XDP = 43;
const IFLA_XDP_ATTACHED = 2;
const IFLA_XDP_FLAGS = 3;
const IFLA_XDP_PROG_ID = 4;
const IFLA_XDP_DRV_PROG_ID = 5;
const IFLA_XDP_SKB_PROG_ID = 6;
const IFLA_XDP_HW_PROG_ID = 7;
const IFLA_INFO_KIND = 1;
const IFLA_INFO_SLAVE_KIND = 4;

const IFINFOMSG_LEN = 16;

/** IF_OPER_* (RFC 2863 operstate), as `ip link` prints them. */
const OPERSTATES = ['unknown', 'notpresent', 'down', 'lowerlayerdown', 'testing', 'dormant', 'up'];

/**
 * struct rtnl_link_stats64 in kernel order. The struct grew over time (rx_nohandler in 4.6,
 * rx_otherhost_dropped in 5.19): fields past the attribute's length are absent, not zero.
 */
export const LINK_STATS64_FIELDS = [
  'rx_packets', 'tx_packets', 'rx_bytes', 'tx_bytes', 'rx_errors', 'tx_errors', 'rx_dropped', 'tx_dropped',
  'multicast', 'collisions', 'rx_length_errors', 'rx_over_errors', 'rx_crc_errors', 'rx_frame_errors',
  'rx_fifo_errors', 'rx_missed_errors', 'tx_aborted_errors', 'tx_carrier_errors', 'tx_fifo_errors',
  'tx_heartbeat_errors', 'tx_window_errors', 'rx_compressed', 'tx_compressed', 'rx_nohandler',
  'rx_otherhost_dropped',
] as const;
export type LinkStatName = (typeof LINK_STATS64_FIELDS)[number];
/** Counters as bigint (u64, wrap-safe); a field is missing when this kernel's struct lacks it. */
export type LinkStats64 = Partial<Record<LinkStatName, bigint>>;

/** XDP_ATTACHED_*: how the XDP program(s) of a device run. */
export type XdpMode = 'none' | 'driver' | 'generic' | 'offload' | 'multi';
const XDP_MODES: readonly XdpMode[] = ['none', 'driver', 'generic', 'offload', 'multi'];

/** The XDP programs of a device (IFLA_XDP), as `ip link` shows them (prog/xdp id N). */
export interface LinkXdp {
  /** driver (native), generic (skb), offload (hw), multi (several modes at once), or none. */
  mode: XdpMode;
  /** With one mode: its program's id. */
  progId?: number;
  /** The id per mode (the kernel reports these with one mode too). */
  driverProgId?: number;
  genericProgId?: number;
  offloadProgId?: number;
  /** IFLA_XDP_FLAGS, when the kernel reports it (dumps of 6.18 do not). */
  flags?: number;
}

/** The IFLA_XDP nest of a link. */
export function parseLinkXdp(nest: Buffer): LinkXdp {
  const x = parseAttrs(nest);
  const u32 = (t: number) => { const v = x.get(t); return v && v.length >= 4 ? v.readUInt32LE(0) : undefined; };
  const attached = x.get(IFLA_XDP_ATTACHED)?.[0] ?? 0;
  const out: LinkXdp = {
    mode: XDP_MODES[attached] ?? 'none',
    progId: u32(IFLA_XDP_PROG_ID),
    driverProgId: u32(IFLA_XDP_DRV_PROG_ID),
    genericProgId: u32(IFLA_XDP_SKB_PROG_ID),
    offloadProgId: u32(IFLA_XDP_HW_PROG_ID),
    flags: u32(IFLA_XDP_FLAGS),
  };
  for (const k of Object.keys(out) as Array<keyof LinkXdp>) if (out[k] === undefined) delete out[k];
  return out;
}

/** Each XDP program of a link with its mode (one, or one per mode when several are attached). */
export function xdpPrograms(x: LinkXdp | undefined): Array<{ mode: Exclude<XdpMode, 'none' | 'multi'>; progId: number }> {
  if (!x || x.mode === 'none') return [];
  if (x.mode !== 'multi') return x.progId ? [{ mode: x.mode, progId: x.progId }] : [];
  const out: Array<{ mode: Exclude<XdpMode, 'none' | 'multi'>; progId: number }> = [];
  if (x.driverProgId) out.push({ mode: 'driver', progId: x.driverProgId });
  if (x.genericProgId) out.push({ mode: 'generic', progId: x.genericProgId });
  if (x.offloadProgId) out.push({ mode: 'offload', progId: x.offloadProgId });
  return out;
}

export interface Link {
  ifindex: number;
  name: string;
  /** ARPHRD_* (1 ether, 772 loopback, ...). */
  type: number;
  /** IFF_* flags (IFF_UP 0x1, IFF_LOOPBACK 0x8, IFF_RUNNING 0x40, ...). */
  flags: number;
  up: boolean;
  operstate: string;
  carrier?: boolean;
  mtu?: number;
  txqlen?: number;
  qdisc?: string;
  numTxQueues?: number;
  numRxQueues?: number;
  /** IFLA_INFO_KIND: veth, bridge, vlan, ... (absent for physical NICs and lo). */
  kind?: string;
  /** IFLA_INFO_SLAVE_KIND when enslaved (bridge port, bond member). */
  slaveKind?: string;
  master?: number;
  /** Hardware address, colon hex. */
  address?: string;
  stats?: LinkStats64;
  /** Its XDP programs (IFLA_XDP: present on every link of a kernel with XDP, mode 'none' when none). */
  xdp?: LinkXdp;
}

export function parseStats64(b: Buffer): LinkStats64 {
  const s: LinkStats64 = {};
  const n = Math.min(LINK_STATS64_FIELDS.length, Math.floor(b.length / 8));
  for (let i = 0; i < n; i++) s[LINK_STATS64_FIELDS[i]!] = b.readBigUInt64LE(i * 8);
  return s;
}

function hexAddr(b: Buffer): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** One RTM_NEWLINK body (ifinfomsg + attributes) into a Link. */
export function parseLinkMessage(body: Buffer): Link {
  if (body.length < IFINFOMSG_LEN) {
    throw new NetdxError('E_NETLINK', `parsing RTM_NEWLINK: body of ${body.length} bytes is shorter than ifinfomsg`);
  }
  const flags = body.readUInt32LE(8);
  const a = parseAttrs(body, IFINFOMSG_LEN);
  const u32 = (t: number) => { const v = a.get(t); return v && v.length >= 4 ? v.readUInt32LE(0) : undefined; };
  const link: Link = {
    ifindex: body.readInt32LE(4),
    name: attrCString(a.get(IFLA_IFNAME)) ?? '',
    type: body.readUInt16LE(2),
    flags,
    up: (flags & 0x1) !== 0,
    operstate: OPERSTATES[a.get(IFLA_OPERSTATE)?.[0] ?? 0] ?? 'unknown',
  };
  const carrier = a.get(IFLA_CARRIER);
  if (carrier && carrier.length >= 1) link.carrier = carrier[0] !== 0;
  link.mtu = u32(IFLA_MTU);
  link.txqlen = u32(IFLA_TXQLEN);
  link.qdisc = attrCString(a.get(IFLA_QDISC));
  link.numTxQueues = u32(IFLA_NUM_TX_QUEUES);
  link.numRxQueues = u32(IFLA_NUM_RX_QUEUES);
  link.master = u32(IFLA_MASTER);
  const li = a.get(IFLA_LINKINFO);
  if (li) {
    const info = parseAttrs(li);
    link.kind = attrCString(info.get(IFLA_INFO_KIND));
    link.slaveKind = attrCString(info.get(IFLA_INFO_SLAVE_KIND));
  }
  const addr = a.get(IFLA_ADDRESS);
  if (addr && addr.length > 0) link.address = hexAddr(addr);
  const st = a.get(IFLA_STATS64);
  if (st) link.stats = parseStats64(st);
  const xdp = a.get(IFLA_XDP);
  if (xdp) link.xdp = parseLinkXdp(xdp);
  for (const k of Object.keys(link) as Array<keyof Link>) if (link[k] === undefined) delete link[k];
  return link;
}

/** RTM_NEWLINK messages of a dump (as received, possibly several concatenated) into Links. */
export function parseLinkDump(bytes: Buffer): Link[] {
  return parseMessages(bytes).filter((m) => m.type === RTM_NEWLINK).map((m) => parseLinkMessage(m.body));
}

function getlinkRequest(): Buffer {
  return Buffer.alloc(IFINFOMSG_LEN); // AF_UNSPEC, every link
}

/**
 * One NETLINK_ROUTE dump in a network namespace (default: the calling thread's): `onMessage` gets
 * each reply message (its body valid only during the call). Shared by links and qdiscs.
 */
export function rtnlDump(type: number, request: Buffer, netns: NetnsRef | undefined, onMessage: (m: NlMsg) => void): void {
  const sock = withNetns(netns, () => new NetlinkSocket(NETLINK_ROUTE, 'rtnetlink'));
  try {
    sock.transact(type, NLM_F_DUMP, request, onMessage);
  } finally {
    sock.close();
  }
}

/**
 * The raw reply bytes of one dump, messages re-serialised back to back with their headers, for
 * fixtures: the parser of that dump reads them as it reads the live reply.
 */
export function rtnlDumpRaw(type: number, request: Buffer, netns?: NetnsRef): Buffer {
  const parts: Buffer[] = [];
  rtnlDump(type, request, netns, (m) => parts.push(buildMessage(m.type, m.flags, m.seq, m.body)));
  return Buffer.concat(parts);
}

/** Every interface of a network namespace (default: the calling thread's), in ifindex order. */
export function dumpLinks(netns?: NetnsRef): Link[] {
  const out: Link[] = [];
  rtnlDump(RTM_GETLINK, getlinkRequest(), netns, (m) => {
    if (m.type === RTM_NEWLINK) out.push(parseLinkMessage(m.body));
  });
  return out;
}

/** The raw reply of one RTM_GETLINK dump, for fixtures: parseLinkDump(dumpLinksRaw()) equals dumpLinks(). */
export function dumpLinksRaw(netns?: NetnsRef): Buffer {
  return rtnlDumpRaw(RTM_GETLINK, getlinkRequest(), netns);
}

export type Duplex = 'full' | 'half' | 'unknown';

export interface LinkSpeed {
  /** Mbit/s; undefined when the driver reports none (-1, or the read fails: lo, tunnels, ...). */
  speedMbps?: number;
  duplex: Duplex;
}

/** Parses the text of /sys/class/net/IF/speed and /duplex (either may be missing). */
export function parseLinkSpeed(speedText: string | undefined, duplexText: string | undefined): LinkSpeed {
  const n = speedText === undefined ? NaN : Number(speedText.trim());
  const d = duplexText?.trim();
  return {
    ...(Number.isInteger(n) && n > 0 ? { speedMbps: n } : {}),
    duplex: d === 'full' || d === 'half' ? d : 'unknown',
  };
}


/**
 * Link speed and duplex from sysfs (the netns the process's /sys was mounted for). Reading the
 * speed of a device whose driver has no get_link_ksettings fails with EINVAL: unknown speed.
 */
export function linkSpeed(name: string): LinkSpeed {
  if (!/^[^/\0]{1,15}$/.test(name) || name === '.' || name === '..') return { duplex: 'unknown' };
  return parseLinkSpeed(readTextOr(`/sys/class/net/${name}/speed`), readTextOr(`/sys/class/net/${name}/duplex`));
}
