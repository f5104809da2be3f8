// The only module that touches the FFI: libbpf and the few libc calls netdx needs (netlink
// sockets, mmap of BPF ring buffers, ioctl, mount, a namespace's cookie). Everything else goes
// through the typed wrappers in core/bpf and core/netlink. Libraries are loaded lazily so that
// commands which need neither (sysctl, nstat -a -s, --help) do not pay for dlopen.
import { createRequire } from 'node:module';

// koffi through require(): its CommonJS entry loads ~10 ms sooner than its ES module entry
// (measured 2026-11-25, 15 runs: an ES module importing koffi 91.6 ms, requiring it 83.1 ms,
// an empty ES module 69.8 ms), which every command that touches netlink or BPF pays.
const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');

export type Ptr = bigint;

/** A NULL-able pointer as koffi 3 returns it (bigint, or null for NULL). */
export function isNull(p: unknown): boolean {
  return p === null || p === undefined || p === 0n;
}

export function errno(): number {
  return koffi.errno();
}

/** Reads `len` bytes of native memory at `ptr` as a Buffer sharing that memory (no copy). */
export function viewMemory(ptr: Ptr, len: number): ArrayBuffer {
  return koffi.view(ptr, len);
}

export function readCString(ptr: Ptr): string {
  return koffi.decode(ptr, 'char', -1) as string;
}

/**
 * The native address of a Buffer's bytes, for structs that carry a pointer to another buffer
 * (struct ifreq's ifr_data for SIOCETHTOOL). Keep the Buffer referenced while the call runs.
 */
export function addressOf(buf: Buffer): Ptr {
  return koffi.address(buf);
}

/** Reads a u32 at ptr+off (native endian). */
export function readU32(ptr: Ptr, off: number): number {
  return koffi.decode(ptr, off, 'uint32_t') as number;
}

// ---------------------------------------------------------------- libc

let libcCache: ReturnType<typeof bindLibc> | undefined;

function bindLibc() {
  const lib = koffi.load('libc.so.6');
  return {
    socket: lib.func('int socket(int domain, int type, int protocol)'),
    bind: lib.func('int bind(int fd, const void *addr, uint32_t addrlen)'),
    sendto: lib.func('intptr_t sendto(int fd, const void *buf, size_t len, int flags, const void *addr, uint32_t addrlen)'),
    recv: lib.func('intptr_t recv(int fd, void *buf, size_t len, int flags)'),
    close: lib.func('int close(int fd)'),
    setsockopt: lib.func('int setsockopt(int fd, int level, int name, const void *val, uint32_t len)'),
    getsockopt: lib.func('int getsockopt(int fd, int level, int name, void *val, void *len)'),
    ioctl: lib.func('int ioctl(int fd, unsigned long req, void *arg)'),
    mmap: lib.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, int64_t offset)'),
    munmap: lib.func('int munmap(void *addr, size_t length)'),
    mount: lib.func('int mount(const char *src, const char *target, const char *fstype, unsigned long flags, const void *data)'),
    setns: lib.func('int setns(int fd, int nstype)'),
    strerror: lib.func('const char *strerror(int errnum)'),
    getpagesize: lib.func('int getpagesize()'),
    // for system calls glibc wraps only lately (fsopen/fsconfig/fsmount: glibc 2.36); extra
    // arguments go as (type, value) pairs
    syscall: lib.func('long syscall(long nr, ...)'),
  };
}

export function libc(): ReturnType<typeof bindLibc> {
  return (libcCache ??= bindLibc());
}

export function strerror(e: number): string {
  return libc().strerror(e) as string;
}

// ---------------------------------------------------------------- libbpf

let libbpfCache: ReturnType<typeof bindLibbpf> | undefined;

