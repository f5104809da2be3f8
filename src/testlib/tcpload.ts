// A child-process TCP workload with known byte counts, for kernel tests and benchmarks.
//   node tcpload.js server HOST            -> prints "PORT <n>" then serves until killed
//   node tcpload.js client HOST PORT N PAR -> N sessions, PAR at a time; prints one JSON line
//                                              per session: {lport, up, down}, then "DONE"
// Protocol per session: the client sends a 4-byte big-endian length L (bytes it wants back)
// and `up` payload bytes, then shuts down writing; the server reads to EOF, sends L bytes and
// closes; the client reads to EOF and closes. So each side's payload is known exactly:
// client tx = 4 + up, rx = down; server tx = down, rx = 4 + up.
import net from 'node:net';

export function sizesFor(i: number): { up: number; down: number } {
  return { up: 100 + ((i * 37) % 3000), down: 50 + ((i * 91) % 9000) };
}

function server(host: string): void {
  const srv = net.createServer((s) => {
    const chunks: Buffer[] = [];
    s.on('data', (d) => chunks.push(d));
    s.on('end', () => {
      const all = Buffer.concat(chunks);
      const want = all.length >= 4 ? all.readUInt32BE(0) : 0;
      s.end(Buffer.alloc(want, 0x5a));
    });
    s.on('error', () => s.destroy());
  });
  srv.listen(0, host, () => {
    process.stdout.write(`PORT ${(srv.address() as net.AddressInfo).port}\n`);
  });
}

function oneSession(host: string, port: number, i: number): Promise<string> {
  const { up, down } = sizesFor(i);
  return new Promise((resolve, reject) => {
    const c = net.connect({ host, port }, () => {
      const hdr = Buffer.alloc(4);
      hdr.writeUInt32BE(down);
      c.end(Buffer.concat([hdr, Buffer.alloc(up, 0x61)]));
    });
    let got = 0;
    let lport = 0;
    c.on('connect', () => { lport = c.localPort ?? 0; });
    c.on('data', (d) => { got += d.length; });
    c.on('error', reject);
    c.on('close', () => {
      if (got !== down) reject(new Error(`session ${i}: got ${got} of ${down} bytes`));
      else resolve(JSON.stringify({ i, lport, up: up + 4, down }));
    });
  });
}

async function client(host: string, port: number, n: number, par: number): Promise<void> {
  let next = 0;
  const out: string[] = [];
  const worker = async () => {
    while (next < n) {
      const i = next++;
      out.push(await oneSession(host, port, i));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, par) }, worker));
  process.stdout.write(out.join('\n') + '\nDONE\n');
}

const [mode, host, port, n, par] = process.argv.slice(2);
if (mode === 'server') server(host ?? '127.0.0.1');
else if (mode === 'client') {
  client(host ?? '127.0.0.1', Number(port), Number(n ?? 1), Number(par ?? 1)).catch((e) => {
    process.stderr.write(`tcpload: ${(e as Error).message}\n`);
    process.exit(1);
  });
}
