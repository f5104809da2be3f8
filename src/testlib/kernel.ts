// Helpers for kernel tests: root gating (skip locally with a reason, never in CI), network
// namespaces joined by veth, and child processes that are always ended. Everything created
// here is removed on test end and on process exit, whatever the path.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, type TestContext } from 'node:test';
import { installProcessCleanup, registerCleanup } from '../core/cleanup.js';

export const IS_ROOT = process.getuid?.() === 0;
export const IN_CI = process.env.CI === 'true';
/** The interpreter tests run, by its full path: a `python3` found on PATH may be a shell shim
 * (pyenv's) whose own processes connect() and exec inside the test's namespace, and so show up
 * in what a tracing test counts there. Its comm is still `python3`. */
export const PYTHON = '/usr/bin/python3';

/**
 * Options for `test(name, kernelOpts(), fn)`: skips with a printed reason when not root,
 * except in CI, where a kernel test that cannot run fails instead.
 */
export function kernelOpts(extra: { timeout?: number } = {}): { skip?: string; timeout?: number } {
  if (IS_ROOT || IN_CI) return { timeout: extra.timeout ?? 120_000 };
  return { skip: 'kernel test: needs root (run as root to exercise the real kernel)' };
}

export function requireRootInCi(t: TestContext): void {
  if (IN_CI && !IS_ROOT) t.assert.fail('kernel tests must run as root in CI');
}

export function sh(cmd: string, args: readonly string[], opts: { input?: string } = {}): string {
  return execFileSync(cmd, args, { encoding: 'utf8', input: opts.input, stdio: ['pipe', 'pipe', 'pipe'] });
}

let nsCounter = 0;

/** A network namespace this test owns; deleted on cleanup. */
export class Netns {
  readonly name: string;
  private closed = false;
  private readonly unregister: () => void;
  constructor(prefix = 'netdxt') {
    this.name = `${prefix}-${process.pid}-${nsCounter++}`;
    sh('ip', ['netns', 'add', this.name]);
    sh('ip', ['-n', this.name, 'link', 'set', 'lo', 'up']);
    this.unregister = registerCleanup(() => this.delete());
    after(() => this.delete());
  }
  /** Runs a command inside the namespace and returns its stdout. */
  exec(cmd: string, args: readonly string[] = [], opts: { input?: string } = {}): string {
    return sh('ip', ['netns', 'exec', this.name, cmd, ...args], opts);
  }
  /** Starts a long-running command inside the namespace; it is killed on cleanup. */
  spawn(cmd: string, args: readonly string[] = []): ChildProcess {
    return track(spawn('ip', ['netns', 'exec', this.name, cmd, ...args], { stdio: ['pipe', 'pipe', 'pipe'] }));
  }
  delete(): void {
    if (this.closed) return;
    this.closed = true;
    try { sh('ip', ['netns', 'del', this.name]); } catch { /* already gone */ }
    this.unregister();
  }
}

/**
 * Two namespaces joined by a veth pair: a (198.18.0.1/24, fd00::1/64) and b (198.18.0.2/24,
 * fd00::2/64). Addresses stay inside namespaces this test created.
 */
export function vethPair(): { a: Netns; b: Netns; ifA: string; ifB: string } {
  const a = new Netns('netdxa');
  const b = new Netns('netdxb');
  const ifA = 'vx0';
  const ifB = 'vx1';
  sh('ip', ['-n', a.name, 'link', 'add', ifA, 'type', 'veth', 'peer', 'name', ifB, 'netns', b.name]);
  sh('ip', ['-n', a.name, 'addr', 'add', '198.18.0.1/24', 'dev', ifA]);
  sh('ip', ['-n', b.name, 'addr', 'add', '198.18.0.2/24', 'dev', ifB]);
  sh('ip', ['-n', a.name, '-6', 'addr', 'add', 'fd00::1/64', 'dev', ifA, 'nodad']);
  sh('ip', ['-n', b.name, '-6', 'addr', 'add', 'fd00::2/64', 'dev', ifB, 'nodad']);
  sh('ip', ['-n', a.name, 'link', 'set', ifA, 'up']);
  sh('ip', ['-n', b.name, 'link', 'set', ifB, 'up']);
  return { a, b, ifA, ifB };
}

