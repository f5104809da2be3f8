// Parser tests on /proc/net/{snmp,snmp6,netstat} captured on this machine kind. The oracle is
// iproute2's nstat run on the very same files (PROC_NET_SNMP=... nstat -a -s -z --json, stored
// as nstat-az.json beside them), so names, order and values must agree exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NSTAT_HIDDEN, parseAllCounters, parseSnmp6, parseSnmpTable } from './snmp.js';
import { NetdxError } from '../errors.js';

const FIX = fileURLToPath(new URL('../../../test/fixtures/nstat/', import.meta.url));
const fix = (f: string) => readFileSync(FIX + f, 'utf8');

test('parseAllCounters matches nstat -az on the same files: names, order and values', () => {
  const ours = parseAllCounters({ snmp: fix('snmp'), snmp6: fix('snmp6'), netstat: fix('netstat') });
  const nstat = (JSON.parse(fix('nstat-az.json')) as { kernel: Record<string, number> }).kernel;
  const visible = [...ours].filter(([n]) => !NSTAT_HIDDEN.has(n));
  assert.deepEqual(visible.map(([n]) => n), Object.keys(nstat));
  // nstat's JSON numbers are exact below 2^53; all fixture values are.
  for (const [n, v] of visible) assert.equal(v, BigInt(nstat[n]!), n);
  for (const h of NSTAT_HIDDEN) assert.ok(ours.has(h), `${h} parsed`);
  assert.equal(ours.get('TcpMaxConn'), -1n);
});

test('parseSnmpTable joins group and field names', () => {
  const c = parseSnmpTable('Tcp: RtoMin CurrEstab\nTcp: 200 3\nTcpExt: ListenOverflows\nTcpExt: 18446744073709551615\n');
  assert.deepEqual([...c], [['TcpRtoMin', 200n], ['TcpCurrEstab', 3n], ['TcpExtListenOverflows', 18446744073709551615n]]);
});

test('parseSnmp6 reads name/value lines with tabs and spaces', () => {
  assert.deepEqual([...parseSnmp6('Ip6InReceives                   \t12\nUdp6NoPorts 3\n\n')], [['Ip6InReceives', 12n], ['Udp6NoPorts', 3n]]);
});

test('malformed text is an E_IO NetdxError naming the file and line', () => {
  const bad: Array<() => unknown> = [
    () => parseSnmpTable('Tcp: A B\n'),
    () => parseSnmpTable('Tcp: A B\nUdp: 1 2\n'),
    () => parseSnmpTable('Tcp: A B\nTcp: 1\n'),
    () => parseSnmpTable('Tcp: A\nTcp: x\n'),
    () => parseSnmp6('Ip6InReceives\n'),
  ];
  for (const f of bad) {
    assert.throws(f, (e: unknown) => e instanceof NetdxError && e.code === 'E_IO' && /^parsing \/proc\/net\/snmp6?: /.test(e.message));
  }
});
