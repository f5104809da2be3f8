import { defineTool, type RunContext } from '../../core/tool.js';
import { fmtNum, ndjson, renderTable } from '../../core/output.js';
import { NetdxError } from '../../core/errors.js';
import { globMatcher } from '../../core/glob.js';
import { counterDeltas, deltaOf, isConstant, nstatJson, nstatValues, readCounters, type CounterDelta, type Counters } from './lib.js';
import { counterMeaning } from './meanings.js';
import { checkInterval, monotonicNs, sleep } from '../../core/time.js';
import { resolveNetns, type NetnsRef } from '../../core/netns.js';
import {
  ensureHistoryDir, historyDeltas, historyDir, historyFile, historyOwner, loadHistory, nextHistory,
  removeHistory, saveHistory, type History,
} from './history.js';

const meaningOf = (name: string) => counterMeaning(name)?.meaning ?? '';

/** Waits `ms`, or less if the run is aborted (Ctrl-C); true when it was aborted. */
async function sleepAborted(ms: number, signal: AbortSignal): Promise<boolean> {
  await sleep(ms, signal);
  return signal.aborted;
}

const hhmmss = (d: Date) => d.toTimeString().slice(0, 8);

function printAbsolute(cur: Counters, keep: (name: string, v: bigint) => boolean, json: boolean, ctx: RunContext): void {
  const rows = [...cur].filter(([n, v]) => keep(n, v));
  if (json) { ctx.out.write(ndjson(Object.fromEntries(rows))); return; }
  ctx.out.write(renderTable<[string, bigint]>([
    { header: 'COUNTER', get: (r) => r[0] },
    { header: 'VALUE', get: (r) => r[1], align: 'right' },
    { header: 'MEANING', get: (r) => meaningOf(r[0]) },
  ], rows));
}

/**
 * What the deltas are over: an interval, or the span since the last run (`history`: its time;
 * none with no history yet, when they are values since boot and have no rate).
 */
interface Since {
  history?: { time?: Date };
  seconds?: number;
  /** When the counters shown were read (default: now). */
  at?: Date;
}

function printDeltas(ds: CounterDelta[], since: Since, json: boolean, ctx: RunContext): void {
  if (json) {
    const deltas: Record<string, bigint> = {};
    const rates: Record<string, number> = {};
    const gauges: Record<string, bigint> = {};
    for (const d of ds) {
      if (d.gauge) { gauges[d.name] = d.value; continue; }
      deltas[d.name] = d.delta!;
      if (d.rate !== null) rates[d.name] = Math.round(d.rate * 1000) / 1000;
    }
    const seconds = since.seconds === undefined ? null : Math.round(since.seconds * 1e6) / 1e6;
    const last = since.history ? { since: since.history.time?.toISOString() ?? null } : {};
    ctx.out.write(ndjson({ time: (since.at ?? new Date()).toISOString(), ...last, seconds, deltas, rates, gauges }));
    return;
  }
  // Gauges show their current value as "=N" in the DELTA column: they have no rate.
  ctx.out.write(renderTable<CounterDelta>([
    { header: 'COUNTER', get: (d) => d.name },
    { header: 'DELTA', get: (d) => (d.gauge ? `=${d.value}` : `${d.delta}${d.wrapped ? '(wrap)' : ''}`), align: 'right' },
    ...(since.seconds === undefined ? [] : [{ header: 'RATE/s', get: (d: CounterDelta) => (d.rate === null ? '-' : fmtNum(d.rate)), align: 'right' as const }]),
    { header: 'MEANING', get: (d) => meaningOf(d.name) },
  ], ds));
}

