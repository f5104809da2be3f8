// ieee80211scan as a library: one typed event per WiFi scan (who asked, the radio, how long it
// took, channels scanned), from the cfg80211 tracepoints. Where the kernel has no cfg80211 (no
// wireless support), starting it fails naming the missing tracepoint (exit 2 from the CLI).
import { structDecoder } from '../../core/bpf/struct.js';
import type { EventSpec } from '../../core/kit/events.js';
import { ieee80211scan_event } from './ieee80211scan.h.js';

export interface WifiScanEvent {
  /** When it ended, CLOCK_MONOTONIC ns. */
  ts_ns: number;
  /** From the request to the end, ms. */
  duration_ms: number;
  pid: number;
  comm: string;
  /** The radio: phy0, ... */
  wiphy: string;
  n_channels: number;
}

const ev = structDecoder(ieee80211scan_event);

export const IEEE80211SCAN: EventSpec<WifiScanEvent> = {
  name: 'ieee80211scan',
  object: 'ieee80211scan',
  hooks: ['tracepoint'],
  filters: ['pid', 'cgroup'],
  variants: [{ via: 'tracepoint', programs: ['ieee80211scan_start_tp', 'ieee80211scan_done_tp'] }],
  decode(dv, off) {
    const e = ev(dv, off);
    return { ts_ns: e.ts_ns, duration_ms: e.dur_ns / 1e6, pid: e.pid, comm: e.comm, wiphy: e.wiphy, n_channels: e.n_channels };
  },
};
