// The map of every tool (netdx list): by layer, what it shows, what it hooks or reads, and whether
// it runs on this machine. For a BPF tool "runs here" is found by doing what the tool does: its
// programs are loaded and attached (each way to attach in turn, as the tool would) and detached
// at once, so a missing tracepoint, hook kind or privilege is named by the kernel's own refusal,
// never guessed from a version number.
import { BpfObject } from '../core/bpf/object.js';
import { bpfObjectPath } from '../core/bpf/paths.js';
import { explainMissingHooks } from '../core/bpf/features.js';
import { NetdxError } from '../core/errors.js';
import { bypassNote, kernelBypassNics } from '../core/proc/bypass.js';
import { loadProbe, type ProbeSpec, type Variant } from '../core/kit/load.js';
import type { Layer, ToolDef, OptionSpecs } from '../core/tool.js';
import { TOOLS } from './registry.js';

export interface CatalogEntry {
  name: string;
  layer: Layer;
  /** 'bpf': its own BPF programs; 'classical': netlink, /proc and /sys only; 'overview': the doctor. */
  kind: 'bpf' | 'classical' | 'overview';
  summary: string;
  /** A BPF tool's attach points (SEC names of the way it attaches here, or of its first way). */
  hooks: string[];
  /** What a tool without programs of its own reads. */
  reads?: string;
  runnable: boolean;
  /** Why it does not run here: the missing feature or privilege, as the kernel said. */
  why_not?: string;
  /** The way it attaches here ('raw_tp', 'tracepoint', ...). */
  via?: string;
}

/** A variant's uprobes as `uprobe/FUNC` and `uretprobe/FUNC` (their binary is chosen at run time). */
function uprobeHooks(v: Variant): string[] {
  return (v.uprobes ?? []).map((u) => `${u.retprobe ? 'uretprobe' : 'uprobe'}/${u.func}`);
}

function sections(spec: ProbeSpec<never>, programs: readonly string[]): string[] {
  const obj = BpfObject.open(bpfObjectPath(spec.object));
  try {
    return programs.map((p) => obj.sectionName(p));
  } finally {
    obj.close();
  }
}

/** Loads and attaches a tool's programs as the tool would, then frees them. */
export function probeTool(spec: ProbeSpec<never>): Pick<CatalogEntry, 'hooks' | 'runnable' | 'why_not' | 'via'> {
  try {
    const l = loadProbe(spec);
    try {
      const v = spec.variants.find((x) => x.via === l.via)!;
      return { hooks: [...[...v.programs, ...(v.optional ?? [])].map((p) => l.obj.sectionName(p)), ...uprobeHooks(v)], runnable: true, via: l.via };
    } finally {
      l.obj.close();
    }
  } catch (err) {
    const first = spec.variants[0];
    let hooks: string[] = [];
    try { hooks = first ? [...sections(spec, [...first.programs, ...(first.optional ?? [])]), ...uprobeHooks(first)] : []; } catch { /* no object */ }
    // loadProbe's own explanation when it gave one (it saw every way fail), else the hooks'
    const explained = err instanceof NetdxError && (err.code === 'E_UNSUPPORTED' || err.code === 'E_PERMISSION') && !err.section;
    const why = explained ? err : explainMissingHooks(spec.name, spec.hooks, err) ?? err;
    const msg = why instanceof Error ? why.message : String(why);
    return { hooks, runnable: false, why_not: msg.replace(new RegExp(`^starting ${spec.name}: `), '') };
  }
}

function entry(def: ToolDef<OptionSpecs>): CatalogEntry {
  const base = { name: def.name, layer: def.layer, summary: def.summary };
  if (def.probe) return { ...base, kind: 'bpf', ...probeTool(def.probe) };
  return { ...base, kind: def.layer === 'overview' ? 'overview' : 'classical', hooks: [], ...(def.reads ? { reads: def.reads } : {}), runnable: true };
}

/**
 * What the tools cannot see on this machine, one line each: NICs handed to user space (vfio-pci,
 * uio_pci_generic, igb_uio), whose traffic bypasses the kernel.
 */
export function environmentNotes(): string[] {
  return kernelBypassNics().map(bypassNote);
}

/** Every tool of the registry, in its order, each probed on this machine. */
export async function toolCatalog(): Promise<CatalogEntry[]> {
  const out: CatalogEntry[] = [];
  for (const t of TOOLS) out.push(entry(await t.load()));
  return out;
}
