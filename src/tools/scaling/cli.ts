import { checkInterval } from '../../core/time.js';
import { defineTool } from '../../core/tool.js';
import { commandLines, ndjson, renderTable, fmtNum, TABLE_WIDTH, type Column } from '../../core/output.js';
import { formatCpuList } from '../../core/proc/cpus.js';
import { sampleScaling, MIN_NET_RX_RATE, MIN_NIC_IRQ_RATE, type ScalingReport, type InterfaceScaling, type CpuRates, type ReuseportGroup,
  type ReuseportMember } from './lib.js';
import { resolveNetns } from '../../core/netns.js';

const cpus = (c: number[] | undefined, none = 'none') => (c === undefined ? '-' : c.length ? formatCpuList(c) : none);
const ind = (s: string) => s.split('\n').map((l) => (l ? `  ${l}` : l)).join('\n');

interface QueueRow { queue: string; irq?: number; name?: string; aff?: string; eff?: string; rate?: number; steer?: string; flows?: number }

function queueRows(i: InterfaceScaling): QueueRow[] {
  const rows: QueueRow[] = [];
  const irqOf = (n: number) => i.irqs.find((q) => q.irq === n)!;
  const add = (queue: string, irqs: number[], steer: string | undefined, flows?: number) => {
    if (irqs.length === 0) rows.push({ queue, steer, flows });
    irqs.forEach((n, k) => {
      const q = irqOf(n);
      rows.push({ queue: k === 0 ? queue : '', irq: n, name: q.name, aff: cpus(q.affinity), eff: cpus(q.effective),
        rate: q.rate, steer: k === 0 ? steer : undefined, flows: k === 0 ? flows : undefined });
    });
  };
  for (const q of i.rx) add(`rx-${q.index}`, q.irqs, `rps ${cpus(q.rps_cpus, 'off')}`, q.rps_flow_cnt);
  for (const q of i.tx) {
    const xps = `xps ${cpus(q.xps_cpus, 'off')}${q.xps_rxqs?.length ? ` rxqs ${formatCpuList(q.xps_rxqs)}` : ''}`;
    add(`tx-${q.index}`, q.irqs, xps);
  }
  const used = new Set([...i.rx, ...i.tx].flatMap((q) => q.irqs));
  for (const q of i.irqs) if (!used.has(q.irq)) add(q.kind === 'other' ? '-' : `${q.kind}-${q.index ?? '?'}`, [q.irq], undefined);
  return rows;
}

const QUEUE_COLS: Column<QueueRow>[] = [
  { header: 'QUEUE', get: (r) => r.queue },
  { header: 'IRQ', get: (r) => r.irq, align: 'right' },
  { header: 'IRQ_NAME', get: (r) => r.name, cap: 30 },
  { header: 'AFFINITY', get: (r) => r.aff, cap: 12 },
  { header: 'EFFECTIVE', get: (r) => r.eff, cap: 10 },
  { header: 'IRQ/s', get: (r) => (r.rate === undefined ? undefined : fmtRate(r.rate)), align: 'right' },
  { header: 'STEERING', get: (r) => r.steer, cap: 22 },
  { header: 'FLOW_CNT', get: (r) => r.flows, align: 'right' },
];

function renderInterface(i: InterfaceScaling): string {
  const dev = i.device ? `${i.driver ?? '?'} ${i.device}` : 'virtual';
  const pps = `rx ${fmtRate(i.rx_pps ?? 0)} tx ${fmtRate(i.tx_pps ?? 0)} pkt/s`;
  const head = wrap(`${i.name} (${dev}): ${i.rx_queues} rx/${i.tx_queues} tx queues, ${i.irq_channels} with IRQs; ${pps}`, '  ');
  return head + ind(renderTable(QUEUE_COLS, queueRows(i)));
}

// Rates: one decimal below 10, whole numbers up to 100k, then k/M.
function fmtRate(n: number): string {
  if (n === 0) return '0';
  if (n < 10) return n.toFixed(1);
  if (n < 1e5) return String(Math.round(n));
  return n < 1e6 ? `${Math.round(n / 1e3)}k` : fmtNum(n, 1);
}
const opt = (v: number | undefined) => (v === undefined ? undefined : fmtRate(v));
const CPU_COLS: Column<CpuRates>[] = [
  { header: 'CPU', get: (c) => c.cpu, align: 'right' },
  { header: 'NET_RX/s', get: (c) => fmtRate(c.net_rx), align: 'right' },
  { header: 'NET_TX/s', get: (c) => fmtRate(c.net_tx), align: 'right' },
  { header: 'PKTS/s', get: (c) => fmtRate(c.processed), align: 'right' },
  { header: 'DROP/s', get: (c) => fmtRate(c.dropped), align: 'right' },
  { header: 'SQUEEZE/s', get: (c) => fmtRate(c.time_squeeze), align: 'right' },
  { header: 'RPS/s', get: (c) => opt(c.received_rps), align: 'right' },
  { header: 'FLOWLIM/s', get: (c) => opt(c.flow_limit_count), align: 'right' },
  { header: 'BACKLOG', get: (c) => c.backlog, align: 'right' },
  { header: 'NICIRQ/s', get: (c) => fmtRate(c.nic_irqs), align: 'right' },
  { header: '%SOFTIRQ', get: (c) => opt(c.softirq_pct), align: 'right' },
  { header: '%IRQ', get: (c) => opt(c.irq_pct), align: 'right' },
  { header: '%BUSY', get: (c) => opt(c.busy_pct), align: 'right' },
];

