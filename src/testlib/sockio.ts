// test/sockio.py, the socket calls with known answers of the socket I/O tools' tests (socketio,
// tcptop, socksize, sockstat), run to its end inside a test's namespace.
import { REPO_ROOT, type Netns } from './kernel.js';

export interface SockioDone { event: 'done'; pid: number; client_port?: number; server_port?: number }

/** Runs `test/sockio.py ARGS` in `ns` and returns its "done" line. */
export function sockio(ns: Netns, ...args: string[]): SockioDone {
  return JSON.parse(ns.exec('/usr/bin/python3', [`${REPO_ROOT}test/sockio.py`, ...args])) as SockioDone;
}
