// The byte-level NDJSON writer (ndjson.ts, json.ts's writeInetDiagJson) against JavaScript's own
// spelling: number edges (u32, 2^32, 2^53, u64 ~0) and captured replies whose tcp_info and skmeminfo
// bytes are overwritten with seeded random values, so every u64 takes the high-word path too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseMessages } from '../../core/netlink/netlink.js';
import { SOCK_DIAG_BY_FAMILY, parseInetDiagMsg } from '../../core/netlink/sockdiag.js';
import { inetDiagJsonLine, inetSocketJson } from './json.js';
import { writeNum } from './ndjson.js';

const FIX = fileURLToPath(new URL('../../../test/fixtures/sockets/', import.meta.url));

test('numbers are written as String() writes them', () => {
  const d = Buffer.alloc(64);
  const edges = [0, 9, 10, 99, 100, 101, 999, 1000, 65535, 99999999, 100000000, 2147483647, 2147483648,
    4294967295, 4294967296, 4294967297, 100000000 * 4294967296 + 7, 2 ** 53 - 1, 2 ** 53, 2 ** 64 - 1, 1e21];
  for (let i = 1; i < 1e15; i *= 7) edges.push(i, i - 1, i + 1);
  for (const v of edges) {
    const n = writeNum(d, 3, v);
    assert.equal(d.toString('latin1', 3, n), String(v), String(v));
  }
});

test('NDJSON straight from the bytes equals NDJSON of the decoded socket', () => {
  const who = ',"pid":7,"comm":"x"';
  let n = 0, want = 0;
  for (const [f, p] of [['tcp4.bin', 'tcp'], ['tcp6.bin', 'tcp'], ['udp4.bin', 'udp'], ['udp6.bin', 'udp']] as const) {
    const msgs = parseMessages(readFileSync(FIX + f));
    want += msgs.filter((m) => m.type === SOCK_DIAG_BY_FAMILY).length;
    for (const m of msgs) {
      const fast = inetDiagJsonLine(m.body, p, who);
      assert.equal(fast, inetSocketJson(parseInetDiagMsg(m.body, p), who));
      const o = JSON.parse(fast);
      assert.equal(o.pid, 7);
      if (p === 'tcp' && o.state !== 'TIME-WAIT') assert.equal(typeof o.tcp_info.snd_cwnd, 'number');
      n++;
    }
  }
  assert.equal(n, want);
});

test('fuzzed tcp_info and skmeminfo: the byte writer equals the object path', () => {
  let seed = 7;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) & 255;
  let n = 0;
  for (const f of ['tcp4.bin', 'tcp6.bin']) {
    for (const m of parseMessages(readFileSync(FIX + f))) {
      if (m.type !== SOCK_DIAG_BY_FAMILY) continue;
      for (let round = 0; round < 20; round++) {
        const b = Buffer.from(m.body);
        for (let a = 72; a + 4 <= b.length;) {
          const len = b.readUInt16LE(a);
          const type = b.readUInt16LE(a + 2);
          const mode = round % 4;
          // INET_DIAG_INFO (2) and INET_DIAG_SKMEMINFO (7): random, sparse, 0xff-heavy, small
          if (type === 2 || type === 7) {
            for (let i = a + 4; i < a + len; i++) {
              const r = rnd();
              b[i] = mode === 0 ? r : mode === 1 ? (r < 200 ? 0 : rnd()) : mode === 2 ? (r < 60 ? 255 : rnd()) : r & 15;
            }
          }
          a += (len + 3) & ~3;
        }
        const who = round % 2 ? ',"pid":7,"comm":"pythön"' : ',"pid":null,"comm":null';
        assert.equal(inetDiagJsonLine(b, 'tcp', who), inetSocketJson(parseInetDiagMsg(b, 'tcp'), who));
        n++;
      }
    }
  }
  assert.ok(n >= 20 * 8, `${n} lines`);
});
