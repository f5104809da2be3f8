// The table of tools. Entries are light (name, layer, summary) and load their module only when
// run, so `netdx --help` and each command start without importing the others.
import type { Layer, ToolDef, OptionSpecs } from '../core/tool.js';

export interface ToolEntry {
  name: string;
  layer: Layer;
  summary: string;
  load: () => Promise<ToolDef<OptionSpecs>>;
}

const def = (m: { default: unknown }) => m.default as ToolDef<OptionSpecs>;

export const TOOLS: readonly ToolEntry[] = [
  { name: 'doctor', layer: 'overview', summary: 'sample the host, find what is wrong layer by layer, say what to change',
    load: async () => def(await import('./doctor/cli.js')) },
  { name: 'tcplife', layer: 'transport', summary: 'one line per closed TCP session: process, addresses, bytes, duration',
    load: async () => def(await import('./tcplife/cli.js')) },
  { name: 'check', layer: 'tunables', summary: 'kernel, BTF, tracefs, lockdown, capabilities, and which BPF hooks work here',
    load: async () => def(await import('./check/cli.js')) },
];

export function findTool(name: string): ToolEntry | undefined {
  return TOOLS.find((t) => t.name === name);
}
