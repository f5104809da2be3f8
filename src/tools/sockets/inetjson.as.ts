// AssemblyScript (a TypeScript dialect compiled to WebAssembly by scripts/build.sh; not seen by tsc).
// The NDJSON line of one inet_diag reply message, written byte for byte as writeInetDiagJson()
// in json.ts writes it. Why WebAssembly: a one-shot `netdx sockets -ta -i --json` of 20,000
// sockets spends most of its time in V8 running that JavaScript writer before TurboFan has
// compiled it (measured 2026-11-25: ~100 ms cold against ~32 ms warm, TurboFan taking 60 ms to
// compile it on this 2-vCPU machine); WebAssembly is compiled (Liftoff) before its first call.
//
// The tables (tcp_info's layout from core/netlink/sockdiag.ts, the constant JSON fragments from
// json.ts) come through setTables(), so field names and offsets have one source. A line this
// module cannot write as JavaScript would (a congestion-control name that needs escaping, a u64
// above 2^53 other than ~0) returns 0, and the caller writes that line with the JavaScript writer.

// Fragment numbers: the order of INET_JSON_TABLES.frags in json.ts.
const F_PROTO_TCP = 0; // then udp, raw
const F_STATE0 = 3; // ,"state":"<name>","laddr":"  for states 0..13
const N_STATES = 14;
const F_STATE_UNKNOWN = F_STATE0 + N_STATES; // ,"state":"STATE-
const F_STATE_UNKNOWN_END = F_STATE_UNKNOWN + 1; // ","laddr":"
const F_LPORT = F_STATE_UNKNOWN_END + 1;
const F_RADDR = F_LPORT + 1;
const F_RPORT = F_RADDR + 1;
const F_RECVQ = F_RPORT + 1;
const F_SENDQ = F_RECVQ + 1;
const F_INODE = F_SENDQ + 1;
const F_UID = F_INODE + 1;
const F_IFINDEX = F_UID + 1;
const F_COOKIE = F_IFINDEX + 1;
const F_NO_OWNER = F_COOKIE + 1;
const F_CONG = F_NO_OWNER + 1;
const F_SHUTDOWN = F_CONG + 1;
const F_TCP_INFO = F_SHUTDOWN + 1;
const F_MEM = F_TCP_INFO + 1;
const F_SKMEM0 = F_MEM + 1; // 9 keys of skmeminfo
const F_U64_MAX = F_SKMEM0 + 9; // ~0 as JavaScript prints it
export const FRAG_COUNT: i32 = F_U64_MAX + 1;

const K_U8 = 0, K_LO4 = 1, K_HI4 = 2, K_BIT0 = 3, K_BITS12 = 4, K_U16 = 5, K_U32 = 6;

const INET_DIAG_INFO: u32 = 2;
const INET_DIAG_CONG: u32 = 4;
const INET_DIAG_SHUTDOWN: u32 = 8;
const INET_DIAG_SKMEMINFO: u32 = 7;

// tables, set once by setTables(): i32 arrays and byte strings in this memory
let tiCount: i32 = 0;
let tiOff: usize = 0; // i32[tiCount]
let tiEnd: usize = 0; // i32[tiCount]
let tiKind: usize = 0; // i32[tiCount]
let tiKeyAt: usize = 0; // i32[tiCount + 1]: key i is bytes [tiKeyAt[i], tiKeyAt[i+1]) of tiKeys
let tiKeys: usize = 0;
let fragAt: usize = 0; // i32[FRAG_COUNT + 1], likewise into fragBytes
let fragBytes: usize = 0;
// "00".."99" as 100 u16, made at instantiation (before the caller's reserve()s and views)
const pairs: usize = heap.alloc(200);
for (let i: u32 = 0; i < 100; i++) store<u16>(pairs + 2 * i, (48 + i / 10) | ((48 + i % 10) << 8));

/** Reserves n bytes of this module's memory (never freed: the tables, receive and output areas). */
export function reserve(n: u32): usize {
  return heap.alloc(n);
}

export function setTables(count: i32, off: usize, end: usize, kind: usize, keyAt: usize, keys: usize, fAt: usize, fBytes: usize): void {
  tiCount = count; tiOff = off; tiEnd = end; tiKind = kind; tiKeyAt = keyAt; tiKeys = keys;
  fragAt = fAt; fragBytes = fBytes;
}

// Copies len bytes 8 at a time: may store up to 7 bytes past p + len (the caller's room covers it,
// and the next write overwrites them).
@inline function copy(p: usize, src: usize, len: i32): usize {
  for (let i = 0; i < len; i += 8) store<u64>(p + i, load<u64>(src + i));
  return p + len;
}

