// The WebAssembly NDJSON writer (inetjson.as.ts) against the JavaScript object path, byte for byte:
// captured replies (test/fixtures/sockets), then the same replies with fuzzed tcp_info, skmeminfo,
// addresses, states and congestion names, including the lines it hands back to JavaScript.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseMessages } from '../../core/netlink/netlink.js';
import { SOCK_DIAG_BY_FAMILY, parseInetDiagMsg, type Proto } from '../../core/netlink/sockdiag.js';
import { inetSocketJson } from './json.js';
import { InetJsonWriter } from './inetjson.js';

const FIX = fileURLToPath(new URL('../../../test/fixtures/sockets/', import.meta.url));
const bodies = (f: string) => parseMessages(readFileSync(FIX + f)).filter((m) => m.type === SOCK_DIAG_BY_FAMILY).map((m) => m.body);

/** One writer for the file; each call writes the bodies as lines and returns them. */
const chunks: Buffer[] = [];
const w = InetJsonWriter.open((b) => { chunks.push(Buffer.from(b)); return false; });
function wasmLines(list: Buffer[], proto: Proto, who: string): string[] {
  assert.ok(w, 'dist/wasm/inetjson.wasm is built');
  for (const b of list) {
    b.copy(w.recvBuf, 100); // anywhere in the receive area
    w.line(w.recvBuf, 100, 100 + b.length, proto, who);
  }
  w.flush();
  const out = Buffer.concat(chunks.splice(0)).toString('utf8');
  return out.split(/(?<=\n)/);
}
const objectLines = (list: Buffer[], proto: Proto, who: string) => list.map((b) => inetSocketJson(parseInetDiagMsg(b, proto), who));

test('captured replies: the WebAssembly writer equals the object path', () => {
  let n = 0;
  for (const [f, p] of [['tcp4.bin', 'tcp'], ['tcp6.bin', 'tcp'], ['udp4.bin', 'udp'], ['udp6.bin', 'udp']] as const) {
    const list = bodies(f);
    for (const who of [',"pid":null,"comm":null', ',"pid":7,"comm":"pythön"']) {
      assert.deepEqual(wasmLines(list, p, who), objectLines(list, p, who), `${f} ${who}`);
      n += list.length;
    }
  }
  assert.ok(n > 20, `${n} lines`);
});

test('fuzzed replies (numbers, addresses, states, names): the WebAssembly writer equals the object path', () => {
  let seed = 11;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) & 255;
  const list: Buffer[] = [];
  for (const f of ['tcp4.bin', 'tcp6.bin']) {
    for (const body of bodies(f)) {
      for (let round = 0; round < 40; round++) {
        const b = Buffer.from(body);
        const mode = round % 4;
        // state: sometimes one ss has no name for
        if (round % 7 === 3) b[1] = 14 + (rnd() % 200);
        // addresses: IPv6 words that are mostly zero (runs to compress), or IPv4-mapped; any IPv4
        for (const at of [8, 24]) {
          if (b[0] === 10) {
            for (let i = 0; i < 16; i++) b[at + i] = rnd() < 170 ? 0 : rnd();
            if (round % 5 === 0) { b.fill(0, at, at + 10); b[at + 10] = 0xff; b[at + 11] = 0xff; }
          } else for (let i = 0; i < 4; i++) b[at + i] = rnd();
        }
        b.writeUInt16BE(rnd() * 256 + rnd(), 4);
        // cookie: sometimes past 2^32, 2^53 or ~0
        if (round % 3 === 0) b.writeUInt32LE(rnd() << (round % 24), 48);
        if (round === 9) b.fill(0xff, 44, 52);
        for (let a = 72; a + 4 <= b.length;) {
          const len = b.readUInt16LE(a);
          const type = b.readUInt16LE(a + 2);
          // INET_DIAG_INFO (2), INET_DIAG_SKMEMINFO (7): random, sparse, 0xff-heavy, small
          if (type === 2 || type === 7) {
            for (let i = a + 4; i < a + len; i++) {
              const r = rnd();
              b[i] = mode === 0 ? r : mode === 1 ? (r < 200 ? 0 : rnd()) : mode === 2 ? (r < 60 ? 255 : rnd()) : r & 15;
            }
          }
          // INET_DIAG_CONG (4): now and then a name JSON must escape
          if (type === 4 && round % 6 === 5) b[a + 4 + (rnd() % 3)] = [34, 92, 10, 0xe9][rnd() % 4]!;
          a += (len + 3) & ~3;
        }
        list.push(b);
      }
    }
  }
  for (const who of [',"pid":null,"comm":null', ',"pid":12,"comm":"a\\"b"']) {
    const want = objectLines(list, 'tcp', who);
    const got = wasmLines(list, 'tcp', who);
    assert.equal(got.length, want.length);
    for (let i = 0; i < want.length; i++) assert.equal(got[i], want[i], `line ${i}`);
  }
  assert.ok(list.length >= 40 * 8, `${list.length} lines`);
});

test('a reply shorter than inet_diag_msg is refused', () => {
  assert.ok(w);
  assert.throws(() => w.line(w.recvBuf, 0, 40, 'tcp', ',"pid":null,"comm":null'), /decoding inet_diag_msg: 40 bytes/);
});
