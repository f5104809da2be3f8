// A sysfs made inside another network namespace lists that namespace's devices, as rtnetlink
// does there, and is gone when closed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { kernelOpts, vethPair } from '../testlib/kernel.js';
import { dumpLinks } from './netlink/rtnl.js';
import { resolveNetns } from './netns.js';
import { mountSysfs, openSysfs, SYS, sysfsMatches } from './sysfs.js';

test('kernel: a sysfs for another namespace shows its devices by name and ifindex; /sys for our own; closed, it is gone', kernelOpts(), () => {
  const { a } = vethPair();
  const ns = resolveNetns(a.name);
  const links = dumpLinks(ns).map((l) => ({ name: l.name, ifindex: l.ifindex }));
  assert.deepEqual(links.map((l) => l.name).sort(), ['lo', 'vx0']);
  assert.equal(sysfsMatches(links), false, 'the process\'s /sys is the host\'s');
  const v = openSysfs(ns, links);
  assert.equal(v.fresh, true);
  assert.deepEqual(readdirSync(`${v.root}/class/net`).sort(), ['lo', 'vx0']);
  assert.equal(sysfsMatches(links, v.root), true);
  assert.equal(Number(readFileSync(`${v.root}/class/net/vx0/ifindex`, 'utf8')), links.find((l) => l.name === 'vx0')!.ifindex);
  assert.ok(existsSync(`${v.root}/class/net/vx0/queues/rx-0/rps_cpus`));
  const fd = v.root.split('/').pop()!;
  v.close();
  v.close(); // again: a no-op
  assert.ok(!existsSync(`/proc/self/fd/${fd}/class`), 'the mount went with its fd');
  // our own namespace, whose /sys matches: /sys itself, nothing made
  const host = dumpLinks().map((l) => ({ name: l.name, ifindex: l.ifindex }));
  const own = openSysfs(undefined, host);
  assert.equal(own.root, SYS);
  assert.equal(own.fresh, false);
  // made for our own namespace it lists what /sys lists
  const m = mountSysfs(undefined);
  try { assert.deepEqual(readdirSync(`${m.root}/class/net`).sort(), readdirSync('/sys/class/net').sort()); } finally { m.close(); }
});
