// Loading a probe from its definition: the object, the ways to attach it (tried in order), its
// read-only config (the shared filters and the tool's own), map sizes and shared maps. Every
// BPF tool and the doctor's bundle load through here, so none repeats the fallbacks, the tracefs
// mount or the explanation of what this kernel lacks.
import { BpfObject, type RodataValue } from '../bpf/object.js';
import type { BpfMap } from '../bpf/map.js';
import { bpfObjectPath } from '../bpf/paths.js';
import { ensureTracefs, explainVariantFailures, hookOfSection, type HookName } from '../bpf/features.js';
import { NetdxError } from '../errors.js';
import { checkSupported, filterRodata, type CommonFilter, type FilterFlag } from './filter.js';

export interface Variant {
  /** What this way of attaching is called (reported as `via`): 'raw_tp', 'tracepoint', ... */
  via: string;
  /** Programs that must load and attach. */
  programs: readonly string[];
  /** Programs attached when the kernel has their hook point, skipped with a note otherwise. */
  optional?: readonly string[];
  /** Programs attached as uprobes on functions of the spec's `binary` (SEC("uprobe") and
   * SEC("uretprobe") name no binary: where they attach is known only at run time). */
  uprobes?: readonly UprobePoint[];
}

/** A function of a binary, at its entry or its return. */
export interface UprobePoint {
  program: string;
  /** The function's name in the binary's symbol table. */
  func: string;
  retprobe?: boolean;
  /** A binary without this function skips it with a note (its entry and return alike). */
  optional?: boolean;
}

/** The binary a probe's uprobes attach in, and how it was chosen (a note for the user). */
export interface UprobeBinary { path: string; note?: string }

export interface ProbeSpec<O = unknown> {
  /** The tool's name, for messages. */
  name: string;
  /** BPF object basename: dist/bpf/<object>.bpf.o. */
  object: string;
  /** Ways to attach, best first: the first that loads and attaches is used. */
  variants: readonly Variant[];
  /** Programs of `variants` not to attach with these options (a part of the tool not asked for
   * costs nothing then, not even an early return on every event of its hook). */
  unused?(opts: O): ReadonlySet<string>;
  /** The hooks the tool needs (for explanations, check and netdx list). */
  hooks: readonly HookName[];
  /** The shared filters its programs apply (default none): others are refused, not ignored. */
  filters?: readonly FilterFlag[];
  /** The tool's own read-only config, from its options. */
  rodata?(opts: O): Record<string, RodataValue>;
  /** Map sizes (max_entries) by map name, from its options. */
  sizes?(opts: O): Record<string, number>;
  /** For variants with uprobes: the binary they attach in (from the options and the filter). */
  binary?(opts: O, filter: CommonFilter): UprobeBinary;
}

export interface LoadOptions<O = unknown> {
  filter?: CommonFilter;
  options?: O;
  /** Force one variant by its `via`. */
  via?: string;
  /** Map sizes by name, over the spec's. */
  sizes?: Record<string, number>;
  /** Maps of another loaded probe to use as this object's maps of the same name. */
  share?: Record<string, BpfMap>;
}

export interface Loaded {
  obj: BpfObject;
  via: string;
  /** Things the user should know: tracefs mounted, optional hook points missing. */
  notes: string[];
}

