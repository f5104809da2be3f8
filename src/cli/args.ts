// Command-line parsing from a tool's option specs: -x, --long, --long=value, -xVALUE,
// clustered short booleans (-tan), "--" ends options. Errors are one-line usage errors.
import { usageError } from '../core/errors.js';
import type { OptionSpecs, OptSpec, Parsed } from '../core/tool.js';

export function parsePortList(s: string, flag: string): number[] {
  const out: number[] = [];
  for (const part of s.split(',')) {
    if (!/^\d{1,5}$/.test(part.trim())) throw usageError(`parsing ${flag}: '${s}' is not a comma list of ports`);
    const n = Number(part);
    if (n < 1 || n > 65535) throw usageError(`parsing ${flag}: port ${n} is out of range 1-65535`);
    out.push(n);
  }
  return out;
}

function convert(name: string, spec: OptSpec, raw: string): unknown {
  const flag = `--${name}`;
  switch (spec.type) {
    case 'int': {
      if (!/^-?\d+$/.test(raw)) throw usageError(`parsing ${flag}: '${raw}' is not a whole number`);
      return Number(raw);
    }
    case 'number': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw usageError(`parsing ${flag}: '${raw}' is not a number`);
      return n;
    }
    case 'ports': return parsePortList(raw, flag);
    case 'string':
      if (spec.choices && !spec.choices.includes(raw)) {
        throw usageError(`parsing ${flag}: '${raw}' is not one of ${spec.choices.join(', ')}`);
      }
      return raw;
    default: return raw;
  }
}

export function parseArgs<S extends OptionSpecs>(specs: S, argv: readonly string[], tool: string, allowPositional = true): Parsed<S> {
  const all: OptionSpecs = { ...specs, json: { type: 'bool', help: 'machine-readable output (NDJSON for events)' } };
  const byShort = new Map<string, string>();
  for (const [k, s] of Object.entries(all)) if (s.short) byShort.set(s.short, k);
  const out: Record<string, unknown> = { _: [] as string[] };
  for (const [k, s] of Object.entries(all)) {
    if (s.default !== undefined) out[k] = s.default;
    else if (s.type === 'bool') out[k] = false;
    else if (s.type === 'ports' || s.type === 'strings') out[k] = [];
  }
  const set = (name: string, spec: OptSpec, raw: string) => {
    const v = convert(name, spec, raw);
    if (spec.type === 'strings') (out[name] as string[]).push(...raw.split(',').filter(Boolean));
    else if (spec.type === 'ports') (out[name] as number[]).push(...(v as number[]));
    else out[name] = v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') { (out._ as string[]).push(...argv.slice(i + 1)); break; }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = a.slice(2, eq < 0 ? undefined : eq);
      const spec = all[name];
      if (!spec) throw usageError(`parsing arguments: unknown option --${name} for 'netdx ${tool}' (see netdx ${tool} --help)`);
      if (spec.type === 'bool') {
        if (eq >= 0) throw usageError(`parsing arguments: --${name} takes no value`);
        out[name] = true;
        continue;
      }
      const raw = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (raw === undefined) throw usageError(`parsing arguments: --${name} needs a value${spec.arg ? ` (${spec.arg})` : ''}`);
      set(name, spec, raw);
      continue;
    }
    // "-4"/"-6" are options when declared; otherwise "-1" is a (negative) positional value.
    if (a.startsWith('-') && a.length > 1 && (!/^-\d/.test(a) || byShort.has(a[1]!))) {
      for (let j = 1; j < a.length; j++) {
        const ch = a[j]!;
        const name = byShort.get(ch);
        if (!name) throw usageError(`parsing arguments: unknown option -${ch} for 'netdx ${tool}' (see netdx ${tool} --help)`);
        const spec = all[name]!;
        if (spec.type === 'bool') { out[name] = true; continue; }
        const rest = a.slice(j + 1);
        const raw = rest !== '' ? rest : argv[++i];
        if (raw === undefined) throw usageError(`parsing arguments: -${ch} needs a value${spec.arg ? ` (${spec.arg})` : ''}`);
        set(name, spec, raw);
        break;
      }
      continue;
    }
    (out._ as string[]).push(a);
  }
  const rest = out._ as string[];
  if (rest.length && !allowPositional) {
    throw usageError(`parsing arguments: unexpected '${rest[0]}' for 'netdx ${tool}' (see netdx ${tool} --help)`);
  }
  return out as Parsed<S>;
}

export function formatOptions(specs: OptionSpecs): string {
  const rows: Array<[string, string]> = [];
  for (const [k, s] of Object.entries(specs)) {
    const arg = s.type === 'bool' ? '' : ` ${s.arg ?? 'VALUE'}`;
    const left = `${s.short ? `-${s.short}, ` : '    '}--${k}${arg}`;
    const def = s.default !== undefined && s.type !== 'bool' ? ` (default ${s.default})` : '';
    rows.push([left, s.help + def]);
  }
  rows.push(['    --json', 'machine-readable output (NDJSON for events)']);
  rows.push(['-h, --help', 'this help']);
  const w = Math.min(30, Math.max(...rows.map((r) => r[0].length)));
  return rows.map(([l, r]) => `  ${l.padEnd(w)}  ${r}`).join('\n');
}
