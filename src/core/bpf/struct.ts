// Event structs as TypeScript sees them: layouts generated at build time from each tool's C
// header (scripts/gen-structs.mjs writes <tool>.h.ts), and a decoder compiled once per layout.
// The C header is the only definition; nothing here holds an offset by hand.

export interface FieldLayout {
  /** Byte offset in the struct. */
  readonly off: number;
  /** Bytes of one element. */
  readonly size: number;
  /** Elements: 1 for a scalar. */
  readonly count: number;
  readonly signed: boolean;
  /** A char array: decoded as a NUL-terminated UTF-8 string. */
  readonly char: boolean;
}

export interface StructLayout {
  readonly name: string;
  readonly size: number;
  readonly fields: Readonly<Record<string, FieldLayout>>;
}

type FieldValue<F extends FieldLayout> =
  F['char'] extends true ? string :
  F['count'] extends 1 ? number :
  F['size'] extends 1 ? Uint8Array : number[];

/** What a decoder returns: one property per field; names starting with `_` (padding) left out. */
export type Decoded<L extends StructLayout> = {
  -readonly [K in keyof L['fields'] as K extends `_${string}` ? never : K]: FieldValue<L['fields'][K]>
};

function read(f: FieldLayout, at: string): string {
  const sign = f.signed ? 'Int' : 'Uint';
  switch (f.size) {
    case 1: return `dv.get${sign}8(${at})`;
    case 2: return `dv.get${sign}16(${at}, true)`;
    case 4: return `dv.get${sign}32(${at}, true)`;
    // u64 as a number: exact to 2^53 (ns for 104 days, byte counts to 9 PB); read a cookie or a
    // pointer with dv.getBigUint64 at layout.fields.x.off where every bit matters
    case 8: return `Number(dv.get${f.signed ? 'BigInt' : 'BigUint'}64(${at}, true))`;
    default: throw new Error(`field of ${f.size} bytes`);
  }
}

const decoders = new WeakMap<StructLayout, (dv: DataView, off: number) => unknown>();

/**
 * A decoder for records of `layout` at dv[off]: straight-line code generated once (an object
 * literal of fixed shape decodes several times faster than a loop over the fields).
 */
export function structDecoder<L extends StructLayout>(layout: L): (dv: DataView, off: number) => Decoded<L> {
  let d = decoders.get(layout);
  if (!d) {
    const parts: string[] = [];
    for (const [name, f] of Object.entries(layout.fields)) {
      if (name.startsWith('_')) continue;
      const at = `off + ${f.off}`;
      if (f.char) parts.push(`${name}: str(dv, ${at}, ${f.count})`);
      else if (f.count === 1) parts.push(`${name}: ${read(f, at)}`);
      // a view's slice(): ArrayBuffer.prototype.slice is ~10x slower per record
      else if (f.size === 1) parts.push(`${name}: new Uint8Array(dv.buffer, dv.byteOffset + ${at}, ${f.count}).slice()`);
      else parts.push(`${name}: Array.from({ length: ${f.count} }, (_, i) => ${read(f, `${at} + i * ${f.size}`)})`);
    }
    d = new Function('str', `return (dv, off) => ({ ${parts.join(', ')} });`)(cString) as (dv: DataView, off: number) => unknown;
    decoders.set(layout, d);
  }
  return d as (dv: DataView, off: number) => Decoded<L>;
}

const td = new TextDecoder();

/** A NUL-terminated string of at most `max` bytes at dv[off]. */
export function cString(dv: DataView, off: number, max: number): string {
  // Task names, device names and paths are short and mostly ASCII: built by hand they cost a
  // third of TextDecoder's call; any byte above 0x7f goes to the decoder (UTF-8).
  let s = '';
  for (let i = 0; i < max; i++) {
    const b = dv.getUint8(off + i);
    if (b === 0) return s;
    if (b > 0x7f) return utf8(dv, off, max);
    s += String.fromCharCode(b);
  }
  return s;
}

function utf8(dv: DataView, off: number, max: number): string {
  const bytes = new Uint8Array(dv.buffer, dv.byteOffset + off, max);
  let end = 0;
  while (end < max && bytes[end] !== 0) end++;
  return td.decode(bytes.subarray(0, end));
}