function bindLibbpf() {
  const lib = koffi.load('libbpf.so.1');
  // libbpf checks `sz` for forward compatibility; fields we do not set stay zero.
  koffi.struct('bpf_uprobe_opts', {
    sz: 'size_t', ref_ctr_offset: 'size_t', bpf_cookie: 'uint64_t', retprobe: 'bool', func_name: 'const char *',
  });
  const fns = {
    libbpf_set_print: lib.func('void *libbpf_set_print(void *fn)'),
    libbpf_num_possible_cpus: lib.func('int libbpf_num_possible_cpus()'),
    bpf_object__open_file: lib.func('void *bpf_object__open_file(const char *path, const void *opts)'),
    bpf_object__load: lib.func('int bpf_object__load(void *obj)'),
    bpf_object__close: lib.func('void bpf_object__close(void *obj)'),
    bpf_object__btf: lib.func('void *bpf_object__btf(void *obj)'),
    bpf_object__next_program: lib.func('void *bpf_object__next_program(void *obj, void *prev)'),
    bpf_object__find_program_by_name: lib.func('void *bpf_object__find_program_by_name(void *obj, const char *name)'),
    bpf_object__find_map_by_name: lib.func('void *bpf_object__find_map_by_name(void *obj, const char *name)'),
    bpf_object__next_map: lib.func('void *bpf_object__next_map(void *obj, void *prev)'),
    bpf_program__name: lib.func('const char *bpf_program__name(void *prog)'),
    bpf_program__section_name: lib.func('const char *bpf_program__section_name(void *prog)'),
    bpf_program__set_autoload: lib.func('int bpf_program__set_autoload(void *prog, bool autoload)'),
    bpf_program__autoload: lib.func('bool bpf_program__autoload(void *prog)'),
    bpf_program__set_log_buf: lib.func('int bpf_program__set_log_buf(void *prog, void *buf, size_t size)'),
    bpf_program__fd: lib.func('int bpf_program__fd(void *prog)'),
    bpf_program__attach: lib.func('void *bpf_program__attach(void *prog)'),
    bpf_program__attach_uprobe: lib.func(
      'void *bpf_program__attach_uprobe(void *prog, bool retprobe, int pid, const char *path, size_t off)'),
    bpf_program__attach_uprobe_opts: lib.func(
      'void *bpf_program__attach_uprobe_opts(void *prog, int pid, const char *path, size_t off, const bpf_uprobe_opts *opts)'),
    bpf_link__destroy: lib.func('int bpf_link__destroy(void *link)'),
    bpf_map__name: lib.func('const char *bpf_map__name(void *map)'),
    bpf_map__fd: lib.func('int bpf_map__fd(void *map)'),
    bpf_map__type: lib.func('int bpf_map__type(void *map)'),
    bpf_map__key_size: lib.func('uint32_t bpf_map__key_size(void *map)'),
    bpf_map__value_size: lib.func('uint32_t bpf_map__value_size(void *map)'),
    bpf_map__max_entries: lib.func('uint32_t bpf_map__max_entries(void *map)'),
    bpf_map__set_max_entries: lib.func('int bpf_map__set_max_entries(void *map, uint32_t n)'),
    bpf_map__reuse_fd: lib.func('int bpf_map__reuse_fd(void *map, int fd)'),
    bpf_map__initial_value: lib.func('void *bpf_map__initial_value(void *map, _Out_ size_t *psize)'),
    bpf_map_lookup_elem: lib.func('int bpf_map_lookup_elem(int fd, const void *key, void *value)'),
    bpf_map_update_elem: lib.func('int bpf_map_update_elem(int fd, const void *key, const void *value, uint64_t flags)'),
    bpf_map_delete_elem: lib.func('int bpf_map_delete_elem(int fd, const void *key)'),
    bpf_map_get_next_key: lib.func('int bpf_map_get_next_key(int fd, const void *key, void *next)'),
    bpf_map_lookup_and_delete_batch: lib.func(
      'int bpf_map_lookup_and_delete_batch(int fd, void *in_batch, void *out_batch, void *keys, void *values, _Inout_ uint32_t *count, const void *opts)'),
    bpf_map_create: lib.func(
      'int bpf_map_create(int type, const char *name, uint32_t key_size, uint32_t value_size, uint32_t max_entries, const void *opts)'),
    bpf_enable_stats: lib.func('int bpf_enable_stats(int type)'),
    bpf_obj_get_info_by_fd: lib.func('int bpf_obj_get_info_by_fd(int fd, void *info, _Inout_ uint32_t *len)'),
    bpf_prog_get_fd_by_id: lib.func('int bpf_prog_get_fd_by_id(uint32_t id)'),
    // tests attach an XDP program to their own veth with it (netdx attaches none)
    bpf_link_create: lib.func('int bpf_link_create(int prog_fd, int target_fd, int attach_type, const void *opts)'),
    btf__find_by_name_kind: lib.func('int btf__find_by_name_kind(void *btf, const char *name, uint32_t kind)'),
    btf__type_by_id: lib.func('void *btf__type_by_id(void *btf, uint32_t id)'),
    btf__name_by_offset: lib.func('const char *btf__name_by_offset(void *btf, uint32_t off)'),
    btf__load_vmlinux_btf: lib.func('void *btf__load_vmlinux_btf()'),
    btf__parse_elf: lib.func('void *btf__parse_elf(const char *path, void *ext)'),
    btf__free: lib.func('void btf__free(void *btf)'),
    btf__type_cnt: lib.func('uint32_t btf__type_cnt(void *btf)'),
  };
  // Silence libbpf's own printing: errors reach the user through typed errors (with the
  // verifier log captured per program), not as stray lines on stderr.
  fns.libbpf_set_print(null);
  return fns;
}

export function libbpf(): ReturnType<typeof bindLibbpf> {
  return (libbpfCache ??= bindLibbpf());
}
