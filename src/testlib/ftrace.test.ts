// The trace-line parser of the ftrace oracle, on lines captured from an instance's `trace` file on
// this machine kind (test/fixtures/ftrace: a header, a hit over a thread of PID 1, idle hits).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { REPO_ROOT } from './kernel.js';
import { parseTraceLine } from './ftrace.js';

test('ftrace lines: task, thread, CPU and fields; headers and other events are not hits', () => {
  const lines = readFileSync(`${REPO_ROOT}test/fixtures/ftrace/tcp_retransmit_skb.txt`, 'utf8').split('\n');
  const hits = lines.map((l) => parseTraceLine(l, 'tcp_retransmit_skb')).filter((h) => h !== undefined);
  assert.equal(hits.length, 4);
  assert.deepEqual(hits.map((h) => [h.task, h.tid, h.cpu]), [['tokio-rt-worker', 75, 1], ['<idle>', 0, 1], ['<idle>', 0, 0], ['<idle>', 0, 0]]);
  assert.deepEqual([hits[0]!.fields.sport, hits[0]!.fields.dport, hits[0]!.fields.saddr, hits[0]!.fields.state, hits[0]!.fields.err],
    ['46952', '41587', '198.18.0.1', 'TCP_ESTABLISHED', '0']);
  assert.equal(parseTraceLine(lines.find((l) => l.includes('tcp_retransmit_skb:'))!, 'tcp_probe'), undefined);
});

test('ftrace lines: kfree_skb\'s "reason: NAME" is a field too', () => {
  const lines = readFileSync(`${REPO_ROOT}test/fixtures/ftrace/kfree_skb.txt`, 'utf8').split('\n');
  const hits = lines.map((l) => parseTraceLine(l, 'kfree_skb')).filter((h) => h !== undefined);
  assert.deepEqual(hits.map((h) => [h.task, h.fields.reason, h.fields.location, h.fields.protocol]), [
    ['ping', 'NO_SOCKET', 'ping_rcv+0xab/0xd0', '2048'],
    ['ping', 'NO_SOCKET', 'ping_rcv+0xab/0xd0', '2048'],
    ['python3', 'NO_SOCKET', '__udp4_lib_rcv+0x4bc/0xd00', '2048'],
  ]);
});
