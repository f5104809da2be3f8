// ss's filter language, parsed and evaluated without the kernel (sockets.test.ts checks the same
// expressions against ss on live sockets).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetdxError } from '../../core/errors.js';
import { TCP_STATES } from '../../core/netlink/sockdiag.js';
import { parseSocketFilter, tokenize, type FilterEnds } from './filter.js';
import { addrListMatcher } from './lib.js';
import { msTimer } from './cli.js';

const e = (laddr: string, lport: number, raddr: string, rport: number): FilterEnds =>
  ({ family: laddr.includes(':') ? 6 : 4, laddr, lport, raddr, rport });
const SOCKS = [
  e('127.0.0.1', 8080, '127.0.0.1', 43460),
  e('127.0.0.1', 43460, '127.0.0.1', 8080),
  e('::ffff:127.0.0.1', 9090, '::ffff:127.0.0.1', 50722),
  e('::1', 51856, '::1', 9090),
  e('198.18.0.1', 22, '198.19.255.7', 61000),
  e('fd00:dead:beef::2', 443, 'fd00:dead:cafe::9', 1024),
];
const pick = (...words: string[]) => {
  const f = parseSocketFilter(words);
  return SOCKS.map((s, i) => (f.match!(s) ? i : -1)).filter((i) => i >= 0);
};

test('tokenize: one quoted argument or many, operators glued or spaced', () => {
  assert.deepEqual(tokenize(['( dport = :ssh or sport = :ssh )']), ['(', 'dport', '=', ':ssh', 'or', 'sport', '=', ':ssh', ')']);
  assert.deepEqual(tokenize(['(sport>=:1024)', '&&', '!dst', '[::1]']), ['(', 'sport', '>=', ':1024', ')', '&&', '!', 'dst', '[::1]']);
});

test('ports: = == eq != < > <= >= and their words; with or without the colon', () => {
  assert.deepEqual(pick('sport', '=', ':8080'), [0]);
  assert.deepEqual(pick('dport', 'eq', '8080'), [1]);
  assert.deepEqual(pick('sport', '>', ':9000'), [1, 2, 3]);
  assert.deepEqual(pick('sport', 'le', ':443'), [4, 5]);
  assert.deepEqual(pick('dport', '!=', ':8080', 'and', 'sport', 'lt', ':1024'), [4, 5]);
  assert.deepEqual(pick('sport', ':22'), [4], 'no operator: equality, as ss');
});

test('addresses: exact, CIDR, bracketed IPv6 with port, *:port; an IPv4 filter matches mapped ends', () => {
  assert.deepEqual(pick('src', '127.0.0.1'), [0, 1, 2], 'the ::ffff:127.0.0.1 end is 127.0.0.1');
  assert.deepEqual(pick('dst', '198.18.0.0/15'), [4], '198.19.255.7 is inside 198.18.0.0/15');
  assert.deepEqual(pick('dst', '198.18.0.0/16'), []);
  assert.deepEqual(pick('src', '[::1]:51856'), [3]);
  assert.deepEqual(pick('src', 'fd00:dead::/32'), [5]);
  assert.deepEqual(pick('dst', '[fd00:dead:cafe::]/48'), [5]);
  assert.deepEqual(pick('src', '::ffff:127.0.0.0/104'), [0, 1, 2], 'a mapped prefix matches IPv4 ends too');
  assert.deepEqual(pick('dst', '*:8080'), [1]);
  assert.deepEqual(pick('src', '127.0.0.1:8080'), [0]);
  assert.deepEqual(pick('src', '!=', '127.0.0.1'), [3, 4, 5]);
});

