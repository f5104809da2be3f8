import { defineTool } from '../../core/tool.js';
import { ndjson, renderTable } from '../../core/output.js';
import { HOOK_FIXES, type HookName } from '../../core/bpf/features.js';
import { runCheck } from './lib.js';

export default defineTool({
  name: 'check',
  layer: 'tunables',
  summary: 'kernel, BTF, tracefs, lockdown, capabilities, and which BPF hooks work here',
  reads: 'uname, /sys/kernel/btf/vmlinux, tracefs, lockdown, capabilities; loads a minimal program per hook kind',
  options: {},
  examples: ['netdx check', 'netdx check --json'],
  async run(opts, ctx) {
    const r = runCheck();
    if (opts.json) {
      ctx.out.write(ndjson(r));
      return 0;
    }
    const caps = r.capabilities;
    const facts: Array<[string, string]> = [
      ['kernel', `${r.kernel} (${r.arch})`],
      ['BTF', r.btf.present ? `yes (${r.btf.path}, ${Math.round((r.btf.bytes ?? 0) / 1024)} KiB)` : 'no — CO-RE tools need CONFIG_DEBUG_INFO_BTF=y'],
      ['tracefs', `${r.tracefs.mounted ? r.tracefs.path : 'not mounted'}${r.tracefs.note ? ` — ${r.tracefs.note}` : ''}${r.tracefs.error ? ` — ${r.tracefs.error}` : ''}`],
      ['lockdown', `${r.lockdown.mode ?? 'unknown'}${r.lockdown.note ? ` — ${r.lockdown.note}` : ''}`],
      ['privilege', `uid ${process.getuid?.()}; ${caps.needed_missing.length ? `missing ${caps.needed_missing.join(', ')}` : 'has what BPF tools need'}`
        + `${caps.effective.includes('cap_sys_resource') ? '' : ' (no cap_sys_resource: memlock cannot be raised; fine on 5.11+ memcg accounting)'}`],
      ['sysctl', `kernel.unprivileged_bpf_disabled=${r.unprivileged_bpf_disabled ?? '-'}  net.core.bpf_jit_enable=${r.bpf_jit_enable ?? '-'}`],
    ];
    // a key/value list: the table renderer aligns it and wraps a long value within 100 columns
    ctx.out.write(renderTable<[string, string]>([{ header: '', get: (f) => f[0].padEnd(11) }, { header: '', get: (f) => f[1] }], facts, { header: false }) + '\n');
    const rows = Object.entries(r.hooks).map(([h, v]) => ({ h: h as HookName, v }));
    ctx.out.write(renderTable([
      { header: 'HOOK', get: (x) => x.h },
      { header: 'STATUS', get: (x) => (x.v.supported ? 'ok' : x.v.status === 'permission' ? 'refused' : x.v.status) },
      { header: 'DETAIL', get: (x) => (x.v.supported ? x.v.detail : `${x.v.detail}; needs ${HOOK_FIXES[x.h]}`) },
    ], rows));
    return 0;
  },
});
