// /proc/interrupts: a header of online CPUs ("CPU0 CPU2 ..." — offline CPUs have no column),
// then one line per IRQ: "38:  0  1514  PCI-MSIX-0000:00:03.0  1-edge  virtio2-input.0", and
// per-arch lines such as "LOC: ... Local timer interrupts" and "ERR: 0".
import { NetdxError } from '../errors.js';

export interface IrqLine {
  /** "38" for numbered IRQs, "LOC", "NMI"... for the arch's own. */
  id: string;
  /** The IRQ number when the line is a numbered IRQ. */
  irq?: number;
  /** Counts in header order (see ProcInterrupts.cpus). */
  counts: number[];
  total: number;
  /** Interrupt chip ("IO-APIC", "PCI-MSIX-0000:00:03.0", "IR-PCI-MSI", "GICv3"); '' for arch lines. */
  chip: string;
  /** hwirq and trigger as printed ("1-edge", "27 Level"); '' when absent. */
  hwirq: string;
  /** Handler names joined by ", " ("virtio2-input.0", "eth0-TxRx-3"); the description for arch lines. */
  name: string;
}

export interface ProcInterrupts {
  /** CPU numbers of the count columns (from the CPUn header). */
  cpus: number[];
  lines: IrqLine[];
}

const TRIGGER = /^(edge|level|fasteoi|Edge|Level)$/;

export function parseInterrupts(text: string): ProcInterrupts {
  const rows = text.split('\n');
  const head = rows[0] ?? '';
  const cpus = [...head.matchAll(/CPU(\d+)/g)].map((m) => Number(m[1]));
  if (cpus.length === 0) throw new NetdxError('E_IO', 'parsing /proc/interrupts: no CPU header');
  const lines: IrqLine[] = [];
  for (const row of rows.slice(1)) {
    const m = /^\s*([^:\s]+):(.*)$/.exec(row);
    if (!m) continue;
    const id = m[1]!;
    const toks = m[2]!.trim().split(/\s+/).filter(Boolean);
    const counts: number[] = [];
    let i = 0;
    while (i < toks.length && counts.length < cpus.length && /^\d+$/.test(toks[i]!)) counts.push(Number(toks[i++]));
    const rest = toks.slice(i);
    const numbered = /^\d+$/.test(id);
    let chip = '', hwirq = '', name: string;
    if (numbered) {
      // chip, then hwirq ("1-edge", or "27" then "Level"), then the action names.
      let k = 0;
      if (k < rest.length) chip = rest[k++]!;
      const hw: string[] = [];
      if (k < rest.length && /^\d+(-\w+)?$/.test(rest[k]!)) hw.push(rest[k++]!);
      if (k < rest.length && TRIGGER.test(rest[k]!)) hw.push(rest[k++]!);
      hwirq = hw.join(' ');
      name = rest.slice(k).join(' ');
    } else {
      name = rest.join(' ');
    }
    lines.push({
      id, irq: numbered ? Number(id) : undefined, counts, total: counts.reduce((a, b) => a + b, 0), chip, hwirq, name,
    });
  }
  return { cpus, lines };
}
