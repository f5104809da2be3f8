// test/sockio.py, the socket calls with known answers of the socket I/O tools' tests (socketio,
// tcptop, socksize, sockstat), run to its end inside a test's namespace.
import assert from 'node:assert/strict';
import { runCli } from './cli.js';
import { REPO_ROOT, type Netns } from './kernel.js';

export interface SockioDone { event: 'done'; pid: number; client_port?: number; server_port?: number }

/** Runs `test/sockio.py ARGS` in `ns` and returns its "done" line. */
export function sockio(ns: Netns, ...args: string[]): SockioDone {
  return JSON.parse(ns.exec('/usr/bin/python3', [`${REPO_ROOT}test/sockio.py`, ...args])) as SockioDone;
}

/** Each of `cases` (arguments of `netdx TOOL`, run in `ns`) is bad input: one line on stderr, exit 1. */
export function assertUsageErrors(ns: Netns, tool: string, cases: readonly string[][]): void {
  for (const args of cases) {
    const r = runCli(ns, [tool, ...args]);
    assert.equal(r.code, 1, `${args.join(' ')} exits 1`);
    assert.match(r.err, /^netdx: [^\n]+$/, `${args.join(' ')}: one line`);
    assert.equal(r.out, '');
  }
}