type MemberRow = ReuseportMember & { group: string; n: number; first: boolean };
const RP_COLS: Column<MemberRow>[] = [
  { header: 'LISTEN', get: (r) => (r.first ? r.group : ''), cap: 46 },
  { header: 'N', get: (r) => (r.first ? r.n : ''), align: 'right' },
  { header: 'INODE', get: (r) => r.inode, align: 'right' },
  { header: 'UID', get: (r) => r.uid, align: 'right' },
  { header: 'WAITING', get: (r) => r.recv_q, align: 'right' },
  { header: 'LIMIT', get: (r) => r.send_q, align: 'right' },
  { header: 'OWNER', get: (r) => (r.pid !== undefined ? `${r.pid}/${r.comm}` : undefined), cap: 22 },
];

function memberRows(groups: readonly ReuseportGroup[]): MemberRow[] {
  return groups.flatMap((g) => g.members.map((m, k) => ({
    ...m, group: `${g.family === 6 ? `[${g.laddr}]` : g.laddr}:${g.lport}`, n: g.members.length, first: k === 0,
  })));
}

/** Word-wraps one line at the table width; continuation lines get `indent`. */
function wrap(line: string, indent: string): string {
  const lead = /^ */.exec(line)![0];
  const out: string[] = [];
  let cur = lead;
  for (const w of line.slice(lead.length).split(' ')) {
    if (cur.trim() !== '' && cur.length + 1 + w.length > TABLE_WIDTH) { out.push(cur); cur = indent + w; }
    else cur = cur.trim() === '' ? cur + w : `${cur} ${w}`;
  }
  out.push(cur);
  return out.join('\n') + '\n';
}

export function renderScaling(r: ScalingReport): string {
  const out: string[] = [];
  out.push(`Interfaces (online CPUs ${cpus(r.cpus)}, sampled over ${r.interval_s}s)\n`);
  for (const i of r.interfaces) out.push(renderInterface(i));
  const g = r.global;
  const na = (v: number | undefined) => (v === undefined ? 'n/a' : String(v));
  out.push(`\nRFS: rps_sock_flow_entries=${na(g.rps_sock_flow_entries)}   flow limit CPUs: ${cpus(g.flow_limit_cpus)}`
    + ` (table ${na(g.flow_limit_table_len)})\n`
    + `netdev_budget=${na(g.netdev_budget)}  netdev_budget_usecs=${na(g.netdev_budget_usecs)}`
    + `  netdev_max_backlog=${na(g.netdev_max_backlog)}  dev_weight=${na(g.dev_weight)}\n`);
  out.push(`\nPer CPU (rates per second over ${r.interval_s}s)\n`);
  out.push(renderTable(CPU_COLS, r.per_cpu));
  out.push('\nSO_REUSEPORT groups (TCP listeners sharing one address:port)\n');
  if (r.reuseport === undefined) out.push('  not available\n');
  else if (r.reuseport.length === 0) out.push('  none\n');
  else out.push(renderTable(RP_COLS, memberRows(r.reuseport)));
  out.push('\nFindings\n');
  if (r.findings.length === 0) {
    const rx = r.per_cpu.reduce((s, c) => s + c.net_rx, 0);
    const irq = r.per_cpu.reduce((s, c) => s + c.nic_irqs, 0);
    out.push(rx < MIN_NET_RX_RATE && irq < MIN_NIC_IRQ_RATE
      ? `  too little network work to judge its spread (${fmtRate(rx)} NET_RX/s, ${fmtRate(irq)} NIC IRQ/s); nothing else wrong\n`
      : '  network work is spread well enough; no scaling problem seen in this interval\n');
  }
  // title, proof and fixes; evidence (the same numbers by name) and why are in --json
  for (const f of r.findings) {
    out.push(wrap(`${f.severity === 'warning' ? '!' : '-'} ${f.title}`, '  '));
    for (const p of f.proof) out.push(wrap(`    ${p}`, '      '));
    for (const x of f.fix) for (const l of commandLines(x, TABLE_WIDTH, '    fix: ', '         ')) out.push(l + '\n');
  }
  for (const n of r.notes) out.push(wrap(`note: ${n}`, '  '));
  return out.join('');
}

export default defineTool({
  name: 'scaling',
  layer: 'device',
  summary: 'RSS/RPS/RFS/XPS, IRQ affinity, softirq and softnet per CPU, REUSEPORT groups',
  args: '[IFACE...]',
  reads: '/proc/interrupts, /proc/softirqs, /proc/net/softnet_stat, /proc/stat, /sys/class/net queues, sock_diag',
  replaces: 'cat /proc/{interrupts,softirqs,net/softnet_stat}, rps_cpus/xps_cpus, mpstat -I SCPU',
  options: {
    interval: { type: 'number', short: 'i', arg: 'SECONDS', default: 1, help: 'sampling interval' },
    netns: { type: 'string', arg: 'NAME', help: 'this network namespace\'s interfaces and listeners (a name or a path)' },
  },
  examples: ['netdx scaling', 'netdx scaling eth0 -i 5', 'netdx scaling --json'],
  async run(opts, ctx) {
    checkInterval(opts.interval);
    const netns = opts.netns !== undefined ? resolveNetns(opts.netns) : undefined;
    const r = await sampleScaling({ interfaces: opts._, interval_s: opts.interval, signal: ctx.signal, netns });
    ctx.out.write(opts.json ? ndjson(r) : renderScaling(r));
    return 0;
  },
});
