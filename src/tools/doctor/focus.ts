// --pid and --port: the report is about one service. Findings whose culprit is another socket or
// process move to a brief "elsewhere" list; host-wide findings (CPUs, devices, qdiscs, conntrack)
// stay, since they hit the service too.
import type { Finding } from '../../core/finding.js';
import type { Judgement } from './rules/index.js';
import type { DoctorWindow } from './window.js';

/** The ports a process holds at the end of the window (its listeners and UDP sockets). */
function portsOf(w: DoctorWindow, pid: number): Set<number> {
  const inodes = new Set(Object.entries(w.config.owners).filter(([, o]) => o.pid === pid).map(([i]) => Number(i)));
  const last = w.ticks[w.ticks.length - 1]!;
  const out = new Set<number>();
  for (const s of [...last.listeners, ...last.udp]) if (inodes.has(s.inode)) out.add(s.lport);
  for (const s of w.sockets.end) if (inodes.has(s.inode)) out.add(s.lport);
  return out;
}

export function focusJudgement(w: DoctorWindow, j: Judgement): Judgement {
  const { pid, port } = w.focus;
  if (pid === undefined && port === undefined) return j;
  const ports = new Set<number>([...(port !== undefined ? [port] : []), ...(pid !== undefined ? portsOf(w, pid) : [])]);
  const about = (f: Finding) => {
    const c = f.culprit;
    if (!c || (c.pid === undefined && c.lport === undefined && c.rport === undefined)) return true; // host-wide
    return (pid !== undefined && c.pid === pid) || (c.lport !== undefined && ports.has(c.lport)) || (c.rport !== undefined && ports.has(c.rport));
  };
  return {
    ...j,
    findings: j.findings.filter(about),
    elsewhere: j.findings.filter((f) => !about(f)).map((f) => ({ id: f.id, severity: f.severity, title: f.title })),
  };
}
