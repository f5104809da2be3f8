import { defineTool, type RunContext } from '../../core/tool.js';
import { fmtNum, ndjson, renderTable } from '../../core/output.js';
import { NetdxError } from '../../core/errors.js';
import { globMatcher } from '../../core/glob.js';
import { counterDeltas, isConstant, readCounters, type CounterDelta, type Counters } from './lib.js';
import { counterMeaning } from './meanings.js';
import { sleep } from '../../core/time.js';
import { resolveNetns } from '../../core/netns.js';

const meaningOf = (name: string) => counterMeaning(name)?.meaning ?? '';

/** Waits `ms`, or less if the run is aborted (Ctrl-C); true when it was aborted. */
async function sleepAborted(ms: number, signal: AbortSignal): Promise<boolean> {
  await sleep(ms, signal);
  return signal.aborted;
}

function printAbsolute(cur: Counters, keep: (name: string, v: bigint) => boolean, json: boolean, ctx: RunContext): void {
  const rows = [...cur].filter(([n, v]) => keep(n, v));
  if (json) { ctx.out.write(ndjson(Object.fromEntries(rows))); return; }
  ctx.out.write(renderTable<[string, bigint]>([
    { header: 'COUNTER', get: (r) => r[0] },
    { header: 'VALUE', get: (r) => r[1], align: 'right' },
    { header: 'MEANING', get: (r) => meaningOf(r[0]) },
  ], rows));
}

function printInterval(ds: CounterDelta[], seconds: number, json: boolean, ctx: RunContext): void {
  if (json) {
    const deltas: Record<string, bigint> = {};
    const rates: Record<string, number> = {};
    const gauges: Record<string, bigint> = {};
    for (const d of ds) {
      if (d.gauge) gauges[d.name] = d.value;
      else { deltas[d.name] = d.delta!; rates[d.name] = Math.round(d.rate! * 1000) / 1000; }
    }
    ctx.out.write(ndjson({ time: new Date().toISOString(), seconds: Math.round(seconds * 1e6) / 1e6, deltas, rates, gauges }));
    return;
  }
  ctx.out.write(`# ${new Date().toTimeString().slice(0, 8)} over ${seconds.toFixed(3)} s\n`);
  // Gauges show their current value as "=N" in the DELTA column: they have no rate.
  ctx.out.write(renderTable<CounterDelta>([
    { header: 'COUNTER', get: (d) => d.name },
    { header: 'DELTA', get: (d) => (d.gauge ? `=${d.value}` : `${d.delta}${d.wrapped ? '(wrap)' : ''}`), align: 'right' },
    { header: 'RATE/s', get: (d) => (d.gauge ? '-' : fmtNum(d.rate!)), align: 'right' },
    { header: 'MEANING', get: (d) => meaningOf(d.name) },
  ], ds));
}

export default defineTool({
  name: 'nstat',
  layer: 'transport',
  summary: 'SNMP/TcpExt/IpExt counters as rates, with what each one means (nstat)',
  args: '[PATTERN...]',
  replaces: 'nstat, netstat -s (iproute2 names; shell globs as filters)',
  options: {
    absolute: { type: 'bool', short: 'a', help: 'values since boot (since the netns was made) instead of deltas' },
    zeros: { type: 'bool', short: 'z', help: 'show counters that are zero (or did not move)' },
    interval: { type: 'number', short: 'i', arg: 'SECONDS', help: 'length of one interval (default 1)' },
    count: { type: 'int', short: 'c', arg: 'COUNT', help: 'intervals to print, 0 = until Ctrl-C (default 1)' },
    netns: { type: 'string', arg: 'NAME', help: 'this network namespace (a name under /run/netns, or a path)' },
  },
  examples: [
    'netdx nstat', 'netdx nstat -i 5 -c 0 \'TcpExt*Listen*\' \'Tcp*Retrans*\'', 'netdx nstat -a -z Udp*',
    'netdx nstat -a --json', 'netdx nstat -i 10 --json',
  ],
  async run(opts, ctx) {
    if (opts.absolute && (opts.interval !== undefined || opts.count !== undefined)) {
      throw new NetdxError('E_USAGE', 'parsing arguments: -a prints values since boot and takes no -i/-c');
    }
    const interval = opts.interval ?? 1;
    const count = opts.count ?? 1;
    if (!(interval > 0) || interval > 86_400) throw new NetdxError('E_USAGE', `parsing -i: '${interval}' must be above 0 and at most 86400 seconds`);
    if (count < 0) throw new NetdxError('E_USAGE', `parsing -c: '${count}' must be 0 (until Ctrl-C) or more`);
    // nstat matches names case-insensitively (TcpExt*retrans* finds TcpExtTCPLostRetransmit)
    const match = globMatcher(opts._, { ignoreCase: true });
    const netns = opts.netns !== undefined ? resolveNetns(opts.netns) : undefined;
    const first = readCounters('/proc', netns);
    // A pattern that names no counter at all is a typo, not an idle counter: say so.
    for (const p of opts._) {
      const one = globMatcher([p], { ignoreCase: true });
      if (![...first.keys()].some(one)) throw new NetdxError('E_USAGE', `parsing PATTERN: '${p}' matches no counter (netdx nstat -az lists them)`);
    }
    if (opts.absolute) {
      printAbsolute(first, (n, v) => match(n) && (opts.zeros || v !== 0n), opts.json, ctx);
      return 0;
    }
    let prev = first;
    let t0 = process.hrtime.bigint();
    for (let i = 0; count === 0 || i < count; i++) {
      if (await sleepAborted(interval * 1000, ctx.signal)) break;
      const cur = readCounters('/proc', netns);
      const t1 = process.hrtime.bigint();
      const seconds = Number(t1 - t0) / 1e9;
      const ds = counterDeltas(prev, cur, seconds).filter((d) => match(d.name) && !isConstant(d.name)
        && (opts.zeros || (d.gauge ? d.value !== 0n : d.delta !== 0n)));
      printInterval(ds, seconds, opts.json, ctx);
      prev = cur;
      t0 = t1;
    }
    return 0;
  },
});
