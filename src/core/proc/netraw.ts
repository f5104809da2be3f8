// /proc/net/raw and /proc/net/raw6: raw sockets, for kernels built without CONFIG_INET_RAW_DIAG
// (sock_diag then answers ENOENT for IPPROTO_RAW, and ss falls back to these files the same way).
// Text in, typed out.
import { formatIPv4, formatIPv6 } from '../addr.js';
import { STATE_NAMES, type InetSocket } from '../netlink/sockdiag.js';

/** "0100007F:0001": the address words are printed in host (little-endian) order. */
function hexAddr(s: string, family: 4 | 6): { addr: string; port: number } {
  const [a = '', p = '0'] = s.split(':');
  const bytes = new Uint8Array(family === 4 ? 4 : 16);
  for (let w = 0; w < bytes.length / 4; w++) {
    for (let i = 0; i < 4; i++) bytes[w * 4 + i] = parseInt(a.substr(w * 8 + (3 - i) * 2, 2), 16);
  }
  return { addr: family === 4 ? formatIPv4(bytes) : formatIPv6(bytes), port: parseInt(p, 16) };
}

export function parseProcNetRaw(text: string, family: 4 | 6): InetSocket[] {
  const out: InetSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const l = hexAddr(f[1]!, family);
    const r = hexAddr(f[2]!, family);
    const st = parseInt(f[3]!, 16);
    const [tx = '0', rx = '0'] = f[4]!.split(':');
    out.push({
      proto: 'raw', family, state: STATE_NAMES[st] ?? `STATE-${st}`, state_num: st,
      laddr: l.addr, lport: l.port, raddr: r.addr, rport: r.port,
      recv_q: parseInt(rx, 16), send_q: parseInt(tx, 16), inode: Number(f[9]), uid: Number(f[7]),
      ifindex: 0, cookie: 0n, timer: 0, expires: 0, retrans: 0,
      // for raw sockets the "port" is the IP protocol
      protocol: l.port,
    });
  }
  return out;
}
