import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, parsePortList } from './args.js';
import { NetdxError } from '../core/errors.js';
import { renderTable, ndjson, fmtBytes } from '../core/output.js';
import { formatIPv6 } from '../core/addr.js';

const specs = {
  pid: { type: 'int', short: 'p', help: '' },
  lport: { type: 'ports', short: 'L', help: '' },
  ipv4: { type: 'bool', short: '4', help: '' },
  tcp: { type: 'bool', short: 't', help: '' },
  all: { type: 'bool', short: 'a', help: '' },
  interval: { type: 'number', short: 'i', help: '', default: 1 },
  state: { type: 'strings', help: '' },
} as const;

test('parses short clusters, long forms, values and positionals', () => {
  const o = parseArgs(specs, ['-ta4', '-p42', '--lport=80,443', '-L', '8080', '--state', 'ESTAB,LISTEN', 'eth0', '-i', '0.5'], 'x');
  assert.equal(o.tcp, true);
  assert.equal(o.all, true);
  assert.equal(o.ipv4, true);
  assert.equal(o.pid, 42);
  assert.deepEqual(o.lport, [80, 443, 8080]);
  assert.deepEqual(o.state, ['ESTAB', 'LISTEN']);
  assert.equal(o.interval, 0.5);
  assert.deepEqual(o._, ['eth0']);
  assert.equal(parseArgs(specs, [], 'x').interval, 1);
  assert.equal(parseArgs(specs, ['--json'], 'x').json, true);
});

test('rejects bad input with one-line usage errors', () => {
  const bad: Array<[string[], RegExp]> = [
    [['--nope'], /unknown option --nope/],
    [['-z'], /unknown option -z/],
    [['-p', 'abc'], /not a whole number/],
    [['-L', '0'], /out of range/],
    [['-L', '80,,x'], /not a comma list of ports/],
    [['-p'], /needs a value/],
    [['--ipv4=yes'], /takes no value/],
  ];
  for (const [argv, re] of bad) {
    assert.throws(() => parseArgs(specs, argv, 'x'), (e: unknown) => e instanceof NetdxError && e.code === 'E_USAGE' && re.test(e.message) && !e.message.includes('\n'));
  }
  assert.throws(() => parseArgs(specs, ['stray'], 'x', false), /unexpected 'stray'/);
  assert.deepEqual(parsePortList('1,65535', '-L'), [1, 65535]);
});

test('tables align without cutting, and NDJSON handles bigints', () => {
  const t = renderTable([
    { header: 'NAME', get: (r: { n: string; v: number }) => r.n, cap: 6 },
    { header: 'VALUE', get: (r) => r.v, align: 'right' },
  ], [{ n: 'lo', v: 1 }, { n: 'averylongname', v: 12345 }]);
  assert.equal(t, 'NAME   VALUE\nlo         1\naverylongname 12345\n');
  assert.equal(ndjson({ a: 5n, b: 2n ** 70n }), '{"a":5,"b":"1180591620717411303424"}\n');
  assert.equal(fmtBytes(1536), '1.5K');
});

test('IPv6 formatting follows RFC 5952', () => {
  const b = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'));
  assert.equal(formatIPv6(b('00000000000000000000000000000001')), '::1');
  assert.equal(formatIPv6(b('fd000000000000000000000000000002')), 'fd00::2');
  assert.equal(formatIPv6(b('20010db8000000010000000000000001')), '2001:db8:0:1::1');
  assert.equal(formatIPv6(b('00000000000000000000ffffc6120001')), '::ffff:198.18.0.1');
  assert.equal(formatIPv6(b('00000000000000000000000000000000')), '::');
  assert.equal(formatIPv6(b('20010db8000000000001000000000001')), '2001:db8::1:0:0:1');
});
