import { NetdxError } from '../../core/errors.js';
import { eventTool, intervalTool, numberColumns } from '../../core/kit/cli.js';
import { ndjson, renderTable, type Column } from '../../core/output.js';
import { resolveNetns } from '../../core/netns.js';
import { defineTool, type OptionSpecs, type Parsed } from '../../core/tool.js';
import { listXdp, progName, XDP, XDP_EVENTS, type XdpAttachment, type XdpCount, type XdpReport } from './lib.js';

const NAME = 'xdp';
const SUMMARY = 'XDP programs per interface (mode, id, name) and XDP exceptions, redirects, errors';
const REPLACES = 'bpftool net / ip link (XDP programs), xdp-monitor / bpftrace on the xdp: tracepoints';

const PROGRAMS: ReadonlyArray<Column<XdpAttachment>> = [
  { header: 'IFINDEX', get: (p) => p.ifindex, align: 'right' },
  { header: 'DEV', get: (p) => p.dev },
  { header: 'MODE', get: (p) => p.mode },
  { header: 'PROG_ID', get: (p) => p.prog_id, align: 'right' },
  { header: 'NAME', get: (p) => p.name || '-' },
  { header: 'TAG', get: (p) => p.tag || '-' },
  { header: 'RUNS', get: (p) => (p.run_count ? p.run_count : '-'), align: 'right' },
];

const COUNTS: ReadonlyArray<Column<XdpCount>> = [
  { header: 'EVENT', get: (c) => c.event },
  { header: 'PROG_ID', get: (c) => c.prog_id || '-', align: 'right' },
  { header: 'PROG', get: (c) => progName(c.prog_id) || '-', cap: 15 },
  { header: 'ACTION', get: (c) => c.action },
  { header: 'NETNS', get: (c) => c.netns || '-' },
  { header: 'DEV', get: (c) => c.dev || '-' },
  { header: 'TARGET', get: (c) => c.target || '-', align: 'right' },
  { header: 'ERR', get: (c) => c.err || '-' },
  { header: 'MAP', get: (c) => c.map_id || '-', align: 'right' },
  ...numberColumns<XdpCount>([['EVENTS', 'events'], ['SENT', 'sent'], ['DROPS', 'drops']]),
];

const OWN = {
  interface: { type: 'string', short: 'I', arg: 'IFACE', help: 'only this interface (its programs and events)' },
  list: { type: 'bool', help: 'print the attached XDP programs and exit (no tracing)' },
  events: { type: 'bool', help: 'one line per xdp: tracepoint event instead of counts per interval' },
} as const satisfies OptionSpecs;

/** The programs of the namespace as a table, or the line saying there are none. */
function renderPrograms(programs: readonly XdpAttachment[]): string {
  return programs.length ? renderTable(PROGRAMS, programs) : 'no XDP program attached\n';
}

function checkOwn(o: { interface?: string }): void {
  if (o.interface !== undefined && !/^[^/\s\0]{1,15}$/.test(o.interface)) {
    throw new NetdxError('E_USAGE', `parsing -I: '${o.interface}' is not an interface name`);
  }
}

const counting = intervalTool<XdpReport, typeof OWN>({
  name: NAME, layer: 'device', summary: SUMMARY, replaces: REPLACES, spec: XDP, options: OWN,
  tracing: 'XDP programs and the xdp: tracepoints',
  check: checkOwn,
  render(r) {
    let out = `XDP programs:\n${renderPrograms(r.programs)}\n`;
    out += r.counts.length ? `xdp: tracepoint events in ${r.seconds.toFixed(1)} s:\n${renderTable(COUNTS, r.counts)}`
      : `no xdp: tracepoint event in ${r.seconds.toFixed(1)} s (XDP_PASS and XDP_DROP fire none)\n`;
    return out + '\n';
  },
  json: (r) => ({ programs: r.programs, counts: r.counts.map((c) => ({ ...c, prog: progName(c.prog_id) })) }),
});

const each = eventTool({
  name: NAME, layer: 'device', summary: SUMMARY, replaces: REPLACES, spec: XDP_EVENTS, options: OWN,
  tracing: 'the xdp: tracepoints, one line each',
  check: checkOwn,
  columns: () => [
    { header: 'EVENT', get: (e) => e.event, width: 14 },
    { header: 'PROG_ID', get: (e) => e.prog_id || '-', align: 'right', width: 7 },
    { header: 'PROG', get: (e) => progName(e.prog_id) || '-', width: 15 },
    { header: 'ACTION', get: (e) => e.action, width: 8 },
    { header: 'DEV', get: (e) => e.dev || '-', width: 15 },
    { header: 'TARGET', get: (e) => e.target || '-', align: 'right', width: 6 },
    { header: 'ERR', get: (e) => e.err || '-', width: 6 },
    { header: 'SENT', get: (e) => e.sent, align: 'right', width: 5 },
    { header: 'DROPS', get: (e) => e.drops, align: 'right', width: 5 },
    { header: 'CPU', get: (e) => e.cpu, align: 'right', width: 3 },
  ],
  json: (e) => ndjson({ ...e, prog: progName(e.prog_id) }),
  time: (e) => e.ts_ns,
});

type Opts = Parsed<OptionSpecs> & { list?: boolean; events?: boolean; interface?: string; netns?: string; interval?: number; count?: number };

/**
 * One tool, three ways: counts per interval (the kit's interval loop, the programs listed with
 * each report), --events (the kit's event loop) and --list (rtnetlink only, no BPF).
 */
export default defineTool<OptionSpecs>({
  name: NAME, layer: 'device', summary: SUMMARY, replaces: REPLACES, hooks: counting.hooks, probe: counting.probe, root: true,
  options: { ...counting.options, ...each.options, time: { ...each.options.time!, help: 'print the time above each report (--events: an HH:MM:SS column)' } },
  examples: ['netdx xdp --list', 'netdx xdp -i 1', 'netdx xdp --netns edge --events', 'netdx xdp -I eth0 -i 5 -c 3 --json'],
  async run(opts, ctx) {
    const o = opts as Opts;
    if (o.list && o.events) throw new NetdxError('E_USAGE', 'parsing arguments: --list and --events exclude each other');
    if ((o.list || o.events) && (o.interval !== undefined || o.count)) {
      throw new NetdxError('E_USAGE', `parsing arguments: -i and -c are for counts per interval, not --${o.list ? 'list' : 'events'}`);
    }
    if (o.list) {
      if (o.duration !== undefined || o.time) throw new NetdxError('E_USAGE', 'parsing arguments: -d and -T are for tracing, not --list');
      checkOwn(o);
      const programs = listXdp(o.netns !== undefined ? resolveNetns(o.netns) : undefined, o.interface);
      ctx.out.write(o.json ? programs.map((p) => ndjson(p)).join('') : renderPrograms(programs));
      return 0;
    }
    return (o.events ? each : counting).run(opts, ctx);
  },
});
