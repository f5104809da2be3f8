// Hook probes and the explanation of a failure: which hook failed, and whether the kernel said
// "not here" or "not you".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelOpts } from '../../testlib/kernel.js';
import { BpfObject } from './object.js';
import { bpfObjectPath } from './paths.js';
import { classifyHookError, explainMissingHooks } from './features.js';
import { NetdxError } from '../errors.js';

test("the verifier's EACCES is a rejected program, not a permission problem", kernelOpts(), () => {
  const o = BpfObject.open(bpfObjectPath('runtime_test'));
  let err: unknown;
  try {
    o.selectPrograms(['bad_access']);
    o.load();
  } catch (e) { err = e; } finally { o.close(); }
  assert.ok(err instanceof NetdxError && err.errno === 13, 'the verifier refused with EACCES');
  const r = classifyHookError(err, 'tracepoint');
  assert.equal(r.status, 'error');
  assert.equal(r.supported, false);
  assert.match(r.detail, /verifier/);
});

test('the explanation names the hook that failed, not the first unsupported one declared', kernelOpts(), () => {
  const o = BpfObject.open(bpfObjectPath('probes'));
  let err: unknown;
  try {
    o.selectPrograms(['probe_kprobe']);
    o.load();
    o.attach('probe_kprobe');
  } catch (e) { err = e; } finally { o.close(); }
  assert.ok(err instanceof NetdxError, 'kprobe attach fails here (no kprobes in this kernel)');
  // fentry is refused here too (EPERM): listed first, it must not be blamed for the kprobe.
  const why = explainMissingHooks('demo', ['fentry', 'kprobe'], err);
  assert.ok(why);
  assert.equal(why.code, 'E_UNSUPPORTED');
  assert.match(why.message, /^starting demo: this kernel does not allow kprobe programs/);
  assert.doesNotMatch(why.message, /fentry/);
});