@inline function frag(p: usize, k: i32): usize {
  const a = load<i32>(fragAt + (k << 2));
  return copy(p, fragBytes + a, load<i32>(fragAt + (k << 2) + 4) - a);
}

function digits32(x: u32): i32 {
  return x < 10 ? 1 : x < 100 ? 2 : x < 1000 ? 3 : x < 10000 ? 4 : x < 100000 ? 5 : x < 1000000 ? 6
    : x < 10000000 ? 7 : x < 100000000 ? 8 : x < 1000000000 ? 9 : 10;
}

function u32dec(p: usize, x: u32): usize {
  if (x < 10) { store<u8>(p, 48 + x); return p + 1; }
  const n = digits32(x);
  let q = p + n;
  while (x >= 100) {
    const t = x / 100;
    q -= 2;
    store<u16>(q, load<u16>(pairs + ((x - t * 100) << 1)));
    x = t;
  }
  if (x >= 10) store<u16>(q - 2, load<u16>(pairs + (x << 1)));
  else store<u8>(q - 1, 48 + x);
  return p + n;
}

/** A u64 below 2^53 (printed exactly as JavaScript does); 0 for anything JavaScript would round. */
function u64dec(p: usize, x: u64): usize {
  if (x <= 0xffffffff) return u32dec(p, <u32>x);
  if (x == 0xffffffffffffffff) return frag(p, F_U64_MAX);
  if (x >= (<u64>1 << 53)) return 0;
  const hi = x / 100000000;
  let lo = <u32>(x - hi * 100000000);
  p = u32dec(p, <u32>hi);
  // exactly 8 digits
  for (let q = p + 6; q >= p; q -= 2) {
    const t = lo / 100;
    store<u16>(q, load<u16>(pairs + ((lo - t * 100) << 1)));
    lo = t;
  }
  return p + 8;
}

/** Any u64, exactly (the socket cookie: an identifier, printed as the object path's bigint). */
function u64exact(p: usize, x: u64): usize {
  if (x < (<u64>1 << 53)) return u64dec(p, x);
  let n = 0;
  for (let t = x; t != 0; t /= 10) n++;
  for (let q = p + n - 1; x != 0; q--, x /= 10) store<u8>(q, 48 + <u32>(x % 10));
  return p + n;
}

function hex16(p: usize, x: u32): usize {
  const n: i32 = x >= 0x1000 ? 4 : x >= 0x100 ? 3 : x >= 0x10 ? 2 : 1;
  for (let i = n - 1; i >= 0; i--) {
    const d = (x >> (<u32>i << 2)) & 15;
    store<u8>(p++, d < 10 ? 48 + d : 87 + d);
  }
  return p;
}

function ipv4(p: usize, a: usize): usize {
  p = u32dec(p, load<u8>(a)); store<u8>(p++, 46);
  p = u32dec(p, load<u8>(a + 1)); store<u8>(p++, 46);
  p = u32dec(p, load<u8>(a + 2)); store<u8>(p++, 46);
  return u32dec(p, load<u8>(a + 3));
}

@inline function word(a: usize, i: i32): u32 {
  return (<u32>load<u8>(a + 2 * i) << 8) | load<u8>(a + 2 * i + 1);
}

/** RFC 5952 text, as formatIPv6() in core/addr.ts (IPv4-mapped as ::ffff:a.b.c.d). */
function ipv6(p: usize, a: usize): usize {
  if (load<u64>(a) == 0 && load<u16>(a + 8) == 0 && load<u16>(a + 10) == 0xffff) {
    store<u64>(p, 0x3a666666663a3a); // "::ffff:"
    return ipv4(p + 7, a + 12);
  }
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (word(a, i) != 0) { i++; continue; }
    let j = i;
    while (j < 8 && word(a, j) == 0) j++;
    if (j - i > bestLen && j - i >= 2) { best = i; bestLen = j - i; }
    i = j;
  }
  for (let i = 0; i < 8; i++) {
    if (i == best) {
      store<u16>(p, 0x3a3a); p += 2; // "::"
      i += bestLen - 1;
      continue;
    }
    if (i > 0 && i != best + bestLen) store<u8>(p++, 58);
    p = hex16(p, word(a, i));
  }
  return p;
}