/**
 * vethPair with IPv6 off and static neighbours on both ends: nothing moves on the veth (no
 * neighbour discovery, MLD or ARP) unless the test sends it.
 */
export function quietVethPair(): { a: Netns; b: Netns; ifA: string; ifB: string } {
  const p = vethPair();
  for (const ns of [p.a, p.b]) ns.exec('sh', ['-c', 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6']);
  knowNeighbours(p.a, p.ifA, p.b, p.ifB, ['198.18.0.2']);
  knowNeighbours(p.b, p.ifB, p.a, p.ifA, ['198.18.0.1']);
  return p;
}

/**
 * Permanent neighbour entries (no ARP or NDP before a first packet): in `from`, on `dev`, each of
 * `ips` at the link-layer address of `peer`'s `peerDev`.
 */
export function knowNeighbours(from: Netns, dev: string, peer: Netns, peerDev: string, ips: readonly string[]): void {
  const mac = peer.exec('cat', [`/sys/class/net/${peerDev}/address`]).trim();
  for (const ip of ips) from.exec('ip', ['neigh', 'replace', ip, 'lladdr', mac, 'dev', dev, 'nud', 'permanent']);
}

const children = new Set<ChildProcess>();

/** Registers a child so that it is killed (by PID, SIGKILL) at test end or process exit. */
export function track(cp: ChildProcess): ChildProcess {
  children.add(cp);
  cp.on('exit', () => children.delete(cp));
  return cp;
}

function killChildren(): void {
  for (const cp of children) {
    if (cp.exitCode === null && cp.pid) {
      try { process.kill(cp.pid, 'SIGKILL'); } catch { /* gone */ }
    }
  }
  children.clear();
}
registerCleanup(killChildren);
after(killChildren);
// A test file is a program of its own: its namespaces and children go on exit and on signals
// (uncaught errors stay the test runner's to report).
installProcessCleanup({ uncaught: false });

// `netdx nstat` keeps a history file per namespace (default /tmp/.netdx-nstat.u<uid>): the CLI runs
// of a test file keep theirs in a directory of its own, removed at its end, as its namespaces are.
{
  const dir = mkdtempSync(join(tmpdir(), 'netdx-nstat-test-'));
  process.env.NETDX_NSTAT_HISTORY = dir;
  const drop = () => rmSync(dir, { recursive: true, force: true });
  registerCleanup(drop);
  after(drop);
}

/** Runs a JS snippet in a fresh node (optionally inside a netns) and returns stdout. */
export function nodeEval(code: string, ns?: Netns): string {
  return ns ? ns.exec(process.execPath, ['--input-type=module', '-e', code]) : sh(process.execPath, ['--input-type=module', '-e', code]);
}

/** The repository root (tests run from dist/, two levels below it). */
export const REPO_ROOT = new URL('../../', import.meta.url).pathname;

/**
 * What this process holds of BPF: program, link and map fds, and mmaps of maps (ring buffers).
 * Read from /proc/self, so it sees what the library would leak, whoever opened it.
 */
export function bpfHeld(): { progs: number; links: number; maps: number; btfs: number; perf_events: number; mmaps: number } {
  const out = { progs: 0, links: 0, maps: 0, btfs: 0, perf_events: 0, mmaps: 0 };
  for (const fd of readdirSync('/proc/self/fd')) {
    let l: string;
    try { l = readlinkSync(`/proc/self/fd/${fd}`); } catch { continue; }
    if (l === 'anon_inode:bpf-prog') out.progs++;
    else if (l === 'anon_inode:bpf-link' || l === 'anon_inode:bpf_link') out.links++;
    else if (l === 'anon_inode:bpf-map') out.maps++;
    else if (l === 'anon_inode:btf') out.btfs++;
    else if (l === 'anon_inode:[perf_event]') out.perf_events++; // classic tracepoints and uprobes attach through one
  }
  for (const line of readFileSync('/proc/self/maps', 'utf8').split('\n')) if (line.includes('anon_inode:bpf-map')) out.mmaps++;
  return out;
}

/**
 * Runs the kernel skipped of the BPF programs this process holds (recursion_misses in their
 * fdinfo): a classic tracepoint's or kprobe's program is not run while another such program runs
 * on the CPU (a softirq that interrupts one, say), so a test of that way of attaching can only be
 * exact when this is 0.
 */
export function progMisses(): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) !== 'anon_inode:bpf-prog') continue;
      n += Number(/^recursion_misses:\s*(\d+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1] ?? 0);
    } catch { /* closed meanwhile */ }
  }
  return n;
}

