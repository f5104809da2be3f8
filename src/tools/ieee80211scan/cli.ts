import { eventTool } from '../../core/kit/cli.js';
import { ndjson } from '../../core/output.js';
import { IEEE80211SCAN } from './lib.js';

export default eventTool({
  name: 'ieee80211scan',
  layer: 'device',
  summary: 'each WiFi scan: who asked, the radio, duration, channels (cfg80211)',
  replaces: 'ieee80211scan.bt (BPF Performance Tools, a kprobe on ieee80211_request_scan)',
  spec: IEEE80211SCAN,
  options: {},
  tracing: 'WiFi scans',
  nouns: { events: 'scans', untracked: 'scans not followed' },
  examples: ['netdx ieee80211scan', 'netdx ieee80211scan -T --json'],
  columns: () => [
    { header: 'PID', get: (e) => e.pid || '-', width: 7 },
    { header: 'COMM', get: (e) => e.comm || '-', width: 15 },
    { header: 'WIPHY', get: (e) => e.wiphy || '-', width: 8 },
    { header: 'CHANNELS', get: (e) => e.n_channels, align: 'right', width: 8 },
    { header: 'DURATION_MS', get: (e) => e.duration_ms.toFixed(1), align: 'right', width: 11 },
  ],
  json: (e) => ndjson(e),
  time: (e) => e.ts_ns,
});
