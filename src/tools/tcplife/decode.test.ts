import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { REPO_ROOT } from '../../testlib/kernel.js';
import { decodeTcpLifeEvent, TCPLIFE_EVENT_SIZE } from './decode.js';

// Records captured from the real ring buffer (see test/fixtures/tcplife/README.md).
test('decodes captured IPv4 and IPv6 records', () => {
  const raw = readFileSync(`${REPO_ROOT}test/fixtures/tcplife/events.bin`);
  const expected = readFileSync(`${REPO_ROOT}test/fixtures/tcplife/events.json`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(raw.length, expected.length * TCPLIFE_EVENT_SIZE);
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.length);
  const got = expected.map((_e, i) => decodeTcpLifeEvent(dv, i * TCPLIFE_EVENT_SIZE));
  assert.deepEqual(got, expected);
  assert.ok(got.some((e) => e.family === 4) && got.some((e) => e.family === 6), 'fixture has both families');
});

test('the hand-written NDJSON line equals JSON.stringify of the event', async () => {
  const { tcpLifeJson } = await import('./decode.js');
  const raw = readFileSync(`${REPO_ROOT}test/fixtures/tcplife/events.bin`);
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.length);
  for (let off = 0; off < raw.length; off += TCPLIFE_EVENT_SIZE) {
    const e = decodeTcpLifeEvent(dv, off);
    assert.equal(tcpLifeJson(e), JSON.stringify(e) + '\n');
    const odd = { ...e, comm: 'a"b\\c' };
    assert.deepEqual(JSON.parse(tcpLifeJson(odd)), odd);
  }
});
