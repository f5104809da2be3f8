// Socket owners from /proc/PID/fd: the link parser, a made-up /proc tree (links need not point
// anywhere to be read), and this process's own listening socket in the real /proc.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import { parseComm, parseSocketLink, socketOwners } from './owners.js';
import { NetdxError } from '../errors.js';

test('fd link text: sockets to their inode, anything else to undefined', () => {
  assert.equal(parseSocketLink('socket:[2148610]'), 2148610);
  for (const l of ['pipe:[123]', '/dev/null', 'anon_inode:[eventfd]', 'socket:[]', 'socket:[12', 'socket:[x]']) {
    assert.equal(parseSocketLink(l), undefined, l);
  }
  assert.equal(parseComm('python3\n'), 'python3');
});

test('a /proc tree: owners per inode, shared sockets, comm read once, vanished processes skipped', () => {
  const proc = mkdtempSync(`${tmpdir()}/netdx-owners-`);
  try {
    const proc1 = (pid: number, comm: string | undefined, fds: Record<number, string>) => {
      mkdirSync(`${proc}/${pid}/fd`, { recursive: true });
      if (comm !== undefined) writeFileSync(`${proc}/${pid}/comm`, `${comm}\n`);
      for (const [fd, link] of Object.entries(fds)) symlinkSync(link, `${proc}/${pid}/fd/${fd}`);
    };
    proc1(10, 'nginx', { 0: '/dev/null', 3: 'socket:[500]', 4: 'socket:[501]' });
    proc1(11, 'nginx', { 5: 'socket:[500]', 6: 'pipe:[9]' }); // a listener shared after fork
    proc1(12, undefined, { 3: 'socket:[502]' }); // comm unreadable (gone meanwhile)
    mkdirSync(`${proc}/13`); // no fd directory: exited, or not ours to read
    mkdirSync(`${proc}/self`); // not a pid
    const m = socketOwners(undefined, proc);
    assert.deepEqual([...m.keys()].sort(), [500, 501, 502]);
    assert.deepEqual(m.get(500)!.sort((a, b) => a.pid - b.pid), [{ pid: 10, comm: 'nginx', fd: 3 }, { pid: 11, comm: 'nginx', fd: 5 }]);
    assert.deepEqual(m.get(502), [{ pid: 12, comm: '?', fd: 3 }]);
    assert.deepEqual([...socketOwners(11, proc).keys()], [500]);
    assert.equal(socketOwners(99, proc).size, 0);
    assert.throws(() => socketOwners(undefined, `${proc}/nonexistent`),
      (e: unknown) => e instanceof NetdxError && e.code === 'E_IO' && /^reading .*nonexistent: /.test(e.message));
  } finally {
    rmSync(proc, { recursive: true, force: true });
  }
});

test("this process's listening socket is found in the real /proc, by pid and in the whole scan", async () => {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
    const ino = parseSocketLink(readlinkSync(`/proc/self/fd/${fd}`));
    assert.ok(ino, 'the server has a socket inode');
    const want = { pid: process.pid, comm: parseComm(readFileSync('/proc/self/comm', 'utf8')), fd };
    for (const m of [socketOwners(process.pid), socketOwners()]) assert.deepEqual(m.get(ino), [want]);
  } finally {
    server.close();
  }
});
