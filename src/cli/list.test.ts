// netdx list: every tool of the registry once, grouped by layer; a BPF tool "runs" only when its
// programs really load and attach here, and otherwise the missing hook, attach point or
// privilege is named; nothing stays loaded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { kernelOpts, bpfProgIds, progsLeft, REPO_ROOT } from '../testlib/kernel.js';
import { environmentNotes, probeTool } from '../tools/catalog.js';
import { catalogJson, renderCatalog } from './list.js';
import { TOOLS } from '../tools/registry.js';

const MAIN = `${REPO_ROOT}dist/netdx.cjs`;
/** Tools written for hooks this machine kind lacks (fentry or kprobes; cfg80211): their own tests hold their reasons. */
const NO_ROUTE_HERE = new Set(['skblife', 'ieee80211scan']);
interface J { tools: Array<{ name: string; layer: string; summary: string; hooks: string[]; runnable: boolean; why_not: string | null; kind: string; via?: string }>; environment: string[] }

test('kernel: every tool once; each BPF tool loads and attaches here, by the way it names; none stays loaded', kernelOpts(), async () => {
  const before = bpfProgIds(() => true);
  const r = spawnSync(process.execPath, [MAIN, 'list', '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as J;
  assert.deepEqual(j.tools.map((t) => t.name), TOOLS.map((t) => t.name));
  for (const t of j.tools) {
    assert.deepEqual(Object.keys(t).slice(0, 6), ['name', 'layer', 'summary', 'hooks', 'runnable', 'why_not']);
    assert.equal(t.summary, TOOLS.find((x) => x.name === t.name)!.summary);
    if (t.kind !== 'bpf') continue;
    if (NO_ROUTE_HERE.has(t.name) && !t.runnable) {
      assert.ok(t.why_not && t.hooks.length > 0, t.name);
      continue;
    }
    assert.equal(t.runnable, true, `${t.name}: ${t.why_not}`);
    assert.equal(t.why_not, null);
    assert.ok(t.hooks.length > 0 && t.hooks.every((h) => /^(raw_tp|tp_btf|tracepoint|uprobe|uretprobe)\//.test(h)), `${t.name}: ${t.hooks.join(', ')}`);
    assert.ok(t.via, t.name);
  }
  assert.ok(j.tools.filter((t) => t.kind === 'bpf').length >= 4);
  const text = spawnSync(process.execPath, [MAIN, 'list'], { encoding: 'utf8' });
  assert.equal(text.status, 0);
  for (const l of text.stdout.split('\n')) assert.ok(l.length <= 100, l);
  assert.match(text.stdout, /^TCP and UDP \(BPF\)$/m);
  assert.match(text.stdout, /^Classical tools \(netlink, \/proc, \/sys\)$/m);
  assert.match(text.stdout, /^ {2}tcplife +yes +one line per closed TCP session/m);
  // the environment: what no tool sees (here no NIC is handed to user space)
  assert.deepEqual(j.environment, environmentNotes());
  assert.match(text.stdout, /\nEnvironment\n {2}no NIC is bound to a kernel-bypass driver \(vfio-pci, uio_pci_generic, igb_uio\)\n$/);
  const during = [...bpfProgIds(() => true)].filter((id) => !before.has(id));
  assert.deepEqual(await progsLeft(during), [], 'no program left');
});

test('kernel: a tool that cannot run here says what is missing: a hook kind, an attach point, the privilege', kernelOpts(), () => {
  // kprobes are not in this kernel (and where they are, the second way is taken)
  const kp = probeTool({ name: 'x', object: 'probes', hooks: ['kprobe'], variants: [{ via: 'kprobe', programs: ['probe_kprobe'] }] });
  const kpHere = kp.runnable;
  if (!kpHere) assert.match(kp.why_not!, /kprobe/);
  assert.deepEqual(kp.hooks, ['kprobe/tcp_v4_connect']);
  const fallback = probeTool({ name: 'x', object: 'probes', hooks: ['kprobe', 'raw_tracepoint'],
    variants: [{ via: 'kprobe', programs: ['probe_kprobe'] }, { via: 'raw_tp', programs: ['probe_raw_tracepoint'] }] });
  assert.equal(fallback.runnable, true);
  assert.equal(fallback.via, kpHere ? 'kprobe' : 'raw_tp');
  const tp = probeTool({ name: 'x', object: 'probes', hooks: ['raw_tracepoint'], variants: [{ via: 'raw_tp', programs: ['probe_missing_tracepoint'] }] });
  assert.equal(tp.runnable, false);
  assert.match(tp.why_not!, /netdx_no_such_tracepoint/);
  // without privilege: listed, none runs, each says what it needs
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, MAIN, 'list', '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as J;
  for (const t of j.tools.filter((x) => x.kind === 'bpf')) {
    assert.equal(t.runnable, false, t.name);
    assert.match(t.why_not!, /CAP_BPF|run as root/, t.name);
    assert.doesNotMatch(t.why_not!, /does not allow/, `${t.name}: a privilege, not a missing feature`);
  }
});

test('every tool with BPF hooks gives its probe, so that list can load it', async () => {
  for (const t of TOOLS) {
    const def = await t.load();
    if (def.hooks?.length) assert.ok(def.probe, `${t.name}: hooks but no probe`);
  }
});

test('environment notes: a NIC bound to vfio-pci is named under Environment, in the text and the JSON', () => {
  const note = 'NIC 0000:03:00.0 is bound to vfio-pci: its traffic bypasses the kernel; netdx cannot see it';
  const text = renderCatalog([], { root: true, environment: [note] });
  assert.match(text, new RegExp(`\\nEnvironment\\n {2}NIC 0000:03:00\\.0 is bound to vfio-pci: its traffic bypasses the kernel; netdx cannot see it\\n$`));
  assert.deepEqual((JSON.parse(catalogJson([], [note])) as J).environment, [note]);
});

test('bad input: one line, exit 1', () => {
  const r = spawnSync(process.execPath, [MAIN, 'list', '--bogus'], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /^netdx: parsing arguments: unknown option --bogus/);
});
