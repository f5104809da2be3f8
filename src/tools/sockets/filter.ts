// ss's filter language, the common part (ss(8) "STATE-FILTER" and "EXPRESSION"): `state` and
// `exclude` with states and ss's groups, then an expression of sport/dport comparisons and
// src/dst address[/prefix][:port] matches, joined by and/or/not and parentheses. Parsed once
// into a predicate over decoded sockets; pure (no kernel), so it is tested on its own and
// against ss on the same sockets.
import { NetdxError } from '../../core/errors.js';
import { inPrefix, parseIPv4, parseIPv6, unmapIPv4 } from '../../core/addr.js';
import { ALL_STATES, TCP_STATES, stateMask } from '../../core/netlink/sockdiag.js';

/** What a filter looks at: the two ends of an inet socket. */
export interface FilterEnds { family: 4 | 6; laddr: string; lport: number; raddr: string; rport: number }

export interface SocketFilter {
  /** Union of the `state` words (undefined: none given, the tool's default states apply). */
  states?: number;
  /** States removed by `exclude` words. */
  exclude: number;
  /** The expression (undefined: none given). */
  match?: (s: FilterEnds) => boolean;
}

const bit = (s: number) => 1 << s;
const LISTEN_CLOSE = bit(TCP_STATES.LISTEN) | bit(TCP_STATES.CLOSE);
const BUCKET = bit(TCP_STATES.SYN_RECV) | bit(TCP_STATES.NEW_SYN_RECV) | bit(TCP_STATES.TIME_WAIT);
/** ss(8): "connected: all the states except for listening and closed", and so on. */
const STATE_GROUPS: Record<string, number> = {
  all: ALL_STATES,
  connected: ALL_STATES & ~LISTEN_CLOSE,
  synchronized: ALL_STATES & ~LISTEN_CLOSE & ~bit(TCP_STATES.SYN_SENT),
  bucket: BUCKET,
  big: ALL_STATES & ~BUCKET,
  listening: bit(TCP_STATES.LISTEN),
  closed: bit(TCP_STATES.CLOSE),
};

function stateWord(w: string): number {
  const g = STATE_GROUPS[w.toLowerCase()];
  if (g !== undefined) return g;
  const m = stateMask([w]);
  if (m === undefined) {
    throw usage(`'${w}' is not a state (established, syn-sent, syn-recv, fin-wait-1, fin-wait-2, time-wait, closed, `
      + 'close-wait, last-ack, listening, closing) or a group (all, connected, synchronized, bucket, big)');
  }
  return m;
}

const usage = (why: string) => new NetdxError('E_USAGE', `parsing filter: ${why}`);

/** Splits the words of a filter (given as one argument or many) into tokens. */
export function tokenize(args: readonly string[]): string[] {
  const out: string[] = [];
  const re = /\s*(\(|\)|!=|==|<=|>=|&&|\|\||[=<>!]|[^\s()=<>!]+)/y;
  for (const a of args) {
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while (re.lastIndex < a.length && (m = re.exec(a))) if (m[1]) out.push(m[1]);
  }
  return out;
}

type Cmp = (a: number, b: number) => boolean;
const OPS: Record<string, Cmp> = {
  '=': (a, b) => a === b, '==': (a, b) => a === b, eq: (a, b) => a === b,
  '!=': (a, b) => a !== b, ne: (a, b) => a !== b, neq: (a, b) => a !== b,
  '<': (a, b) => a < b, lt: (a, b) => a < b, '>': (a, b) => a > b, gt: (a, b) => a > b,
  '<=': (a, b) => a <= b, le: (a, b) => a <= b, '>=': (a, b) => a >= b, ge: (a, b) => a >= b,
};

function port(text: string): number {
  const t = text.startsWith(':') ? text.slice(1) : text;
  if (!/^\d+$/.test(t) || Number(t) > 65535) throw usage(`'${text}' is not a port (a number, 0-65535; netdx resolves no service names)`);
  return Number(t);
}

/** An address bytes view of a socket's end; IPv4-mapped IPv6 ends also read as IPv4. */
function endBytes(family: 4 | 6, a: string): { v4?: Uint8Array; v6?: Uint8Array } {
  if (family === 4) return { v4: parseIPv4(a) };
  const v6 = parseIPv6(a);
  return { v6, v4: v6 && unmapIPv4(v6) };
}