export default defineTool({
  name: 'nstat',
  layer: 'transport',
  summary: 'kernel SNMP counters since the last run or per interval, with their meanings (nstat)',
  args: '[PATTERN...]',
  reads: '/proc/net/snmp, /proc/net/netstat, /proc/net/snmp6',
  replaces: 'nstat, netstat -s (iproute2 names, history and -j; shell globs as filters)',
  options: {
    absolute: { type: 'bool', short: 'a', help: 'values since boot (since the netns was made) instead of changes' },
    zeros: { type: 'bool', short: 'z', help: 'show counters that are zero (or did not move)' },
    reset: { type: 'bool', short: 'r', help: 'forget the history first: show values since boot, count from now' },
    nooutput: { type: 'bool', short: 'n', help: 'print nothing, only update the history' },
    noupdate: { type: 'bool', short: 's', help: 'leave the history as it was: the next run shows these changes again' },
    interval: { type: 'number', short: 'i', arg: 'SECONDS', help: 'sample over intervals this long instead (no history; default 1 with -c)' },
    count: { type: 'int', short: 'c', arg: 'COUNT', help: 'intervals to print, 0 = until Ctrl-C (default 1 with -i)' },
    'nstat-json': { type: 'bool', short: 'j', help: 'JSON exactly as iproute2\'s nstat -j prints it: {"kernel":{...}}' },
    pretty: { type: 'bool', short: 'p', help: 'with -j: indented, as nstat -jp' },
    netns: { type: 'string', arg: 'NAME', help: 'this network namespace (a name under /run/netns, or a path)' },
  },
  examples: [
    'netdx nstat', 'netdx nstat -rn', 'netdx nstat -i 5 -c 0 \'TcpExt*Listen*\' \'Tcp*Retrans*\'', 'netdx nstat -a -z Udp*',
    'netdx nstat -j', 'netdx nstat -i 10 --json',
  ],
  async run(opts, ctx) {
    const sampling = opts.interval !== undefined || opts.count !== undefined;
    const nstatShape = opts['nstat-json'];
    if (opts.absolute && sampling) {
      throw new NetdxError('E_USAGE', 'parsing arguments: -a prints values since boot and takes no -i/-c');
    }
    if (sampling && (opts.reset || opts.nooutput || opts.noupdate)) {
      throw new NetdxError('E_USAGE', 'parsing arguments: -i/-c sample over intervals and keep no history: no -r, -n or -s with them');
    }
    if (opts.json && nstatShape) throw new NetdxError('E_USAGE', 'parsing arguments: --json (netdx\'s shape) and -j (nstat\'s) exclude each other');
    if (opts.pretty && !nstatShape) throw new NetdxError('E_USAGE', 'parsing arguments: -p indents the JSON of -j: give -j too');
    const interval = opts.interval ?? 1;
    const count = opts.count ?? 1;
    checkInterval(interval);
    if (count < 0) throw new NetdxError('E_USAGE', `parsing -c: '${count}' must be 0 (until Ctrl-C) or more`);
    // nstat matches names case-insensitively (TcpExt*retrans* finds TcpExtTCPLostRetransmit)
    const match = globMatcher(opts._, { ignoreCase: true });
    const netns = opts.netns !== undefined ? resolveNetns(opts.netns) : undefined;
    const first = readCounters('/proc', netns);
    const firstNs = monotonicNs();
    const firstTime = new Date();
    // A pattern that names no counter at all is a typo, not an idle counter: say so.
    for (const p of opts._) {
      const one = globMatcher([p], { ignoreCase: true });
      if (![...first.keys()].some(one)) throw new NetdxError('E_USAGE', `parsing PATTERN: '${p}' matches no counter (netdx nstat -az lists them)`);
    }
    const shown = (d: CounterDelta) => match(d.name) && !isConstant(d.name) && (opts.zeros || (d.gauge ? d.value !== 0n : d.delta !== 0n));

    if (sampling) {
      let prev = first;
      let t0 = firstNs;
      for (let i = 0; count === 0 || i < count; i++) {
        if (await sleepAborted(interval * 1000, ctx.signal)) break;
        const cur = readCounters('/proc', netns);
        const t1 = monotonicNs();
        const seconds = Number(t1 - t0) / 1e9;
        if (nstatShape) {
          const before = prev;
          ctx.out.write(nstatJson(nstatValues(cur, (n) => before.get(n), match, opts.zeros), opts.pretty));
        } else {
          if (!opts.json) ctx.out.write(`# ${hhmmss(new Date())} over ${seconds.toFixed(3)} s\n`);
          printDeltas(counterDeltas(prev, cur, seconds).filter(shown), { seconds }, opts.json, ctx);
        }
        prev = cur;
        t0 = t1;
      }
      return 0;
    }

    // Since the last run, as nstat: the history of this namespace, read, shown against, updated.
    const history = openHistory(netns, opts, ctx);
    if (!opts.nooutput) {
      const h = history.loaded;
      if (nstatShape) {
        const base = opts.absolute || !h ? undefined : (n: string) => h.counters.get(n)?.value;
        ctx.out.write(nstatJson(nstatValues(first, base, match, opts.zeros), opts.pretty));
      } else if (opts.absolute) {
        printAbsolute(first, (n, v) => match(n) && (opts.zeros || v !== 0n), opts.json, ctx);
      } else if (h) {
        const last = h.last;
        const ds = historyDeltas(h, first, firstNs).filter(shown);
        const since: Since = { history: { time: new Date(last.time) }, seconds: Number(firstNs - last.monotonicNs) / 1e9, at: firstTime };
        if (!opts.json) {
          ctx.out.write(`# ${hhmmss(firstTime)} over ${since.seconds!.toFixed(3)} s since the last run (${hhmmss(since.history!.time!)})\n`);
          const older = ds.filter((d) => !d.gauge && (h.counters.get(d.name)?.sample ?? last) !== last).length;
          if (older) ctx.out.write(`# ${older} of these count from an earlier run: the last run's patterns left them out\n`);
        }
        printDeltas(ds, since, opts.json, ctx);
      } else {
        // No history yet (first run here, or -r): values since boot, as nstat prints then.
        const ds = [...first].map(([n, v]) => deltaOf(n, v, 0n, 0)).filter(shown);
        if (!opts.json) ctx.out.write(`# ${hhmmss(firstTime)} values since boot (or the namespace's creation): no history yet\n`);
        printDeltas(ds, { history: {}, at: firstTime }, opts.json, ctx);
      }
    }
    history.update?.(first, { time: firstTime.toISOString(), monotonicNs: firstNs }, match, opts.zeros);
    return 0;
  },
});

/**
 * The history of the namespace, per -r/-a/-s as in nstat: -r removes it first; it is read unless
 * -a -s (then nothing is touched); it is written unless -s.
 */
function openHistory(netns: NetnsRef | undefined, opts: { reset: boolean; absolute: boolean; noupdate: boolean }, ctx: RunContext): {
  loaded?: History;
  update?: (cur: Counters, sample: { time: string; monotonicNs: bigint }, shown: (name: string) => boolean, zeros: boolean) => void;
} {
  const uses = !(opts.absolute && opts.noupdate);
  if (!uses && !opts.reset) return {};
  const uid = process.getuid?.() ?? 0;
  const { dir, explicit } = historyDir(process.env, uid);
  ensureHistoryDir(dir, explicit, uid);
  const owner = historyOwner(netns);
  const file = historyFile(dir, owner.inode);
  if (opts.reset) removeHistory(file);
  if (!uses) return {};
  const { history, note } = loadHistory(file, owner);
  if (note) ctx.err.write(`netdx nstat: ${note}\n`);
  return {
    loaded: history,
    update: opts.noupdate ? undefined : (cur, sample, shown, zeros) => saveHistory(file, nextHistory(history, owner, cur, sample, shown, zeros)),
  };
}
