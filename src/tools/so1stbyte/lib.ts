// so1stbyte as a library: histograms of the time from connect() to the first byte read, per
// process or for all, aggregated in the kernel and read per interval.
import { syscallHistSpec, syscallVariants } from '../../core/kit/sys.js';
import { so1stbyte_key, so1stbyte_val } from './so1stbyte.h.js';

const CONNECT = syscallVariants('so1stbyte', ['connect'])[0]!.programs;

// The receive's end on sock_recv_length: raw_tp first, the classic tracepoint, tp_btf last;
// each with the connect() programs.
export const SO1STBYTE = syscallHistSpec('so1stbyte', so1stbyte_key, so1stbyte_val,
  (['raw', 'tp', 'btf'] as const).map((k) => ({ via: { raw: 'raw_tp', tp: 'tracepoint', btf: 'tp_btf' }[k], programs: [`so1stbyte_recv_${k}`, ...CONNECT] })),
  ['raw_tracepoint', 'syscall_tracepoint'], ['pid', 'rport', 'family', 'netns', 'cgroup']);
