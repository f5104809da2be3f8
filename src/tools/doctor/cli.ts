// netdx doctor: record a window, judge it with the rules, print the findings. --bundle saves the
// window, --from judges a saved one again (offline, same findings), --out writes an HTML report.
import { checkInterval } from '../../core/time.js';
import { accessSync, constants, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { NetdxError } from '../../core/errors.js';
import { netnsOfPid, ownNetns, resolveNetns, type NetnsRef } from '../../core/netns.js';
import { defineTool } from '../../core/tool.js';
import { recordWindow } from './record.js';
import { judge } from './rules/index.js';
import { exitStatus, renderJson, renderText } from './render.js';
import { focusJudgement } from './focus.js';
import { readBundle, writeBundle } from './bundle.js';
import { renderHtml } from './html.js';

export const DEFAULT_SECONDS = 10;
export const QUICK_SECONDS = 3;

function checkWritable(file: string): void {
  const dir = dirname(resolve(file));
  try {
    if (existsSync(file)) accessSync(file, constants.W_OK);
    else accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new NetdxError('E_USAGE', `writing ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? `no directory ${dir}` : 'not writable'}`);
  }
}

export default defineTool({
  name: 'doctor',
  layer: 'overview',
  summary: 'sample the host, find what is wrong layer by layer, say what to change',
  reads: 'the tools\' libraries (counters, sockets, interfaces, qdiscs, sysctls) and a BPF bundle of tracepoints (optional)',
  options: {
    duration: { type: 'number', short: 'd', arg: 'SECONDS', help: `how long to sample (default ${DEFAULT_SECONDS})` },
    quick: { type: 'bool', help: `a ${QUICK_SECONDS} s window` },
    pid: { type: 'int', short: 'p', arg: 'PID', help: 'focus on this process (and its network namespace)' },
    port: { type: 'int', short: 'P', arg: 'PORT', help: 'focus on this TCP/UDP port' },
    netns: { type: 'string', arg: 'NAME', help: 'judge this network namespace (a name under /run/netns, or a path)' },
    out: { type: 'string', short: 'o', arg: 'FILE', help: 'also write a self-contained HTML report' },
    bundle: { type: 'string', arg: 'DIR', help: 'save the window (window.json) to judge again later' },
    from: { type: 'string', arg: 'DIR', help: 'judge a saved window instead of sampling' },
    'no-bpf': { type: 'bool', help: 'sample counters and sockets only (no BPF probes)' },
  },
  examples: ['netdx doctor', 'netdx doctor --quick --port 8080', 'netdx doctor --netns blue -d 30 --out report.html', 'netdx doctor --from /tmp/incident'],
  async run(opts, ctx) {
    const o = opts as typeof opts & { 'no-bpf': boolean };
    if (o.duration !== undefined) checkInterval(o.duration, '-d');
    if (o.quick && o.duration !== undefined) throw new NetdxError('E_USAGE', 'parsing arguments: --quick and -d exclude each other');
    if (o.port !== undefined && !(o.port >= 1 && o.port <= 65535)) throw new NetdxError('E_USAGE', `parsing --port: ${o.port} is not a port (1-65535)`);
    if (o.pid !== undefined && !(o.pid > 0)) throw new NetdxError('E_USAGE', 'parsing --pid: PID must be above 0');
    if (o.out) checkWritable(o.out);
    if (o.bundle) {
      mkdirSync(o.bundle, { recursive: true });
      checkWritable(`${o.bundle}/window.json`);
    }
    let window;
    if (o.from) {
      if (o.netns || o.duration !== undefined || o.quick || o.bundle) {
        throw new NetdxError('E_USAGE', 'parsing arguments: --from judges a saved window: no --netns, -d, --quick or --bundle with it');
      }
      window = readBundle(o.from);
      if (o.pid !== undefined) window.focus.pid = o.pid;
      if (o.port !== undefined) window.focus.port = o.port;
    } else {
      let netns: NetnsRef | undefined = o.netns ? resolveNetns(o.netns) : undefined;
      if (o.pid !== undefined) {
        const pns = netnsOfPid(o.pid); // also: no such process
        if (!netns && pns.inode !== ownNetns().inode) {
          netns = pns;
          ctx.err.write(`netdx doctor: process ${o.pid} lives in network namespace ${pns.name ?? `net:[${pns.inode}]`}: judging that one\n`);
        } else if (netns && pns.inode !== netns.inode) {
          throw new NetdxError('E_USAGE', `parsing --pid: process ${o.pid} is not in network namespace ${o.netns}`);
        }
      }
      const seconds = o.quick ? 3 : o.duration ?? DEFAULT_SECONDS;
      const tty = (ctx.err as NodeJS.WriteStream).isTTY === true;
      const progress = tty ? (what: string, left: number) => ctx.err.write(`\r\x1b[2Knetdx doctor: sampling ${what}... ${left} s left`) : undefined;
      if (!tty) ctx.err.write(`netdx doctor: sampling for ${seconds} s...\n`);
      try {
        window = await recordWindow({ seconds, quick: o.quick, netns, pid: o.pid, port: o.port, onProgress: progress, signal: ctx.signal, noBpf: o['no-bpf'] });
      } finally {
        if (tty) ctx.err.write('\r\x1b[2K');
      }
      if (o.bundle) {
        writeBundle(o.bundle, window);
        ctx.err.write(`netdx doctor: window saved to ${o.bundle}/window.json (judge it again: netdx doctor --from ${o.bundle})\n`);
      }
    }
    const j = focusJudgement(window, judge(window));
    if (o.out) {
      writeFileSync(o.out, renderHtml(window, j));
      ctx.err.write(`netdx doctor: HTML report written to ${o.out}\n`);
    }
    ctx.out.write(opts.json ? renderJson(window, j) : renderText(window, j, { color: (ctx.out as NodeJS.WriteStream).isTTY === true }));
    return exitStatus(j);
  },
});