test('and binds tighter than or; not; parentheses; implicit and between terms', () => {
  assert.deepEqual(pick('sport', '=', ':22', 'or', 'sport', '=', ':443', 'and', 'dport', '=', ':1'), [4]);
  assert.deepEqual(pick('(', 'sport', '=', ':22', 'or', 'sport', '=', ':443', ')', 'and', 'dport', '=', ':1024'), [5]);
  assert.deepEqual(pick('not', 'src', '127.0.0.0/8'), [3, 4, 5]);
  assert.deepEqual(pick('src', '127.0.0.0/8', 'dport', '=', ':8080'), [1]);
});

test('state and exclude: states and ss groups, before the expression', () => {
  const bit = (s: number) => 1 << s;
  const f = parseSocketFilter(['state', 'established', 'state', 'time-wait']);
  assert.equal(f.states, bit(TCP_STATES.ESTABLISHED) | bit(TCP_STATES.TIME_WAIT));
  assert.equal(f.match, undefined);
  const c = parseSocketFilter(['state', 'connected', 'exclude', 'syn-sent']).states! & ~parseSocketFilter(['exclude', 'syn-sent']).exclude;
  assert.equal(c, parseSocketFilter(['state', 'synchronized']).states);
  assert.equal(parseSocketFilter(['state', 'bucket']).states! & bit(TCP_STATES.ESTABLISHED), 0);
  assert.ok(parseSocketFilter(['state', 'big']).states! & bit(TCP_STATES.LISTEN));
  assert.equal(parseSocketFilter(['state', 'listening']).states, bit(TCP_STATES.LISTEN));
  assert.equal(parseSocketFilter(['state', 'connected']).states! & (bit(TCP_STATES.LISTEN) | bit(TCP_STATES.CLOSE)), 0);
  assert.deepEqual(parseSocketFilter([]), { states: undefined, exclude: 0 });
});

test('bad filters: one line naming the word', () => {
  const bad: Array<[string[], RegExp]> = [
    [['sport', '=', ':ssh'], /':ssh' is not a port .*no service names/],
    [['dst', 'example.com'], /'example\.com' is not an IPv4 or IPv6 address/],
    [['dst', '10.0.0.0/33'], /'\/33' is not a prefix length/],
    [['(', 'sport', '=', ':1'], /'\(' is not closed|ends too soon/],
    [['sport', '=', ':1', ')'], /'\)' is not understood here/],
    [['state', 'bogus'], /'bogus' is not a state/],
    [['sport', '=', ':1', 'state', 'established'], /goes before the expression/],
    [['dev', 'eth0'], /'dev' is not understood/],
    [['sport', '='], /ends too soon/],
  ];
  for (const [words, re] of bad) {
    assert.throws(() => parseSocketFilter(words), (x: unknown) => x instanceof NetdxError && x.code === 'E_USAGE'
      && x.message.startsWith('parsing filter: ') && re.test(x.message) && !x.message.includes('\n'), words.join(' '));
  }
});

test('--addr: the printed forms ([::1], ::ffff:a.b.c.d) and prefixes; a port is refused', () => {
  const m = (a: string) => SOCKS.map((s, i) => (addrListMatcher([a])(s) ? i : -1)).filter((i) => i >= 0);
  assert.deepEqual(m('[::1]'), [3]);
  assert.deepEqual(m('127.0.0.1'), [0, 1, 2]);
  assert.deepEqual(m('::ffff:127.0.0.1'), [0, 1, 2]);
  assert.deepEqual(m('fd00:dead:cafe::9'), [5]);
  assert.throws(() => addrListMatcher(['127.0.0.1:80']), /has a port/);
  assert.throws(() => addrListMatcher(['[::1]:80']), /has a port/);
  assert.throws(() => addrListMatcher(['1.2.3']), /not an IPv4 or IPv6 address/);
});

test("timers print as ss's print_ms_timer does", () => {
  assert.equal(msTimer(7139_000), '118min');
  assert.equal(msTimer(119_000), '1min59sec');
  assert.equal(msTimer(59_500), '59sec');
  assert.equal(msTimer(1_500), '1.500ms');
  assert.equal(msTimer(200), '200ms');
  assert.equal(msTimer(0), '');
});
