// The one abortable sleep, and the clock that turns the kernel's event times into wall time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { sleep, monotonicNs, wallMsOf } from './time.js';

test('sleeps leave no abort listener behind (no MaxListenersExceededWarning)', async () => {
  const warnings: Error[] = [];
  const onWarn = (w: Error) => warnings.push(w);
  process.on('warning', onWarn);
  try {
    const ac = new AbortController();
    for (let i = 0; i < 15; i++) await sleep(1, ac.signal);
    assert.equal(getEventListeners(ac.signal, 'abort').length, 0);
    const t0 = Date.now();
    setTimeout(() => ac.abort(), 20);
    await sleep(10_000, ac.signal);
    assert.ok(Date.now() - t0 < 1000, 'abort ends a sleep at once');
    await sleep(10_000, ac.signal); // already aborted: returns at once
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(warnings.map((w) => w.name), []);
  } finally {
    process.off('warning', onWarn);
  }
});

test("kernel times (CLOCK_MONOTONIC ns) map to wall-clock ms", () => {
  const now = monotonicNs();
  const wall = wallMsOf(now - 5_000_000_000n);
  assert.ok(Math.abs(Date.now() - 5000 - wall) < 50, `5 s ago: ${Date.now() - wall} ms`);
  assert.ok(Math.abs(wallMsOf(Number(now)) - Date.now()) < 50, 'a number works as well as a bigint');
});
