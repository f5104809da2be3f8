// Cleanup: BPF links and objects, mmaps, netns handles and child processes register a closer
// here; runCleanup() runs them once, in reverse order. Registering installs nothing: library code
// never owns the process (a program that calls listSockets() keeps its own SIGTERM handling).
// A program's entry point (the CLI, the test helpers) calls installProcessCleanup() to run the
// closers on exit, signals and uncaught errors. Most BPF attachments die with their fds anyway;
// XDP/tc attachments made through netlink, namespaces and child processes do not.
import { formatError } from './errors.js';

type Closer = () => void;
const closers = new Map<number, Closer>();
let nextId = 1;
let running = false;

export function registerCleanup(fn: Closer): () => void {
  const id = nextId++;
  closers.set(id, fn);
  return () => { closers.delete(id); };
}

/** Runs every registered closer (newest first); a closer that throws does not stop the rest. */
export function runCleanup(): void {
  if (running) return;
  running = true;
  const fns = [...closers.values()].reverse();
  closers.clear();
  for (const fn of fns) {
    try { fn(); } catch { /* keep closing the rest */ }
  }
  running = false;
}

export interface ProcessCleanupOptions {
  /**
   * Called on SIGINT, SIGTERM and SIGHUP first; returning true means the signal was handled (a
   * tracing tool stops, prints its summary and returns), so the process is not ended here.
   */
  onSignal?: (signal: NodeJS.Signals) => boolean;
  /** Writes an uncaught error for the user before the process exits 1. */
  report?: (err: unknown) => void;
  /** Also end the process on uncaught errors (default true; test files leave them to the runner). */
  uncaught?: boolean;
}

let installed = false;

/** For entry points only: run the closers on exit, signals and uncaught errors. */
export function installProcessCleanup(opts: ProcessCleanupOptions = {}): void {
  if (installed) return;
  installed = true;
  const report = opts.report ?? ((err: unknown) => process.stderr.write(`netdx: ${formatError(err)}\n`));
  process.on('exit', runCleanup);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      if (opts.onSignal?.(sig)) return;
      runCleanup();
      process.exit(128 + ({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const)[sig]);
    });
  }
  const fatal = (err: unknown) => {
    runCleanup();
    report(err);
    process.exit(1);
  };
  if (opts.uncaught === false) return;
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
}
