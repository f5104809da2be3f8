// A saved window (--bundle DIR writes DIR/window.json; --from DIR reads it back). Reading checks
// the shape a judge needs, so a corrupt or foreign file is a one-line error, not a crash.
import { readFileSync, writeFileSync } from 'node:fs';
import { NetdxError } from '../../core/errors.js';
import { WINDOW_VERSION, type DoctorWindow } from './window.js';

export function writeBundle(dir: string, w: DoctorWindow): void {
  try {
    writeFileSync(`${dir}/window.json`, JSON.stringify(w));
  } catch (e) {
    throw new NetdxError('E_IO', `writing ${dir}/window.json: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Parses and checks a saved window's text. */
export function parseWindow(text: string, where = 'window.json'): DoctorWindow {
  let w: unknown;
  try {
    w = JSON.parse(text);
  } catch (e) {
    throw new NetdxError('E_USAGE', `reading bundle ${where}: not JSON (${(e as Error).message})`);
  }
  const bad = (why: string) => new NetdxError('E_USAGE', `reading bundle ${where}: ${why}`);
  if (typeof w !== 'object' || w === null) throw bad('not a doctor window');
  const x = w as Partial<DoctorWindow>;
  if (x.version !== WINDOW_VERSION) throw bad(`version ${String(x.version)}, this netdx reads version ${WINDOW_VERSION}`);
  if (!Array.isArray(x.ticks) || x.ticks.length < 2) throw bad('no samples in it');
  for (const t of x.ticks) {
    if (typeof t?.t !== 'number' || typeof t.counters !== 'object' || !Array.isArray(t.listeners) || !Array.isArray(t.udp)
      || !Array.isArray(t.softnet) || !Array.isArray(t.links) || !Array.isArray(t.qdiscs)) throw bad('a sample is incomplete');
  }
  if (!x.sockets || !Array.isArray(x.sockets.start) || !Array.isArray(x.sockets.end)) throw bad('no socket snapshots');
  if (!x.config || typeof x.config.sysctls !== 'object' || !Array.isArray(x.config.interfaces) || typeof x.config.owners !== 'object') throw bad('no configuration');
  if (!x.probes || !Array.isArray(x.probes.drops) || !Array.isArray(x.probes.retrans) || !Array.isArray(x.probes.resets)) throw bad('no probe aggregates');
  if (!x.host || !x.netns || typeof x.duration_s !== 'number') throw bad('no host, namespace or duration');
  return x as DoctorWindow;
}

export function readBundle(dir: string): DoctorWindow {
  const path = dir.endsWith('.json') ? dir : `${dir}/window.json`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new NetdxError(code === 'ENOENT' ? 'E_NOT_FOUND' : 'E_IO', `reading bundle ${path}: ${code === 'ENOENT' ? 'no such file' : code}`);
  }
  return parseWindow(text, path);
}