export function loadProbe<O>(spec: ProbeSpec<O>, opts: LoadOptions<O> = {}): Loaded {
  const notes: string[] = [];
  checkSupported(spec.name, opts.filter ?? {}, spec.filters ?? []);
  // a library caller that passes no options gets the tool's defaults: {} rather than undefined
  const o = (opts.options ?? {}) as O;
  const unused = spec.unused?.(o);
  const variants = (opts.via ? spec.variants.filter((v) => v.via === opts.via) : spec.variants).map((v) => (!unused?.size ? v
    : { ...v, programs: v.programs.filter((p) => !unused.has(p)), optional: v.optional?.filter((p) => !unused.has(p)) }));
  if (!variants.length) throw new NetdxError('E_USAGE', `starting ${spec.name}: no way to attach called '${opts.via}'`);
  const needsTracefs = variants.some((v) => [...v.programs, ...(v.optional ?? [])].length > 0);
  if (needsTracefs) {
    const mounted = ensureTracefs();
    if (mounted) notes.push(mounted);
  }
  const bin = variants.some((v) => v.uprobes?.length) ? uprobeBinary(spec, o, opts.filter ?? {}) : undefined;
  if (bin?.note) notes.push(bin.note);
  let lastErr: unknown;
  const failures: Array<{ err: unknown; hook?: HookName }> = [];
  for (const v of variants) {
    const obj = BpfObject.open(bpfObjectPath(spec.object));
    try {
      const declared = new Set(obj.rodataLayout().keys());
      const rodata = { ...filterRodata(spec.name, opts.filter ?? {}, declared), ...(spec.rodata?.(o) ?? {}) };
      for (const [m, n] of Object.entries({ ...(spec.sizes?.(o) ?? {}), ...(opts.sizes ?? {}) })) obj.setMaxEntries(m, n);
      for (const [m, map] of Object.entries(opts.share ?? {})) obj.reuseMap(m, map);
      obj.selectPrograms([...new Set([...v.programs, ...(v.optional ?? []), ...(v.uprobes ?? []).map((u) => u.program)])]);
      if (Object.keys(rodata).length) obj.setRodata(rodata);
      obj.load();
      for (const p of v.programs) obj.attach(p);
      for (const p of v.optional ?? []) {
        try { obj.attach(p); } catch (e) {
          notes.push(`${obj.sectionName(p)} is not available here (${e instanceof NetdxError ? e.message.replace(/^.*: /, '') : String(e)}): skipped`);
        }
      }
      if (v.uprobes?.length) notes.push(...attachUprobes(obj, v.uprobes, bin!.path, opts.filter?.pid));
      return { obj, via: v.via, notes };
    } catch (e) {
      // the hook kind of what failed: its program's, else the way's first program's
      let section = e instanceof NetdxError ? e.section : undefined;
      try { section ??= v.programs[0] !== undefined ? obj.sectionName(v.programs[0]) : undefined; } catch { /* no such program */ }
      obj.close();
      if (e instanceof NetdxError && e.code === 'E_USAGE') throw e;
      lastErr = e;
      failures.push({ err: e, hook: section ? hookOfSection(section) : undefined });
      // Without privilege every variant fails the same way: say so once.
      if (e instanceof NetdxError && e.code === 'E_PERMISSION' && process.getuid?.() !== 0) break;
    }
  }
  throw explainVariantFailures(spec.name, spec.hooks, failures) ?? lastErr;
}

function uprobeBinary<O>(spec: ProbeSpec<O>, o: O, filter: CommonFilter): UprobeBinary {
  if (!spec.binary) throw new NetdxError('E_INTERNAL', `starting ${spec.name}: uprobes, but no binary to attach them in`);
  return spec.binary(o, filter);
}

/**
 * Attaches each uprobe in `binary` (only in process `pid` when given: the kernel then runs the
 * program for that process alone). Optional functions the binary lacks are skipped, with a note.
 */
function attachUprobes(obj: BpfObject, points: readonly UprobePoint[], binary: string, pid?: number): string[] {
  const absent = new Set<string>();
  for (const u of points) {
    if (absent.has(u.func)) continue;
    try {
      obj.attachUprobeFunc(u.program, binary, u.func, pid ?? -1, !!u.retprobe);
    } catch (e) {
      // libbpf answers ENOENT for a symbol the binary does not have
      if (!u.optional || !(e instanceof NetdxError && e.errno === 2)) throw e;
      absent.add(u.func);
    }
  }
  if (absent.size === new Set(points.map((u) => u.func)).size) {
    throw new NetdxError('E_NOT_FOUND', `attaching uprobes in ${binary}: it has none of ${[...absent].join(', ')}`);
  }
  return absent.size ? [`${[...absent].join(', ')} not in ${binary}: not traced`] : [];
}
