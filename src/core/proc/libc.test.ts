import { test } from 'node:test';
import assert from 'node:assert/strict';
import { libcInMaps, libcOf } from './libc.js';

test('libcInMaps: glibc, musl, a deleted file, none', () => {
  const glibc = '7f1c2a400000-7f1c2a428000 r--p 00000000 fe:01 1315133                    /usr/lib/x86_64-linux-gnu/libc.so.6\n';
  assert.deepEqual(libcInMaps('55d0c1a00000-55d0c1a01000 r--p 00000000 fe:01 42 /usr/bin/python3.11\n' + glibc),
    { range: '7f1c2a400000-7f1c2a428000', inode: 1315133, path: '/usr/lib/x86_64-linux-gnu/libc.so.6' });
  assert.equal(libcInMaps('7f00-7f10 r-xp 00000000 00:2a 77 /lib/ld-musl-x86_64.so.1\n')?.path, '/lib/ld-musl-x86_64.so.1');
  assert.equal(libcInMaps('7f00-7f10 r-xp 00000000 00:2a 77 /lib/libc.so.6 (deleted)\n')?.path, '/lib/libc.so.6');
  assert.equal(libcInMaps('7f00-7f10 r-xp 00000000 00:2a 77 /usr/lib/libcrypt.so.1\n7f20-7f30 rw-p 00000000 00:00 0 [heap]\n'), undefined);
});

test('libcOf: the system libc, and this process by its PID (the path itself: the same inode here)', () => {
  assert.match(libcOf().path, /libc/);
  assert.match(libcOf(process.pid).how, new RegExp(`the libc process ${process.pid} maps, /\\S*libc`));
});
