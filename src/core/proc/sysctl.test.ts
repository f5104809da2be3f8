// Fixes placed where they can work (the list itself is checked against the kernel in
// tools/sysctl/sysctl-kernel.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { placeFix } from './sysctl.js';

test('placeFix: an initial-namespace sysctl proposed for another namespace is addressed to the host', () => {
  assert.equal(placeFix('sysctl -w net.core.netdev_max_backlog=2000', false),
    'sysctl -w net.core.netdev_max_backlog=2000   # on the host: exists in the initial namespace only, applies to all');
  assert.equal(placeFix('sysctl -w net.core.rps_sock_flow_entries=32768   # RFS', false),
    'sysctl -w net.core.rps_sock_flow_entries=32768   # RFS; on the host: exists in the initial namespace only, applies to all');
  assert.equal(placeFix('sysctl -w net.core.netdev_max_backlog=2000', true), 'sysctl -w net.core.netdev_max_backlog=2000');
  assert.equal(placeFix('sysctl -w net.core.somaxconn=4096', false), 'sysctl -w net.core.somaxconn=4096', 'per-namespace: set where judged');
  assert.equal(placeFix('echo 2 > /proc/irq/10/smp_affinity_list', false), 'echo 2 > /proc/irq/10/smp_affinity_list');
});
