import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globMatcher } from './glob.js';

test('globMatcher follows fnmatch: whole-name *, ?, [...] and [!...]', () => {
  const m = globMatcher(['TcpExt*Listen*', 'Udp?NoPorts', 'Ip[6]In*', 'Tcp[!E]*Segs']);
  for (const yes of ['TcpExtListenOverflows', 'TcpExtListenDrops', 'Udp6NoPorts', 'Ip6InReceives', 'TcpRetransSegs']) assert.ok(m(yes), yes);
  for (const no of ['TcpListen', 'UdpNoPorts', 'IpInReceives', 'TcpExtTCPOrigDataSent', 'xTcpExtListenDrops']) assert.ok(!m(no), no);
  assert.ok(globMatcher([])('anything'));
  assert.ok(globMatcher(['net.core.*'])('net.core.somaxconn'));
  assert.ok(!globMatcher(['net.core.*'])('netXcore.somaxconn'), 'dots are literal');
  assert.ok(globMatcher(['a[b'])('a[b'), 'an unclosed [ is literal');
});
