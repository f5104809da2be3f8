// SIOCETHTOOL, the ioctl under ethtool(8): struct ifreq names a device and points (ifr_data) at
// a command struct the kernel fills in. The socket answers for the network namespace it was made
// in, so a tool reading another namespace's devices makes it there (core/netns.ts). The ethtool
// tool builds its sections on this; ifstat asks it for link speed, which sysfs gives only for the
// namespace /sys was mounted for.
import { NetdxError, errnoName } from './errors.js';
import { addressOf, errno, libc, strerror } from './ffi.js';
import { withNetns, type NetnsRef } from './netns.js';

const AF_INET = 2;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const SIOCETHTOOL = 0x8946;
const IFNAMSIZ = 16;
const IFREQ_SIZE = 40;

export const ETHTOOL_GSET = 0x1;
export const ETHTOOL_GLINKSETTINGS = 0x4c;

/** A device's answer to one ethtool command: the bytes back, or the errno it refused with. */
export type Reply = { ok: true; buf: Buffer } | { ok: false; errno: number };

/** One ethtool socket; `call` runs a command struct against a device. */
export class EthtoolSocket {
  private fd: number;
  /** @param netns the namespace whose devices it asks about (default: this thread's) */
  constructor(netns?: NetnsRef) {
    const fd = withNetns(netns, () => libc().socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0) as number);
    if (fd < 0) {
      const e = errno();
      throw new NetdxError('E_IO', `opening ethtool socket: ${strerror(e)} (${errnoName(e)})`, { errno: e });
    }
    this.fd = fd;
  }

  /** Runs the command in `cmd` (first u32 is the command number) against `ifname`, in place. */
  call(ifname: string, cmd: Buffer): Reply {
    const ifr = Buffer.alloc(IFREQ_SIZE);
    ifr.write(ifname, 0, IFNAMSIZ - 1, 'utf8');
    ifr.writeBigUInt64LE(addressOf(cmd), IFNAMSIZ); // ifr_data -> cmd (cmd stays referenced here)
    const r = libc().ioctl(this.fd, SIOCETHTOOL, ifr) as number;
    return r < 0 ? { ok: false, errno: errno() } : { ok: true, buf: cmd };
  }

  close(): void {
    if (this.fd >= 0) { libc().close(this.fd); this.fd = -1; }
  }
}

export function cmdBuf(cmd: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  b.writeUInt32LE(cmd, 0);
  return b;
}

const PORTS: Record<number, string> = { 0: 'tp', 1: 'aui', 2: 'bnc', 3: 'mii', 4: 'fibre', 5: 'da', 0xef: 'none', 0xff: 'other' };

export interface LinkSettings {
  /** Mbit/s; undefined when unknown (no link, or the driver does not say). */
  speedMbps?: number;
  duplex: 'half' | 'full' | 'unknown';
  port: string;
  autoneg: boolean;
  /** Which command answered: the current one or the legacy ETHTOOL_GSET. */
  via: 'GLINKSETTINGS' | 'GSET';
}
function speedOf(v: number): number | undefined {
  return v === 0 || v === 0xffffffff || v === 0xffff ? undefined : v;
}
function duplexOf(v: number): LinkSettings['duplex'] {
  return v === 0 ? 'half' : v === 1 ? 'full' : 'unknown';
}
export const LINKSETTINGS_HDR = 48;
export function decodeLinkSettings(b: Buffer): LinkSettings {
  const speed = speedOf(b.readUInt32LE(4));
  return {
    ...(speed !== undefined ? { speedMbps: speed } : {}),
    duplex: duplexOf(b[8]!), port: PORTS[b[9]!] ?? `port ${b[9]}`, autoneg: b[11] === 1, via: 'GLINKSETTINGS',
  };
}
export const GSET_SIZE = 44;
export function decodeGset(b: Buffer): LinkSettings {
  const speed = speedOf((b.readUInt16LE(12) | (b.readUInt16LE(28) << 16)) >>> 0);
  return {
    ...(speed !== undefined ? { speedMbps: speed } : {}),
    duplex: duplexOf(b[14]!), port: PORTS[b[15]!] ?? `port ${b[15]}`, autoneg: b[18] === 1, via: 'GSET',
  };
}

/**
 * Link speed and duplex through the ioctl: ETHTOOL_GLINKSETTINGS (its two-step handshake: nwords
 * 0 makes the kernel answer with -(words it needs)), else the older ETHTOOL_GSET.
 */
export function queryLinkSettings(sock: EthtoolSocket, ifname: string): Reply & { settings?: LinkSettings } {
  const probe = cmdBuf(ETHTOOL_GLINKSETTINGS, LINKSETTINGS_HDR);
  const first = sock.call(ifname, probe);
  if (first.ok && first.buf.readInt8(15) < 0) {
    const nwords = -first.buf.readInt8(15);
    const b = cmdBuf(ETHTOOL_GLINKSETTINGS, LINKSETTINGS_HDR + 3 * 4 * nwords);
    b.writeInt8(nwords, 15);
    const r = sock.call(ifname, b);
    if (r.ok) return { ...r, settings: decodeLinkSettings(r.buf) };
  }
  const g = sock.call(ifname, cmdBuf(ETHTOOL_GSET, GSET_SIZE));
  return g.ok ? { ...g, settings: decodeGset(g.buf) } : g;
}
