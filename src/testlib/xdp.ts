// A test-only XDP program (src/tools/xdp/xdp_test.bpf.c: XDP_ABORTED for IPv4 UDP to one port,
// XDP_PASS otherwise) attached to a device of a namespace the test made, as a BPF link: closing
// it (or the process ending) detaches it. netdx itself attaches no XDP program; only tests do.
import { readFileSync } from 'node:fs';
import { BpfObject } from '../core/bpf/object.js';
import { bpfObjectPath } from '../core/bpf/paths.js';
import { registerCleanup } from '../core/cleanup.js';
import { errnoName } from '../core/errors.js';
import { libbpf, libc, strerror } from '../core/ffi.js';
import { dumpLinks } from '../core/netlink/rtnl.js';
import { resolveNetns, withNetns } from '../core/netns.js';

const BPF_XDP = 37;
const FLAGS = { generic: 0x2 /* XDP_FLAGS_SKB_MODE */, driver: 0x4 /* XDP_FLAGS_DRV_MODE */ } as const;

export interface TestXdp {
  /** The program's id (what rtnetlink and the xdp: tracepoints name). */
  progId: number;
  /** Detaches and unloads it; safe to call again. */
  close(): void;
}

/**
 * Loads the test program and attaches it to `ifname` in namespace `netns` (a name under
 * /run/netns): UDP to `abortPort` is aborted, to `redirect.port` redirected to `redirect.ifindex`.
 */
export function attachTestXdp(netns: string, ifname: string, mode: keyof typeof FLAGS, abortPort: number,
  redirect?: { port: number; ifindex: number }): TestXdp {
  const ref = resolveNetns(netns);
  const link = dumpLinks(ref).find((l) => l.name === ifname);
  if (!link) throw new Error(`attaching the test XDP program: no ${ifname} in ${netns}`);
  const obj = BpfObject.open(bpfObjectPath('xdp_test'));
  let fd = -1;
  const close = () => {
    if (fd >= 0) { libc().close(fd); fd = -1; }
    obj.close();
    unregister();
  };
  const unregister = registerCleanup(close);
  try {
    obj.setRodata({ abort_port: abortPort, redirect_port: redirect?.port ?? 0, redirect_ifindex: redirect?.ifindex ?? 0 });
    obj.load();
    // struct bpf_link_create_opts: sz at 0, flags at 8
    const opts = Buffer.alloc(16);
    opts.writeBigUInt64LE(16n, 0);
    opts.writeUInt32LE(FLAGS[mode], 8);
    const prog = obj.programFd('netdx_xdp_test');
    // the ifindex is resolved in the calling thread's namespace
    fd = withNetns(ref, () => libbpf().bpf_link_create(prog, link.ifindex, BPF_XDP, opts) as number);
    if (fd < 0) throw new Error(`attaching the test XDP program to ${ifname} (${mode}): ${strerror(-fd)} (${errnoName(-fd)})`);
  } catch (e) {
    close();
    throw e;
  }
  // the link's fdinfo names its program
  const m = /^prog_id:\s*(\d+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
  if (!m) { close(); throw new Error('attaching the test XDP program: no prog_id in the link\'s fdinfo'); }
  return { progId: Number(m[1]), close };
}