/** `HOST[/LEN][:PORT]`, `[V6][/LEN][:PORT]`, `V6[/LEN]`, `*:PORT`, `:PORT`. */
export function addrMatcher(text: string): (family: 4 | 6, addr: string, p: number) => boolean {
  let host = text;
  let portText: string | undefined;
  const br = /^\[([^\]]+)\](.*)$/.exec(text);
  if (br) {
    host = br[1]!;
    const rest = br[2]!;
    const m = /^(\/\d+)?(?::(.+))?$/.exec(rest);
    if (!m) throw usage(`'${text}' is not an address`);
    host += m[1] ?? '';
    portText = m[2];
  } else if ((text.match(/:/g) ?? []).length === 1) {
    [host, portText] = text.split(':') as [string, string];
  }
  const want = portText === undefined || portText === '*' ? undefined : port(portText);
  if (host === '' || host === '*') return (_f, _a, p) => want === undefined || p === want;
  const [ip, len] = host.split('/') as [string, string | undefined];
  const v4 = parseIPv4(ip);
  const v6 = v4 ? undefined : parseIPv6(ip);
  if (!v4 && !v6) throw usage(`'${ip}' is not an IPv4 or IPv6 address (netdx resolves no host names)`);
  const max = v4 ? 32 : 128;
  const bits = len === undefined ? max : Number(len);
  if (len !== undefined && (!/^\d+$/.test(len) || bits > max)) throw usage(`'/${len}' is not a prefix length for '${ip}'`);
  // a dual-stack socket's ::ffff:a.b.c.d end matches an IPv4 filter, as the address it is
  const mapped = v6 && unmapIPv4(v6);
  return (family, addr, p) => {
    if (want !== undefined && p !== want) return false;
    const e = endBytes(family, addr);
    if (v4 || mapped) return e.v4 !== undefined && inPrefix(e.v4, v4 ?? mapped!, mapped && !v4 ? Math.max(0, bits - 96) : bits);
    return e.v6 !== undefined && inPrefix(e.v6, v6!, bits);
  };
}

type Pred = (s: FilterEnds) => boolean;

/**
 * Parses ss's filter words: `[state S|exclude S]... [EXPRESSION]`. Throws E_USAGE on words it does
 * not know, naming them.
 */
export function parseSocketFilter(args: readonly string[]): SocketFilter {
  const t = tokenize(args);
  let i = 0;
  let states: number | undefined;
  let exclude = 0;
  while (i < t.length && /^(state|exclude|excl)$/i.test(t[i]!)) {
    const kw = t[i++]!.toLowerCase();
    const w = t[i++];
    if (w === undefined) throw usage(`'${kw}' needs a state`);
    if (kw === 'state') states = (states ?? 0) | stateWord(w);
    else exclude |= stateWord(w);
  }
  if (i === t.length) return { states, exclude };
  const peek = () => t[i]?.toLowerCase();
  const next = () => {
    const w = t[i++];
    if (w === undefined) throw usage('the expression ends too soon');
    return w;
  };
  const or = (): Pred => {
    let l = and();
    while (peek() === 'or' || peek() === '||') { i++; const a = l, b = and(); l = (s) => a(s) || b(s); }
    return l;
  };
  const and = (): Pred => {
    let l = not();
    for (;;) {
      const p = peek();
      if (p === 'and' || p === '&&') i++;
      else if (p === undefined || p === ')' || p === 'or' || p === '||') return l;
      const a = l, b = not();
      l = (s) => a(s) && b(s);
    }
  };
  const not = (): Pred => {
    const p = peek();
    if (p === 'not' || p === '!') { i++; const a = not(); return (s) => !a(s); }
    return primary();
  };
  const primary = (): Pred => {
    const w = next();
    const kw = w.toLowerCase();
    if (w === '(') {
      const e = or();
      if (next() !== ')') throw usage("a '(' is not closed");
      return e;
    }
    if (kw === 'sport' || kw === 'dport') {
      let op = peek() ?? '';
      if (OPS[op]) i++; else op = '=';
      const n = port(next());
      const cmp = OPS[op]!;
      return kw === 'sport' ? (s) => cmp(s.lport, n) : (s) => cmp(s.rport, n);
    }
    if (kw === 'src' || kw === 'dst') {
      let neg = false;
      const op = peek();
      if (op === '=' || op === '==' || op === 'eq') i++;
      else if (op === '!=' || op === 'ne' || op === 'neq') { i++; neg = true; }
      const m = addrMatcher(next());
      const f: Pred = kw === 'src' ? (s) => m(s.family, s.laddr, s.lport) : (s) => m(s.family, s.raddr, s.rport);
      return neg ? (s) => !f(s) : f;
    }
    if (kw === 'state' || kw === 'exclude') throw usage(`'${w}' goes before the expression`);
    throw usage(`'${w}' is not understood (sport, dport, src, dst, and, or, not, parentheses; state/exclude first)`);
  };
  const match = or();
  if (i < t.length) throw usage(`'${t[i]}' is not understood here`);
  return { states, exclude, match };
}
