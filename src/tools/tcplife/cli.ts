import { defineTool } from '../../core/tool.js';
import { NetdxError } from '../../core/errors.js';
import { TcpLifeTracer, TCPLIFE_HOOKS } from './lib.js';
import { tcpLifeJson, type TcpLifeEvent } from './decode.js';

// Default widths keep a line within 100 columns; -w widens the address columns to 39 (IPv6).
const W = { pid: 7, comm: 15, addr: 20, port: 5, kb: 6, ms: 9 };

function fit(s: string, w: number): string {
  return s.length <= w ? s : s.slice(0, w - 1) + '…';
}

function header(addrW: number, time: boolean): string {
  return [
    ...(time ? ['TIME    '] : []),
    'PID'.padEnd(W.pid), 'COMM'.padEnd(W.comm), 'LADDR'.padEnd(addrW), 'LPORT'.padStart(W.port),
    'RADDR'.padEnd(addrW), 'RPORT'.padStart(W.port), 'TX_KB'.padStart(W.kb), 'RX_KB'.padStart(W.kb), 'MS'.padStart(W.ms),
  ].join(' ') + '\n';
}

function line(e: TcpLifeEvent, addrW: number, time: boolean): string {
  return [
    ...(time ? [new Date().toTimeString().slice(0, 8)] : []),
    // pid 0: a passive session no process ever accepted or closed (e.g. reset in the queue).
    (e.pid ? String(e.pid) : '-').padEnd(W.pid), fit(e.comm || '-', W.comm).padEnd(W.comm), fit(e.laddr, addrW).padEnd(addrW),
    String(e.lport).padStart(W.port), fit(e.raddr, addrW).padEnd(addrW), String(e.rport).padStart(W.port),
    String(Math.floor(e.tx_bytes / 1024)).padStart(W.kb), String(Math.floor(e.rx_bytes / 1024)).padStart(W.kb),
    e.duration_ms.toFixed(2).padStart(W.ms),
  ].join(' ') + '\n';
}

export default defineTool({
  name: 'tcplife',
  layer: 'transport',
  summary: 'one line per closed TCP session: process, addresses, bytes, duration',
  replaces: 'tcplife (BCC, libbpf-tools, bpftrace) — on tracepoints only, with exact payload bytes',
  hooks: TCPLIFE_HOOKS,
  root: true,
  options: {
    pid: { type: 'int', short: 'p', arg: 'PID', help: 'only sessions owned by this process' },
    lport: { type: 'ports', short: 'L', arg: 'PORTS', help: 'only these local ports (comma list, up to 8)' },
    rport: { type: 'ports', short: 'D', arg: 'PORTS', help: 'only these remote ports (comma list, up to 8)' },
    ipv4: { type: 'bool', short: '4', help: 'IPv4 only' },
    ipv6: { type: 'bool', short: '6', help: 'IPv6 only' },
    duration: { type: 'number', short: 'd', arg: 'SECONDS', help: 'stop after this many seconds' },
    wide: { type: 'bool', short: 'w', help: 'wide address columns (full IPv6 addresses)' },
    time: { type: 'bool', short: 'T', help: 'print a HH:MM:SS column' },
  },
  examples: ['netdx tcplife', 'netdx tcplife -L 80,443 -d 30', 'netdx tcplife -6 -w', 'netdx tcplife --json -p 1234'],
  async run(opts, ctx) {
    if (opts.ipv4 && opts.ipv6) throw new NetdxError('E_USAGE', 'parsing arguments: -4 and -6 exclude each other');
    if (opts.duration !== undefined && !(opts.duration > 0)) throw new NetdxError('E_USAGE', 'parsing -d: SECONDS must be above 0');
    if (opts.pid !== undefined && !(opts.pid > 0)) throw new NetdxError('E_USAGE', 'parsing -p: PID must be above 0');
    const addrW = opts.wide ? 39 : W.addr;
    const out: string[] = [];
    const onEvent = opts.json
      ? (e: TcpLifeEvent) => { out.push(tcpLifeJson(e)); }
      : (e: TcpLifeEvent) => { out.push(line(e, addrW, opts.time)); };
    const flush = () => { if (out.length) { ctx.out.write(out.join('')); out.length = 0; } };
    const tracer = TcpLifeTracer.start({
      pid: opts.pid, lports: opts.lport, rports: opts.rport,
      family: opts.ipv4 ? 4 : opts.ipv6 ? 6 : undefined,
    }, onEvent, { pollMs: 0 });
    // One timer drains the ring and writes what it produced in one go: one wake-up and one
    // write per 10 ms, not per event.
    const flusher = setInterval(() => { tracer.poll(); flush(); }, 10);
    for (const n of tracer.notes) ctx.err.write(`netdx tcplife: ${n}\n`);
    if (!opts.json) ctx.out.write(header(addrW, opts.time));
    ctx.err.write('Tracing TCP sessions... Hit Ctrl-C to end.\n');
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) return resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      if (opts.duration !== undefined) setTimeout(resolve, opts.duration * 1000).unref();
    });
    const lost = tracer.stop();
    clearInterval(flusher);
    flush();
    if (lost.full > 0) ctx.err.write(`netdx tcplife: ${lost.full} events lost (ring buffer full)\n`);
    if (lost.refused > 0) ctx.err.write(`netdx tcplife: ${lost.refused} events lost (the kernel refused ring space with room left)\n`);
    return 0;
  },
});