/**
 * True (with a diagnostic) when the kernel skipped `missed` runs of a classic tracepoint's
 * programs: the test then checks bounds, not exact counts. Any other way of attaching must skip
 * nothing (an assertion).
 */
export function skipped(t: TestContext, via: string, missed: number): boolean {
  if (missed && via === 'tracepoint') {
    t.diagnostic(`the kernel skipped ${missed} runs (another tracing program was running on the CPU): bounds only`);
    return true;
  }
  if (missed) throw new Error(`${via}: the kernel skipped ${missed} runs of this test's programs`);
  return false;
}

// The BPF leak check, after every test file that uses these helpers (as cilium/ebpf checks after
// every test run): whatever the tests opened, started and stopped, nothing may stay held.
const heldAtStart = bpfHeld();
after(() => {
  const now = bpfHeld();
  const leaked = (Object.keys(now) as Array<keyof typeof now>).filter((k) => now[k] > heldAtStart[k]);
  if (leaked.length) {
    throw new Error(`BPF leak check: this test file left ${leaked.map((k) => `${now[k] - heldAtStart[k]} ${k}`).join(', ')} open`);
  }
});

/** Ids of the BPF programs loaded on the machine whose name passes `match` (bpftool as oracle). */
export function bpfProgIds(match: (name: string) => boolean): Set<number> {
  const progs = JSON.parse(execFileSync('bpftool', ['prog', 'show', '-j'], { encoding: 'utf8' })) as Array<{ id: number; name?: string }>;
  return new Set(progs.filter((p) => p.name !== undefined && match(p.name)).map((p) => p.id));
}

/** Programs some live process holds an fd of (its fdinfo names the prog_id): not leaks, whoever loaded them. */
export function progsHeldByProcesses(): Set<number> {
  const held = new Set<number>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let fds: string[];
    try { fds = readdirSync(`/proc/${pid}/fdinfo`); } catch { continue; }
    for (const fd of fds) {
      try {
        const m = /^prog_id:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
        if (m) held.add(Number(m[1]));
      } catch { /* the fd or the process went away */ }
    }
  }
  return held;
}

/**
 * The programs of `ids` still loaded, once none is left or after `ms`, that no live process holds:
 * what an exited netdx left behind (pinned, or attached to a device). The kernel frees an exited
 * process's programs shortly after its exit (RCU), not at once (~50 ms seen here); programs of
 * other processes running at the same time (a benchmark's netdx, say) are held by them.
 */
export async function progsLeft(ids: Iterable<number>, ms = 2000): Promise<number[]> {
  const want = [...ids];
  for (let t = 0; ; t += 50) {
    const now = bpfProgIds(() => true);
    let left = want.filter((id) => now.has(id));
    if (left.length) { const held = progsHeldByProcesses(); left = left.filter((id) => !held.has(id)); }
    if (!left.length || t >= ms) return left;
    await new Promise((r) => setTimeout(r, 50));
  }
}
