// A resolver of the test's own in a namespace: test/workload.py's dns-server there, and
// /etc/netns/NAME/{resolv.conf,nsswitch.conf,hosts}, which `ip netns exec` bind-mounts over
// /etc's: libc in that namespace asks that server only, never the host's resolver (a lookup in
// the root namespace may leave the machine). Names under netdx.test only.
import { mkdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { after } from 'node:test';
import { registerCleanup } from '../core/cleanup.js';
import type { Netns } from './kernel.js';
import { workload, type Workload } from './traffic.js';

/** The one name the test resolver answers (after its delay); every other is NXDOMAIN at once. */
export const SLOW_NAME = 'slow.netdx.test';
export const NONE_NAME = 'none.netdx.test';
/** Answered SERVFAIL at once. */
export const FAIL_NAME = 'fail.netdx.test';

let madeEtcNetns = false;

/** Points libc in `ns` at `server` (port 53), with no other source of names than /etc/hosts's localhost. */
export function useResolver(ns: Netns, server: string): void {
  const etc = `/etc/netns/${ns.name}`;
  // the first directory it made: /etc/netns too when there was none, removed again by the last
  // of this process's namespaces to go (when another's files are not there meanwhile)
  if (mkdirSync(etc, { recursive: true }) === '/etc/netns') madeEtcNetns = true;
  const drop = () => {
    rmSync(etc, { recursive: true, force: true });
    if (madeEtcNetns) try { rmdirSync('/etc/netns'); madeEtcNetns = false; } catch { /* not empty yet */ }
  };
  registerCleanup(drop);
  after(drop);
  // no search list (none from the host name either: LOCALDOMAIN is not set, so glibc would take
  // the host name's domain; the server answers any name but SLOW_NAME with NXDOMAIN, at once)
  writeFileSync(`${etc}/resolv.conf`, `nameserver ${server}\noptions timeout:3 attempts:2\n`);
  writeFileSync(`${etc}/nsswitch.conf`, 'hosts: files dns\n');
  writeFileSync(`${etc}/hosts`, '127.0.0.1 localhost\n::1 localhost\n');
}

/** The test resolver on `host`:53 in `ns`: SLOW_NAME's A after `delayMs`, every query logged; `dropFirst`: the first copy of each query unanswered. */
export async function startResolver(ns: Netns, host: string, delayMs: number, opts: { holdMs?: number; dropFirst?: boolean } = {}): Promise<Workload> {
  const w = workload(ns, 'dns-server', '--host', host, '--delay-ms', String(delayMs), '--answer', SLOW_NAME,
    '--servfail', FAIL_NAME, '--log', '--hold', String(opts.holdMs ?? 60_000), ...(opts.dropFirst ? ['--drop-first'] : []));
  await w.wait('listening');
  return w;
}
