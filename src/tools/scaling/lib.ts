// scaling as a library: how each interface spreads its receive and transmit work over CPUs
// (queues, IRQs and their affinity, RPS/RFS/XPS), how the work actually landed per CPU over an
// interval (softirqs, softnet, NIC IRQs, softirq time), and SO_REUSEPORT accept groups. All of
// it is read from /proc and /sys; nothing is changed: the findings print the commands instead.
// The parts live by concern (interfaces.ts, rates.ts, reuseport.ts, verdicts.ts); this file
// assembles the report and is the library's entry point, re-exporting what callers use.
import { placeFixes, procSysIsInitial } from '../../core/proc/sysctl.js';
import { bypassNote, kernelBypassNics, type BypassNic } from '../../core/proc/bypass.js';
import { NetdxError } from '../../core/errors.js';
import { dumpLinks } from '../../core/netlink/rtnl.js';
import { withNetns, type NetnsRef } from '../../core/netns.js';
import { openSysfs, type SysfsView } from '../../core/sysfs.js';
import type { Finding } from '../../core/finding.js';
import { checkInterval, sleep } from '../../core/time.js';
import { readGlobalSteering, readInterface, type GlobalSteering, type InterfaceScaling } from './interfaces.js';
import { applyRates, computeCpuRates, takeSnapshot, type CpuRates } from './rates.js';
import { groupReuseport, listTcpListeners, listenerOwners, type ListenSocket, type ReuseportGroup } from './reuseport.js';
import { scalingVerdicts } from './verdicts.js';

export {
  classifyQueueIrq, listInterfaces, matchInterfaceIrqs, onlineCpus, readGlobalSteering, readInterface,
  type GlobalSteering, type InterfaceScaling, type QueueIrq, type QueueKind, type RxQueue, type TxQueue,
} from './interfaces.js';
export { applyRates, computeCpuRates, takeSnapshot, type CpuRates, type Snapshot } from './rates.js';
export { groupReuseport, listTcpListeners, type ListenSocket, type ReuseportGroup, type ReuseportMember } from './reuseport.js';
export {
  CONCENTRATION_SHARE, IDLE_BUSY_PCT, MIN_HOT_SOFTIRQ_PCT, MIN_NET_RX_RATE, MIN_NIC_IRQ_RATE, scalingVerdicts, type ScalingFindingId, type VerdictInput,
} from './verdicts.js';

export interface ScalingReport {
  interval_s: number;
  /** Online CPUs. */
  cpus: number[];
  interfaces: InterfaceScaling[];
  global: GlobalSteering;
  per_cpu: CpuRates[];
  /** Undefined when the socket dump was not available. */
  reuseport?: ReuseportGroup[];
  /** What is wrong, as the project's Findings (scalingVerdicts()). */
  findings: Finding[];
  notes: string[];
}

export interface ScalingOptions {
  interfaces?: readonly string[];
  interval_s?: number;
  signal?: AbortSignal;
  /** The listening TCP sockets of this namespace; by default from sock_diag. */
  listeners?: () => ListenSocket[] | Promise<ListenSocket[]>;
  /** The network namespace whose interfaces and listeners to read (default: this thread's). */
  netns?: NetnsRef;
  /** NICs bound to a kernel-bypass driver; by default from /sys (core/proc/bypass.ts). */
  bypass?: () => BypassNic[];
}

/** Samples the host over the interval and returns the whole picture with its findings. */
export async function sampleScaling(opts: ScalingOptions = {}): Promise<ScalingReport> {
  const interval = opts.interval_s ?? 1;
  checkInterval(interval);
  const notes: string[] = [];
  // the namespace's devices, from rtnetlink; their queues and IRQs from /sys where /sys is theirs
  const links = dumpLinks(opts.netns);
  const have = links.map((l) => l.name);
  for (const n of opts.interfaces ?? []) {
    if (!have.includes(n)) throw new NetdxError('E_USAGE', `reading interface ${n}: no such interface (have ${have.join(', ')})`);
  }
  const wanted = opts.interfaces?.length ? [...new Set(opts.interfaces)] : have.slice().sort();
  // /sys shows the devices of the namespace that mounted it: for another one (--netns, nsenter),
  // a sysfs made there (core/sysfs.ts)
  let sys: SysfsView | undefined;
  try {
    sys = openSysfs(opts.netns, links);
  } catch (e) {
    notes.push(`/sys shows another network namespace's devices, and a sysfs for this one could not be made (${e instanceof Error ? e.message.replace(/^.*?: .*?: /, '') : String(e)}): `
      + `queues, RPS/XPS and IRQs of ${wanted.join(', ')} are not visible; run it under ip netns exec NAME, which mounts /sys for it`);
  }
  const names = sys ? wanted : [];
  let a: ReturnType<typeof takeSnapshot>, b: ReturnType<typeof takeSnapshot>, interfaces: InterfaceScaling[], global: GlobalSteering;
  try {
    a = takeSnapshot(names, sys?.root);
    interfaces = names.map((n) => readInterface(n, a.interrupts.lines, sys?.root));
    global = readGlobalSteering();
    await sleep(interval * 1000, opts.signal);
    b = takeSnapshot(names, sys?.root);
  } finally {
    sys?.close();
  }
  const secs = Math.round(((b.t_ms - a.t_ms) / 1000) * 1000) / 1000;
  applyRates(interfaces, a, b);
  const nic = new Set(interfaces.flatMap((i) => i.irqs.filter((q) => q.kind !== 'other').map((q) => q.irq)));
  const per_cpu = computeCpuRates(a, b, nic);
  if (global.netdev_max_backlog === undefined) {
    notes.push('net.core steering sysctls are not visible in this netns (they live in the initial one)');
  }
  if (b.softnet.some((r) => r.cpu_from_order)) notes.push('softnet_stat has no cpu column here: rows mapped to online CPUs in order');
  // NICs handed to user space (DPDK): their queues and IRQs are not the kernel's to spread
  notes.push(...(opts.bypass ?? kernelBypassNics)().map(bypassNote));
  let reuseport: ReuseportGroup[] | undefined;
  try {
    const socks = opts.listeners ? await opts.listeners() : await listTcpListeners(opts.netns);
    reuseport = groupReuseport(socks);
    if (reuseport.length) reuseport = groupReuseport(socks, listenerOwners());
  } catch (e) {
    notes.push(`REUSEPORT groups: ${e instanceof Error ? e.message : String(e)}`);
  }
  // a sysctl of the initial namespace is proposed for the host when another namespace is judged
  const findings = placeFixes(scalingVerdicts({ interval_s: secs, cpus: per_cpu, interfaces, global, reuseport }),
    withNetns(opts.netns, () => procSysIsInitial()));
  return { interval_s: secs, cpus: b.online, interfaces, global, per_cpu, reuseport, findings, notes };
}
