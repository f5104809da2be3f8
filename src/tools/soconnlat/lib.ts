// soconnlat as a library: connect latency histograms, per process or for all, aggregated in the
// kernel and read per interval.
import { syscallHistSpec, syscallVariants } from '../../core/kit/sys.js';
import { tcpStateVariants } from '../../core/kit/tcpstate.js';
import { soconnlat_key, soconnlat_val } from './soconnlat.h.js';

// TCP's outcome on inet_sock_set_state (raw_tp first), every other connect on the syscall
// tracepoints, loaded with it.
export const SOCONNLAT = syscallHistSpec('soconnlat', soconnlat_key, soconnlat_val,
  tcpStateVariants('soconnlat', syscallVariants('soconnlat', ['connect'])[0]!.programs),
  ['raw_tracepoint', 'syscall_tracepoint'], ['pid', 'rport', 'family', 'netns', 'cgroup']);
