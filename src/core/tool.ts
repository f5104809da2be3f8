// What a tool is, as data: the CLI, the help text and (later) the doctor and exporter are all
// built from these definitions. A tool's library function lives beside its definition and
// returns typed data; `run` only renders it.
import type { HookName } from './bpf/features.js';
import type { ProbeSpec } from './kit/load.js';

export type Layer = 'overview' | 'socket' | 'transport' | 'ip' | 'queueing' | 'device' | 'tunables';

/** Stack layers in help order, top (application) to bottom (NIC), then the host's settings. */
export const LAYERS: ReadonlyArray<{ id: Layer; title: string }> = [
  { id: 'overview', title: 'Whole host' },
  { id: 'socket', title: 'Sockets and applications' },
  { id: 'transport', title: 'TCP and UDP' },
  { id: 'ip', title: 'IP' },
  { id: 'queueing', title: 'Queueing disciplines' },
  { id: 'device', title: 'Devices, queues, IRQs and CPUs' },
  { id: 'tunables', title: 'Tunables and this kernel' },
];

export type OptType = 'bool' | 'string' | 'int' | 'number' | 'ports' | 'strings';

export interface OptSpec {
  type: OptType;
  short?: string;            // one letter, without the dash
  help: string;
  arg?: string;              // the value's name in help, e.g. SECONDS
  default?: string | number | boolean;
  choices?: readonly string[];
}
export type OptionSpecs = Record<string, OptSpec>;

type ValueOf<S extends OptSpec> =
  S['type'] extends 'bool' ? boolean :
  S['type'] extends 'ports' ? number[] :
  S['type'] extends 'strings' ? string[] :
  S['type'] extends 'int' | 'number' ? (S extends { default: number } ? number : number | undefined) :
  S extends { default: string } ? string : string | undefined;

export type Parsed<S extends OptionSpecs> = { [K in keyof S]: ValueOf<S[K]> } & { json: boolean; _: string[] };

export interface RunContext {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  /** Aborted on SIGINT/SIGTERM/SIGHUP: a tracing tool stops, prints its summary and returns. */
  signal: AbortSignal;
}

export interface ToolDef<S extends OptionSpecs = OptionSpecs> {
  name: string;
  layer: Layer;
  summary: string;
  /** Positional arguments, for help (e.g. "IFACE"). */
  args?: string;
  /** Like ss -tuanpi -m, nstat: what classical or BCC tool this replaces, for help. */
  replaces?: string;
  options: S;
  /** BPF hooks the tool needs; checked by a real probe before it runs. */
  hooks?: readonly HookName[];
  /** What a tool without a probe of its own reads (netdx list): "NETLINK_SOCK_DIAG, /proc/PID/fd". */
  reads?: string;
  /** A BPF tool's probe (object and ways to attach): what `netdx list` loads to say whether it runs here. */
  probe?: ProbeSpec<never>;
  /** Needs root (or CAP_BPF/CAP_NET_ADMIN) even without BPF. */
  root?: boolean;
  examples?: readonly string[];
  run(opts: Parsed<S>, ctx: RunContext): Promise<number>;
}

/** Keeps literal option types for Parsed<> while checking the shape. */
export function defineTool<S extends OptionSpecs>(def: ToolDef<S>): ToolDef<S> {
  return def;
}