function tcpInfo(p: usize, o: usize, len: i32): usize {
  let i = 0;
  for (; i < tiCount && load<i32>(tiEnd + (i << 2)) <= len; i++) {
    const k = load<i32>(tiKeyAt + (i << 2));
    p = copy(p, tiKeys + k, load<i32>(tiKeyAt + (i << 2) + 4) - k);
    const at = o + <usize>load<i32>(tiOff + (i << 2));
    let v: u32;
    switch (load<i32>(tiKind + (i << 2))) {
      case K_U8: v = load<u8>(at); break;
      case K_LO4: v = load<u8>(at) & 15; break;
      case K_HI4: v = load<u8>(at) >> 4; break;
      case K_BIT0: v = load<u8>(at) & 1; break;
      case K_BITS12: v = (load<u8>(at) >> 1) & 3; break;
      case K_U16: v = load<u16>(at); break;
      case K_U32: v = load<u32>(at); break;
      default: {
        p = u64dec(p, load<u64>(at));
        if (p == 0) return 0;
        continue;
      }
    }
    p = u32dec(p, v);
  }
  if (i == 0) store<u8>(p++, 123); // "{"
  store<u8>(p, 125); // "}"
  return p + 1;
}

/**
 * One line for the inet_diag_msg at [o, end) (the caller checked it is at least 72 bytes), written
 * at p, with the owner fragment [who, who + whoLen) (0 bytes: pid and comm null). Returns the new
 * position, or 0 when the caller must write this line itself.
 */
export function inetLine(o: usize, end: usize, proto: i32, who: usize, whoLen: i32, p: usize): usize {
  const v6 = load<u8>(o) == 10;
  const st: i32 = load<u8>(o + 1);
  p = frag(p, F_PROTO_TCP + proto);
  store<u8>(p++, v6 ? 54 : 52);
  if (st < N_STATES) p = frag(p, F_STATE0 + st);
  else { p = frag(p, F_STATE_UNKNOWN); p = u32dec(p, st); p = frag(p, F_STATE_UNKNOWN_END); }
  p = v6 ? ipv6(p, o + 8) : ipv4(p, o + 8);
  p = frag(p, F_LPORT);
  p = u32dec(p, bswap<u16>(load<u16>(o + 4)));
  p = frag(p, F_RADDR);
  p = v6 ? ipv6(p, o + 24) : ipv4(p, o + 24);
  p = frag(p, F_RPORT);
  p = u32dec(p, bswap<u16>(load<u16>(o + 6)));
  p = frag(p, F_RECVQ); p = u32dec(p, load<u32>(o + 56));
  p = frag(p, F_SENDQ); p = u32dec(p, load<u32>(o + 60));
  p = frag(p, F_INODE); p = u32dec(p, load<u32>(o + 68));
  p = frag(p, F_UID); p = u32dec(p, load<u32>(o + 64));
  p = frag(p, F_IFINDEX); p = u32dec(p, load<u32>(o + 40));
  p = frag(p, F_COOKIE);
  p = u64exact(p, load<u64>(o + 44));
  p = whoLen == 0 ? frag(p, F_NO_OWNER) : copy(p, who, whoLen);
  // attributes: cong, shutdown, tcp_info, mem, in that order whatever order the kernel sent them
  let info: usize = 0, mem: usize = 0, cong: usize = 0, congEnd: usize = 0;
  let infoLen = 0, memLen = 0, shut = -1;
  for (let a = o + 72; a + 4 <= end;) {
    const len: i32 = load<u16>(a);
    if (len < 4 || a + len > end) break;
    const type: u32 = load<u16>(a + 2) & 0x3fff;
    if (type == INET_DIAG_INFO) { if (proto == 0) { info = a + 4; infoLen = len - 4; } }
    else if (type == INET_DIAG_SKMEMINFO) { mem = a + 4; memLen = len - 4; }
    else if (type == INET_DIAG_CONG) { cong = a + 4; congEnd = a + len; }
    else if (type == INET_DIAG_SHUTDOWN) shut = load<u8>(a + 4);
    a += (len + 3) & ~3;
  }
  if (cong != 0) {
    p = frag(p, F_CONG);
    store<u8>(p++, 34);
    for (let c = cong; c < congEnd && c < cong + 64; c++) {
      const ch = load<u8>(c);
      if (ch == 0) break;
      if (ch < 0x20 || ch == 34 || ch == 92 || ch >= 0x7f) return 0; // needs escaping: JavaScript's job
      store<u8>(p++, ch);
    }
    store<u8>(p++, 34);
  }
  if (shut >= 0) { p = frag(p, F_SHUTDOWN); p = u32dec(p, shut); }
  if (info != 0) {
    p = frag(p, F_TCP_INFO);
    p = tcpInfo(p, info, infoLen);
    if (p == 0) return 0;
  }
  if (mem != 0) {
    p = frag(p, F_MEM);
    for (let i = 0; i < 9; i++) {
      p = frag(p, F_SKMEM0 + i);
      p = u32dec(p, 4 * i + 4 <= memLen ? load<u32>(mem + 4 * i) : 0);
    }
    store<u8>(p++, 125);
  }
  store<u16>(p, 0x0a7d); // "}\n"
  return p + 2;
}
