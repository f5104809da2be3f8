// Pure tests: deltas and rates, and that every counter the meanings table names exists on
// this kernel (a typo there would silently never show a meaning).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { counterDeltas } from './lib.js';
import { COUNTER_MEANINGS, counterMeaning } from './meanings.js';
import { parseAllCounters } from '../../core/proc/snmp.js';

const FIX = fileURLToPath(new URL('../../../test/fixtures/nstat/', import.meta.url));

test('counterDeltas: deltas, rates, new counters from 0, wraps, gauges as values', () => {
  const prev = new Map([['TcpInSegs', 100n], ['TcpCurrEstab', 5n], ['UdpNoPorts', 7n]]);
  const cur = new Map([['TcpInSegs', 350n], ['TcpCurrEstab', 2n], ['UdpNoPorts', 3n], ['IcmpMsgOutType3', 4n]]);
  const d = counterDeltas(prev, cur, 2.5);
  assert.deepEqual(d, [
    { name: 'TcpInSegs', value: 350n, gauge: false, delta: 250n, rate: 100 },
    { name: 'TcpCurrEstab', value: 2n, gauge: true, delta: null, rate: null },
    { name: 'UdpNoPorts', value: 3n, gauge: false, delta: 3n, rate: 1.2, wrapped: true },
    { name: 'IcmpMsgOutType3', value: 4n, gauge: false, delta: 4n, rate: 1.6 },
  ]);
  assert.throws(() => counterDeltas(prev, cur, 0), /interval 0 s/);
});

// Names the table covers for all UDP groups, but which a group lacks on this kernel.
const ABSENT_OK = new Set(['UdpLite6IgnoredMulti']);

test('every counter in the meanings table exists in the captured files', () => {
  const names = new Set(parseAllCounters({
    snmp: readFileSync(FIX + 'snmp', 'utf8'), snmp6: readFileSync(FIX + 'snmp6', 'utf8'), netstat: readFileSync(FIX + 'netstat', 'utf8'),
  }).keys());
  const missing = Object.keys(COUNTER_MEANINGS).filter((n) => !names.has(n) && !ABSENT_OK.has(n));
  assert.deepEqual(missing, []);
  assert.match(counterMeaning('TcpRetransSegs')!.meaning, /reordering/);
  assert.match(counterMeaning('TcpExtTCPDSACKRecvSegs')!.meaning, /not loss/);
  assert.equal(counterMeaning('Icmp6OutType135')!.meaning, 'ICMPv6 neighbour solicitation messages sent');
  assert.equal(counterMeaning('NoSuchCounter'), undefined);
});
