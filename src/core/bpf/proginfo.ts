// A loaded BPF program, by its id (the id rtnetlink, tc and bpftool name): its name, type and tag,
// through BPF_PROG_GET_FD_BY_ID and BPF_OBJ_GET_INFO_BY_FD, as `bpftool prog show id N` reads
// them. The fd is closed at once; reading changes nothing.
import { NetdxError, errnoName } from '../errors.js';
import { errno, libbpf, libc, strerror } from '../ffi.js';

/** struct bpf_prog_info (include/uapi/linux/bpf.h): the offsets of the fields read here. */
const INFO = {
  size: 232, type: 0, id: 4, tag: 8, load_time: 40, created_by_uid: 48, name: 64, ifindex: 80,
  run_time_ns: 192, run_cnt: 200,
} as const;

/** enum bpf_prog_type names for the types a network program has (others by number). */
const PROG_TYPES: Record<number, string> = {
  1: 'socket_filter', 2: 'kprobe', 3: 'sched_cls', 4: 'sched_act', 5: 'tracepoint', 6: 'xdp',
  7: 'perf_event', 8: 'cgroup_skb', 9: 'cgroup_sock', 13: 'sock_ops', 14: 'sk_skb', 17: 'raw_tracepoint',
  26: 'tracing', 27: 'struct_ops', 28: 'ext',
};

export interface ProgInfo {
  id: number;
  /** bpf_prog_type name: 'xdp', 'sched_cls', ... */
  type: string;
  /** The name it was loaded with (the kernel keeps 15 characters). */
  name: string;
  /** The program's tag: a hash of its instructions, 16 hex digits. */
  tag: string;
  /** Nanoseconds since boot when it was loaded. */
  loadTimeNs: bigint;
  uid: number;
  /** The device it is offloaded to (0: not offloaded). */
  ifindex: number;
  /** Runs and run time: counted only while BPF statistics are on (kernel.bpf_stats_enabled). */
  runCount: bigint;
  runTimeNs: bigint;
}

/** Decodes a struct bpf_prog_info the kernel filled (`len` bytes of it). */
export function parseProgInfo(b: Buffer, len = b.length): ProgInfo {
  const u64 = (off: number) => (off + 8 <= len ? b.readBigUInt64LE(off) : 0n);
  const nameBytes = b.subarray(INFO.name, INFO.name + 16);
  const nul = nameBytes.indexOf(0);
  const type = b.readUInt32LE(INFO.type);
  return {
    id: b.readUInt32LE(INFO.id),
    type: PROG_TYPES[type] ?? `type ${type}`,
    name: nameBytes.subarray(0, nul < 0 ? 16 : nul).toString('utf8'),
    tag: b.subarray(INFO.tag, INFO.tag + 8).toString('hex'),
    loadTimeNs: u64(INFO.load_time),
    uid: b.readUInt32LE(INFO.created_by_uid),
    ifindex: b.readUInt32LE(INFO.ifindex),
    runCount: u64(INFO.run_cnt),
    runTimeNs: u64(INFO.run_time_ns),
  };
}

/** The program with this id; undefined when none has it (unloaded since). */
export function progInfoById(id: number): ProgInfo | undefined {
  const lb = libbpf();
  const fd = lb.bpf_prog_get_fd_by_id(id) as number;
  if (fd < 0) {
    const e = errno();
    if (e === 2) return undefined;
    throw new NetdxError(e === 1 || e === 13 ? 'E_PERMISSION' : 'E_IO', `opening BPF program ${id}: ${strerror(e)} (${errnoName(e)})`, { errno: e });
  }
  try {
    const info = Buffer.alloc(INFO.size);
    const len = [INFO.size];
    const rc = lb.bpf_obj_get_info_by_fd(fd, info, len) as number;
    if (rc < 0) {
      const e = errno();
      throw new NetdxError('E_IO', `reading BPF program ${id}: ${strerror(e)} (${errnoName(e)})`, { errno: e });
    }
    return parseProgInfo(info, Number(len[0]));
  } finally {
    libc().close(fd);
  }
}
