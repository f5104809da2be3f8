// Typed errors with stable codes. Messages read "verb-ing noun: cause" so that a user sees
// what netdx was doing and why it failed, on one line. The CLI maps codes to exit statuses:
// usage errors exit 1, a feature or privilege this machine lacks exits 2 (see cli/main.ts).

export type ErrorCode =
  | 'E_USAGE'        // bad flag, bad value
  | 'E_UNSUPPORTED'  // the kernel lacks a feature the tool needs
  | 'E_PERMISSION'   // not root / missing capability / refused by the kernel with EPERM
  | 'E_BPF_LOAD'     // the verifier or libbpf refused an object
  | 'E_BPF_ATTACH'
  | 'E_BPF_MAP'
  | 'E_NETLINK'
  | 'E_IO'
  | 'E_NOT_FOUND'    // interface, file or object that does not exist
  | 'E_INTERNAL';

export class NetdxError extends Error {
  readonly code: ErrorCode;
  /** errno from the kernel or libc, when one caused this. */
  readonly errno?: number;
  /** Extra lines (a shortened verifier log, a hint) shown under the message. */
  readonly detail?: string;
  /** For BPF load and attach failures: the SEC() of the program that failed, when known. */
  readonly section?: string;
  constructor(code: ErrorCode, message: string, opts: { errno?: number; detail?: string; cause?: unknown; section?: string } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'NetdxError';
    this.code = code;
    this.errno = opts.errno;
    this.detail = opts.detail;
    this.section = opts.section;
  }
}

export function usageError(message: string): NetdxError {
  return new NetdxError('E_USAGE', message);
}

// errno names for the codes netdx meets; kept small and explicit rather than importing a table.
const ERRNO_NAMES: Record<number, string> = {
  1: 'EPERM', 2: 'ENOENT', 3: 'ESRCH', 4: 'EINTR', 5: 'EIO', 7: 'E2BIG', 9: 'EBADF', 11: 'EAGAIN',
  12: 'ENOMEM', 13: 'EACCES', 14: 'EFAULT', 16: 'EBUSY', 17: 'EEXIST', 19: 'ENODEV', 22: 'EINVAL',
  24: 'EMFILE', 28: 'ENOSPC', 32: 'EPIPE', 38: 'ENOSYS', 61: 'ENODATA', 71: 'EPROTO', 88: 'ENOTSOCK', 90: 'EMSGSIZE', 92: 'ENOPROTOOPT',
  93: 'EPROTONOSUPPORT', 95: 'EOPNOTSUPP', 97: 'EAFNOSUPPORT', 98: 'EADDRINUSE', 99: 'EADDRNOTAVAIL',
  100: 'ENETDOWN', 101: 'ENETUNREACH', 103: 'ECONNABORTED', 104: 'ECONNRESET', 106: 'EISCONN', 110: 'ETIMEDOUT',
  111: 'ECONNREFUSED', 113: 'EHOSTUNREACH', 114: 'EALREADY', 115: 'EINPROGRESS', 512: 'ERESTARTSYS', 524: 'ENOTSUPP',
};

export function errnoName(e: number): string {
  return ERRNO_NAMES[Math.abs(e)] ?? `errno ${Math.abs(e)}`;
}

/** True when the kernel's answer means "you may not", as opposed to "this does not exist". */
export function isPermissionErrno(e: number): boolean {
  const a = Math.abs(e);
  return a === 1 || a === 13;
}

/** One line for the user; the stack trace is never shown unless NETDX_DEBUG is set. */
export function formatError(err: unknown): string {
  if (err instanceof NetdxError) return err.detail ? `${err.message}\n${err.detail}` : err.message;
  if (err instanceof Error) return `internal error: ${err.message}`;
  return `internal error: ${String(err)}`;
}
