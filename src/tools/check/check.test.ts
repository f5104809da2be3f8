import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { kernelOpts, REPO_ROOT } from '../../testlib/kernel.js';
import { parseCapMask, parseLockdown } from './lib.js';
import { tracefsMounts } from '../../core/bpf/features.js';

const MAIN = `${REPO_ROOT}dist/netdx.cjs`;

test('parses a captured CapEff mask and lockdown file', () => {
  const hex = /CapEff:\s*(\w+)/.exec(readFileSync(`${REPO_ROOT}test/fixtures/check/status-root.txt`, 'utf8'))![1]!;
  const caps = parseCapMask(hex);
  // 000001fffeffffff: everything up to cap_checkpoint_restore except cap_sys_resource (24).
  assert.equal(caps.length, 40);
  assert.ok(caps.includes('cap_bpf') && caps.includes('cap_perfmon') && caps.includes('cap_sys_admin'));
  assert.ok(!caps.includes('cap_sys_resource'));
  assert.equal(parseCapMask('0').length, 0);
  assert.equal(parseLockdown(readFileSync(`${REPO_ROOT}test/fixtures/check/lockdown.txt`, 'utf8')), 'integrity');
  assert.equal(parseLockdown('[none] integrity confidentiality'), 'none');
});

/** bpftrace as an independent oracle: does a program attach on this hook here? */
function bpftraceAttaches(probe: string): boolean {
  const r = spawnSync('bpftrace', ['-e', `${probe} { exit(); } BEGIN { exit(); }`], { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0;
}

test('check --json: the contract, and each hook agrees with the kernel and with bpftrace', kernelOpts(), () => {
  const r = JSON.parse(execFileSync(process.execPath, [MAIN, 'check', '--json'], { encoding: 'utf8' }));
  assert.equal(r.kernel, readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim());
  for (const h of ['tracepoint', 'raw_tracepoint', 'tp_btf', 'kprobe', 'fentry', 'uprobe', 'ringbuf', 'bpf_stats']) {
    assert.equal(typeof r.hooks[h]?.supported, 'boolean', `hooks.${h}.supported`);
    assert.equal(typeof r.hooks[h]?.detail, 'string', `hooks.${h}.detail`);
    if (!r.hooks[h].supported) assert.ok(['unsupported', 'permission', 'error'].includes(r.hooks[h].status));
  }
  // Everything tcplife needs must work on the machines netdx is built for.
  for (const h of ['tracepoint', 'raw_tracepoint', 'tp_btf', 'uprobe', 'ringbuf']) assert.equal(r.hooks[h].supported, true, h);
  assert.equal(r.btf.present, existsSync('/sys/kernel/btf/vmlinux'));
  assert.equal(r.hooks.kprobe.supported, bpftraceAttaches('kprobe:tcp_v4_connect'), 'kprobe agrees with bpftrace');
  assert.equal(r.hooks.fentry.supported, bpftraceAttaches('kfunc:tcp_v4_connect'), 'fentry agrees with bpftrace (kfunc)');
  if (!r.hooks.fentry.supported) assert.ok(r.hooks.fentry.errno, 'a refusal names the errno');
  if (r.hooks.fentry.errno === 'EPERM') assert.equal(r.hooks.fentry.status, 'permission', 'EPERM is a permission error');
});

test('--version, --help and unknown commands', () => {
  const pkg = JSON.parse(readFileSync(`${REPO_ROOT}package.json`, 'utf8'));
  assert.equal(execFileSync(process.execPath, [MAIN, '--version'], { encoding: 'utf8' }).trim(), `netdx ${pkg.version}`);
  const help = execFileSync(process.execPath, [MAIN, '--help'], { encoding: 'utf8' });
  for (const t of ['doctor', 'tcplife', 'check', 'sockets', 'nstat']) assert.match(help, new RegExp(`^  ${t} `, 'm'));
  assert.ok(help.split('\n').every((l) => l.length <= 100), 'help fits 100 columns');
  const bad = spawnSync(process.execPath, [MAIN, 'nosuchtool'], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
});

test('tracefs mount points from a captured /proc/self/mountinfo', () => {
  assert.deepEqual(tracefsMounts(readFileSync(`${REPO_ROOT}test/fixtures/check/mountinfo.txt`, 'utf8')), ['/sys/kernel/tracing']);
  assert.deepEqual(tracefsMounts('36 25 0:12 / /sys/kernel/debug/my\\040trace rw - tracefs tracefs rw\n'), ['/sys/kernel/debug/my trace']);
  assert.deepEqual(tracefsMounts('22 1 0:5 / /proc rw - proc proc rw\n'), []);
});

test('missing privilege is named truly: another user sees tracefs mounted (mode 0700); root without CAP_BPF is told which capabilities', kernelOpts(), () => {
  execFileSync(process.execPath, [MAIN, 'check', '--json']); // as root: mounts tracefs where it is not
  const asNobody = (args: string[]) => spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, MAIN, ...args], { encoding: 'utf8' });
  const r = JSON.parse(asNobody(['check', '--json']).stdout);
  assert.equal(r.tracefs.mounted, true);
  assert.match(r.tracefs.error, /^reading tracefs at \/sys\/kernel\/tracing: mounted, but not readable by uid 65534 \(mode 0700\); run as root$/);
  const t = asNobody(['tcplife', '-d', '1']);
  assert.equal(t.status, 2);
  assert.equal(t.stderr, 'netdx: starting tcplife: needs CAP_BPF and CAP_PERFMON (uid 65534): run as root or with sudo\n');
  // root with CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN taken away (as a container may)
  const drop = ['--bounding-set=-bpf,-perfmon,-sys_admin', '--inh-caps=-bpf,-perfmon,-sys_admin'];
  const d = spawnSync('setpriv', [...drop, process.execPath, MAIN, 'tcpconnect', '-d', '1'], { encoding: 'utf8' });
  assert.equal(d.status, 2);
  assert.match(d.stderr, /^netdx: starting tcpconnect: this root process lacks CAP_BPF and CAP_PERFMON \(its container, capsh or service unit dropped them\): grant them \(docker run --cap-add BPF/);
  assert.equal(d.stderr.split('\n').length, 2, 'one line');
  const c = JSON.parse(spawnSync('setpriv', [...drop, process.execPath, MAIN, 'check', '--json'], { encoding: 'utf8' }).stdout);
  assert.equal(c.hooks.tracepoint.status, 'permission');
  assert.match(c.hooks.tracepoint.detail, /this root process lacks CAP_BPF and CAP_PERFMON/);
  assert.deepEqual(c.capabilities.needed_missing, ['cap_bpf', 'cap_perfmon']);
});
