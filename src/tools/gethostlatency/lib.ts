// gethostlatency as a library: one typed event per name lookup through libc (getaddrinfo,
// gethostbyname and its variants), with its latency and result, from uprobes on the libc the
// traced processes really map (core/proc/libc.ts).
import { structDecoder } from '../../core/bpf/struct.js';
import { errnoName } from '../../core/errors.js';
import type { EventSpec } from '../../core/kit/events.js';
import type { UprobePoint } from '../../core/kit/load.js';
import { libcOf } from '../../core/proc/libc.js';
import { gethost_event } from './gethostlatency.h.js';

export const LOOKUP_FUNCS = ['getaddrinfo', 'gethostbyname', 'gethostbyname2', 'gethostbyname_r', 'gethostbyname2_r'] as const;
export type LookupFunc = (typeof LOOKUP_FUNCS)[number];

export interface GethostEvent {
  /** Return time (CLOCK_MONOTONIC ns). */
  ts_ns: number;
  pid: number;
  tid: number;
  comm: string;
  /** The caller's network namespace inode. */
  netns: number;
  func: LookupFunc;
  /** The name asked (the first 127 bytes). */
  host: string;
  latency_ms: number;
  /** The return value: getaddrinfo's, the _r functions' errno, gethostbyname's pointer (0: NULL). */
  ret: number;
  /** h_errno after the call, when it could be read (the _r functions, and gethostbyname/2 through them). */
  h_errno: number | null;
  /** 'OK'; getaddrinfo's EAI_* name; an h_errno name (HOST_NOT_FOUND...); an errno name (ERANGE); else 'failed'. */
  result: string;
}

export interface GethostOptions {
  /** The libc to trace (default: the one process -p maps, else the system's). */
  libc?: string;
}

/** glibc's and musl's getaddrinfo error codes (netdb.h). */
const EAI: Record<number, string> = {
  [-1]: 'EAI_BADFLAGS', [-2]: 'EAI_NONAME', [-3]: 'EAI_AGAIN', [-4]: 'EAI_FAIL', [-5]: 'EAI_NODATA', [-6]: 'EAI_FAMILY',
  [-7]: 'EAI_SOCKTYPE', [-8]: 'EAI_SERVICE', [-9]: 'EAI_ADDRFAMILY', [-10]: 'EAI_MEMORY', [-11]: 'EAI_SYSTEM',
  [-12]: 'EAI_OVERFLOW', [-100]: 'EAI_INPROGRESS', [-101]: 'EAI_CANCELED', [-104]: 'EAI_INTR', [-105]: 'EAI_IDN_ENCODE',
};
/** h_errno values (netdb.h); NETDB_INTERNAL: see errno. */
const H_ERRNO: Record<number, string> = {
  [-1]: 'NETDB_INTERNAL', 1: 'HOST_NOT_FOUND', 2: 'TRY_AGAIN', 3: 'NO_RECOVERY', 4: 'NO_DATA',
};

const HERRNO = 1;
const RESULT = 2;
const FOUND = 4;

function resultOf(func: LookupFunc, ret: number, flags: number, h: number): string {
  const herr = () => (flags & HERRNO ? H_ERRNO[h] ?? `h_errno ${h}` : 'failed');
  switch (func) {
    case 'getaddrinfo': return ret === 0 ? 'OK' : EAI[ret] ?? `EAI ${ret}`;
    case 'gethostbyname': case 'gethostbyname2': return ret !== 0 ? 'OK' : herr();
    default:
      if (ret !== 0) return errnoName(ret);
      if (!(flags & RESULT)) return 'failed';
      return flags & FOUND ? 'OK' : herr();
  }
}

const raw = structDecoder(gethost_event);

export function decodeGethost(dv: DataView, off: number): GethostEvent {
  const r = raw(dv, off);
  const func = LOOKUP_FUNCS[r.func] ?? 'getaddrinfo';
  // a pointer (gethostbyname) does not fit a double: only whether it is NULL matters
  const ret = func === 'gethostbyname' || func === 'gethostbyname2' ? (r.ret === 0 ? 0 : 1) : Number(BigInt.asIntN(32, BigInt(r.ret)));
  return {
    ts_ns: r.ts_ns, pid: r.pid, tid: r.tid, comm: r.comm, netns: r.netns, func, host: r.host,
    latency_ms: r.latency_ns / 1e6, ret, h_errno: r.flags & HERRNO ? r.h_errno : null,
    result: resultOf(func, ret, r.flags, r.h_errno),
  };
}

/** Entry and return of each function: the returns first, so that no call is entered unseen by its return. */
const POINTS: UprobePoint[] = [
  ...LOOKUP_FUNCS.map((f) => ({ program: 'gethost_ret', func: f, retprobe: true, optional: true })),
  ...LOOKUP_FUNCS.map((f) => ({ program: `gethost_${f}`, func: f, optional: true })),
];

export const GETHOSTLATENCY: EventSpec<GethostEvent, GethostOptions> = {
  name: 'gethostlatency',
  object: 'gethostlatency',
  hooks: ['uprobe', 'ringbuf'],
  filters: ['pid', 'netns', 'cgroup'],
  variants: [{ via: 'uprobe', programs: [], uprobes: POINTS }],
  binary(o, filter) {
    if (o.libc) return { path: o.libc, note: `tracing lookups in ${o.libc}` };
    const l = libcOf(filter.pid);
    return {
      path: l.path,
      note: filter.pid !== undefined ? `tracing lookups in ${l.how}`
        : `tracing lookups in ${l.how}; processes that map another libc (in a container, a chroot) need -p PID or --libc PATH`,
    };
  },
  decode: decodeGethost,
};
