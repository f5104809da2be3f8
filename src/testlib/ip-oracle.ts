// Test support: maps one entry of `ip -s -s -j link show` (iproute2, the oracle) onto the
// rtnl_link_stats64 field names netdx uses, so tests compare every counter by name.
import type { LinkStatName } from '../core/netlink/rtnl.js';

interface IpJsonLink {
  ifname: string;
  stats64?: { rx: Record<string, number>; tx: Record<string, number> };
}

const RX: Record<string, LinkStatName> = {
  bytes: 'rx_bytes', packets: 'rx_packets', errors: 'rx_errors', dropped: 'rx_dropped', over_errors: 'rx_over_errors',
  multicast: 'multicast', length_errors: 'rx_length_errors', crc_errors: 'rx_crc_errors', frame_errors: 'rx_frame_errors',
  fifo_errors: 'rx_fifo_errors', missed_errors: 'rx_missed_errors', compressed: 'rx_compressed',
  nohandler: 'rx_nohandler', otherhost_dropped: 'rx_otherhost_dropped',
};
const TX: Record<string, LinkStatName> = {
  bytes: 'tx_bytes', packets: 'tx_packets', errors: 'tx_errors', dropped: 'tx_dropped', carrier_errors: 'tx_carrier_errors',
  collisions: 'collisions', aborted_errors: 'tx_aborted_errors', fifo_errors: 'tx_fifo_errors',
  window_errors: 'tx_window_errors', heartbeat_errors: 'tx_heartbeat_errors', compressed: 'tx_compressed',
};

/** name -> (stat -> value) for every counter ip printed (carrier_changes is not a stats64 field). */
export function ipJsonStats(json: string): Map<string, Partial<Record<LinkStatName, number>>> {
  const out = new Map<string, Partial<Record<LinkStatName, number>>>();
  for (const l of JSON.parse(json) as IpJsonLink[]) {
    const s: Partial<Record<LinkStatName, number>> = {};
    for (const [dir, map] of [['rx', RX], ['tx', TX]] as const) {
      for (const [k, v] of Object.entries(l.stats64?.[dir] ?? {})) if (map[k]) s[map[k]!] = v;
    }
    out.set(l.ifname, s);
  }
  return out;
}
