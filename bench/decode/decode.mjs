// What netdx's user side (as built in dist/) costs per event (bench/decode/run.sh): soconnect's records, synthetic but
// of the real layout (the generated soconnect.h.ts), decoded, then rendered as a table row and as
// a JSON line, as the CLI does for every event it reads from the ring. ns per event, best of 5
// passes of N records.
import { decodeSoConnect } from '../../dist/tools/soconnect/lib.js';
import { soconnect_event as L } from '../../dist/tools/soconnect/soconnect.h.js';
import { tableLayout, ndjson } from '../../dist/core/output.js';
import { connectColumns } from '../../dist/core/kit/syscli.js';

const N = Number(process.env.N ?? 20000);
const f = L.fields;
const stride = (L.size + 8 + 7) & ~7; // as records sit in a ring: header, then 8-byte aligned
const buf = new ArrayBuffer(stride * N);
const dv = new DataView(buf);
for (let i = 0; i < N; i++) {
  const o = i * stride;
  dv.setUint32(o + f.pid.off, 1234 + (i % 7), true);
  dv.setUint32(o + f.tid.off, 1234 + (i % 7), true);
  new Uint8Array(buf, o + f.comm.off, 8).set(Buffer.from('workload'));
  dv.setUint16(o + f.family.off, 2, true);
  dv.setUint16(o + f.type.off, 1, true);
  dv.setUint16(o + f.protocol.off, 6, true);
  dv.setUint16(o + f.afamily.off, 2, true);
  dv.setUint16(o + f.port.off, 45000, true);
  dv.setUint16(o + f.lport.off, 40000 + (i % 20000), true);
  new Uint8Array(buf, o + f.addr.off, 4).set([127, 0, 0, 1]);
  dv.setBigUint64(o + f.latency_ns.off, BigInt(12345 + i), true);
  dv.setInt32(o + f.fd.off, 3, true);
}
const cols = [
  { header: 'PID', get: (e) => e.pid, width: 7 },
  { header: 'COMM', get: (e) => e.comm || '-', width: 15 },
  { header: 'PROTO', get: (e) => e.proto, width: 11 },
  ...connectColumns(),
  { header: 'LAT_MS', get: (e) => e.latency_ms.toFixed(3), align: 'right', width: 8 },
  { header: 'RESULT', get: (e) => e.result },
];
const layout = tableLayout(cols, [], cols.map((c) => c.width ?? 0));

function run(label, each) {
  let best = Infinity;
  let bytes = 0;
  for (let pass = 0; pass < 5; pass++) {
    const out = [];
    const t = process.hrtime.bigint();
    for (let i = 0; i < N; i++) out.push(each(i * stride));
    if (typeof out[0] === 'string') bytes = out.join('').length;
    best = Math.min(best, Number(process.hrtime.bigint() - t) / N);
  }
  console.log(`${label.padEnd(14)} ${best.toFixed(0).padStart(6)} ns/event${bytes ? `  (${bytes} bytes of output)` : ''}`);
}

console.log(`soconnect's user side, ${N} records, best of 5 passes — node ${process.version}`);
run('decode', (o) => decodeSoConnect(dv, o));
run('decode + row', (o) => layout.row(decodeSoConnect(dv, o)) + '\n');
run('decode + json', (o) => ndjson(decodeSoConnect(dv, o)));
