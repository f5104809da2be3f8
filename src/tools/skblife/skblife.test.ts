// skblife needs fentry/fexit or kprobes: on this machine kind neither is there (fentry programs
// are refused with EPERM, kprobes are not compiled in), so the test holds what the user sees to
// be exact: `netdx list` shows it not runnable with both reasons, and `netdx skblife` exits 2 with
// one line naming both. On a kernel with either hook, it must run and see skbs end instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { kernelOpts } from '../../testlib/kernel.js';
import { assertUsageErrors, CLI_MAIN } from '../../testlib/cli.js';
import { probeHook } from '../../core/bpf/features.js';
import { startSkbLife } from './lib.js';

const cli = (...args: string[]) => spawnSync(process.execPath, [CLI_MAIN, ...args], { encoding: 'utf8', timeout: 60_000 });

test('netdx list and netdx skblife name what is missing: fentry and kprobes (or it runs where either works)', kernelOpts(), async () => {
  const fentry = probeHook('fentry');
  const kprobe = probeHook('kprobe');
  const list = JSON.parse(cli('list', '--json').stdout) as { tools: Array<{ name: string; runnable: boolean; why_not: string | null; layer: string; hooks: string[] }> };
  const t = list.tools.find((x) => x.name === 'skblife')!;
  assert.equal(t.layer, 'device');
  if (fentry.supported || kprobe.supported) {
    assert.equal(t.runnable, true, t.why_not ?? '');
    const p = startSkbLife();
    let r;
    try {
      assert.equal(cli('sysctl', 'net.ipv4.tcp_rmem').status, 0); // some work; skbs end all the time anyway
      await new Promise((res) => setTimeout(res, 500));
      r = p.sample();
    } finally {
      p.stop();
    }
    assert.ok(r.kinds.reduce((n, k) => n + k.count, 0) > 0, 'skbs ended');
    return;
  }
  assert.equal(t.runnable, false);
  assert.deepEqual(t.hooks, ['fexit/__alloc_skb', 'fentry/kfree_skbmem', 'fexit/__build_skb', 'fexit/napi_build_skb', 'fentry/napi_skb_cache_put']);
  const why = `this kernel allows neither fentry programs (${fentry.detail}) nor kprobe programs (${kprobe.detail}); `
    + 'needs Linux 5.5+ with BTF on x86_64/arm64, and no policy refusing tracing programs, or a kernel with CONFIG_KPROBES=y';
  assert.equal(t.why_not, why);
  const run = cli('skblife', '-d', '1');
  assert.equal(run.status, 2, run.stderr);
  assert.equal(run.stdout, '');
  assert.equal(run.stderr, `netdx: starting skblife: ${why}\n`, 'one line, no stack trace');
});

test('skblife: bad input (exit 1, one line)', kernelOpts(), () => {
  assertUsageErrors('skblife', [['-i', '0'], ['-c', '2'], ['-d', '-1'], ['--no-such-flag'], ['-p', '1']]);
});
