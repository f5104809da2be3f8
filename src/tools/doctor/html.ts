// The HTML report: one self-contained file (no script or style from the network) with the
// findings and charts of the sampled rates. Written in html2.ts.
import type { Judgement } from './rules/index.js';
import type { DoctorWindow } from './window.js';
import { renderText } from './render.js';

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]!));

export function renderHtml(w: DoctorWindow, j: Judgement): string {
  return `<!doctype html><meta charset="utf-8"><title>netdx doctor</title><pre>${esc(renderText(w, j))}</pre>`;
}
