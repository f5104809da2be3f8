// Library code never owns the process: using netdx's library (sockets, BPF objects) installs no
// signal, exit or uncaught-error handler; only the CLI's entry point does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { kernelOpts, REPO_ROOT } from '../testlib/kernel.js';

test('a program using the library keeps its own SIGTERM handling; netdx adds no process handler', kernelOpts(), () => {
  const script = `
    import { listSockets } from '${REPO_ROOT}dist/tools/sockets/lib.js';
    import { BpfObject } from '${REPO_ROOT}dist/core/bpf/object.js';
    import { bpfObjectPath } from '${REPO_ROOT}dist/core/bpf/paths.js';
    const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'exit', 'uncaughtException', 'unhandledRejection'];
    const count = () => events.map((e) => process.listenerCount(e)).join(',');
    const before = count();
    process.on('SIGTERM', () => { console.log('MINE'); setTimeout(() => process.exit(0), 50); });
    listSockets({ tcp: true, udp: true, states: 1 << 10 });
    const o = BpfObject.open(bpfObjectPath('runtime_test'));
    o.selectPrograms(['count_getppid']); o.load(); o.attach('count_getppid');
    console.log('handlers', before, count());
    process.kill(process.pid, 'SIGTERM');
    setTimeout(() => { console.log('still here'); o.close(); }, 20);
    setInterval(() => {}, 1000);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(r.status, 0, r.stderr);
  const [, before, after] = r.stdout.split('\n')[0]!.split(' ');
  const want = before!.split(',').map(Number);
  want[1]!++; // the program's own SIGTERM handler, and nothing else
  assert.deepEqual(after!.split(',').map(Number), want, r.stdout);
  assert.deepEqual(r.stdout.trim().split('\n').slice(1), ['MINE', 'still here']);
});

test('library errors name the parameter, not a CLI flag', kernelOpts(), () => {
  const script = `
    import { TcpLifeTracer } from '${REPO_ROOT}dist/tools/tcplife/lib.js';
    try { TcpLifeTracer.start({ lports: [1, 2, 3, 4, 5, 6, 7, 8, 9] }, () => {}); } catch (e) { console.log(e.code, e.message); }`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.stdout.trim(), 'E_USAGE parsing lports: at most 8 ports');
});
