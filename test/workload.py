#!/usr/bin/env python3
"""Traffic with known answers for netdx's kernel tests and scenarios (src/testlib/traffic.ts).

Python rather than Node where the test needs the socket calls themselves: a listen() backlog, an
accept() that waits, a receiver that never reads, SO_RCVBUF/SO_SNDBUF, SO_LINGER 0. Every command
prints JSON lines on stdout: {"event": ...}. Every loop is bounded in count and in time. Traffic
goes only where the caller says: loopback, or addresses inside namespaces the test made.

  listen  --host H [--port P] [--backlog B] [--accept-after MS] [--accept N] [--read] [--hold MS]
          [--rcvbuf BYTES] [--reply BYTES] [--reply-after MS]
  connect --host H --port P [--count N] [--timeout S] [--hold MS] [--send BYTES] [--close-after MS]
          [--sndbuf BYTES] [--linger0] [--read]
  udp-listen --host H [--port P] [--rcvbuf BYTES] [--read-after MS] [--hold MS]
  udp-send --host H --port P --count N [--size BYTES] [--bind ADDR] [--seconds S] [--tos TOS]
  syn-flood --dst IP --port P --count N --src-net A.B.C.0   (raw IPv4 SYNs from spoofed sources)
  udp-spray --dst IP --port P --count N --src-net A.B.0.0   (raw IPv4 UDP, a new flow each: conntrack)
  dns-server --host H [--port 53] [--delay-ms D] [--hold MS] [--answer NAMES] [--servfail NAMES] [--log]
          [--drop-first]
          (answers A queries after D ms, AAAA with no record; with --answer, other names at once
          with NXDOMAIN; --servfail NAMES at once with SERVFAIL; --drop-first: the first copy of
          each query unanswered)
  resolve --names a.test,b.test [--count N] [--call getaddrinfo|gethostbyname|gethostbyname_r|gethostbyname2_r] [--unspec]
          [--wait-file PATH] [--private-libc PATH]
          (each name N times through libc, timed; once PATH exists; --private-libc: through a copy of
          libc bind-mounted over the real one, in the private mount namespace of ip netns exec)
  dns-query --server H [--port 53] --names a.test,b.test [--count N] [--qtype 1] [--timeout S]
          [--resend-after S]
          (raw DNS queries over UDP, not libc: a socket, a port and an id each; sent again once
          when no answer came in S)
  rr --host H --port P --count N [--req B] [--resp B]       (request/response over one connection each)
"""
import argparse
import errno
import json
import os
import random
import select
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time


def say(**kw):
    sys.stdout.write(json.dumps(kw) + "\n")
    sys.stdout.flush()


def family_of(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def err_name(e):
    return errno.errorcode.get(e.errno, str(e.errno)) if isinstance(e, OSError) and e.errno else type(e).__name__


def cmd_listen(a):
    s = socket.socket(family_of(a.host), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if a.reuseport:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    if a.rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, a.rcvbuf)
    s.bind((a.host, a.port))
    s.listen(a.backlog)
    s.setblocking(False)
    say(event="listening", port=s.getsockname()[1], pid=os.getpid(), backlog=a.backlog)
    start = time.monotonic()
    deadline = start + a.hold / 1000
    conns = []
    accepted = 0
    got = 0
    while time.monotonic() < deadline:
        accepting = time.monotonic() >= start + a.accept_after / 1000 and (a.accept < 0 or accepted < a.accept)
        watch = ([s] if accepting else []) + (conns if a.read else [])
        if not watch:
            time.sleep(min(0.05, max(0, deadline - time.monotonic())))
            continue
        r, _, _ = select.select(watch, [], [], min(0.05, max(0, deadline - time.monotonic())))
        for x in r:
            if x is s:
                try:
                    c, peer = s.accept()
                except BlockingIOError:
                    continue
                accepted += 1
                conns.append(c)
                if a.verbose:
                    say(event="accepted", peer_port=peer[1], n=accepted)
                if a.reply:
                    if a.reply_after:
                        time.sleep(a.reply_after / 1000)
                    try:
                        c.sendall(b"r" * a.reply)
                    except OSError:
                        pass
                continue
            try:
                d = x.recv(1 << 20)
            except OSError:
                d = b""
            if not d:
                conns.remove(x)
                x.close()
            got += len(d)
    say(event="done", accepted=accepted, read=got)


def cmd_connect(a):
    fam = family_of(a.host)
    socks = []
    for i in range(a.count):
        c = socket.socket(fam, socket.SOCK_STREAM)
        if a.sndbuf:
            c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, a.sndbuf)
        if a.linger0:
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        t0 = time.monotonic()
        if a.close_after:
            # non-blocking: give the handshake close_after ms, then close (the app gave up)
            c.setblocking(False)
            rc = c.connect_ex((a.host, a.port))
            _, w, _ = select.select([], [c], [], a.close_after / 1000)
            res = "OK" if w and c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0 else ("CLOSED" if not w else errno.errorcode.get(c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR), "?"))
            say(event="connect", i=i, sport=c.getsockname()[1], result=res, ms=(time.monotonic() - t0) * 1000)
            c.close()
            continue
        c.settimeout(a.timeout)
        try:
            c.connect((a.host, a.port))
            res = "OK"
        except OSError as e:
            res = err_name(e)
        sport = c.getsockname()[1]
        say(event="connect", i=i, sport=sport, result=res, ms=(time.monotonic() - t0) * 1000)
        if res != "OK":
            c.close()
            continue
        if a.send:
            c.setblocking(False)
            sent, buf, end = 0, b"x" * 65536, time.monotonic() + a.hold / 1000
            while sent < a.send and time.monotonic() < end:
                _, w, _ = select.select([], [c], [], 0.05)
                if w:
                    try:
                        sent += c.send(buf[: min(len(buf), a.send - sent)])
                    except BlockingIOError:
                        pass
            say(event="sent", i=i, bytes=sent)
        socks.append(c)
    if a.hold:
        time.sleep(a.hold / 1000)
    for c in socks:
        c.close()
    say(event="done", pid=os.getpid())


def cmd_udp_listen(a):
    s = socket.socket(family_of(a.host), socket.SOCK_DGRAM)
    if a.rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, a.rcvbuf)
    s.bind((a.host, a.port))
    say(event="listening", port=s.getsockname()[1], pid=os.getpid())
    deadline = time.monotonic() + a.hold / 1000
    time.sleep(min(a.read_after, a.hold) / 1000)
    s.settimeout(0.05)
    got = 0
    while time.monotonic() < deadline:
        try:
            s.recv(65536)
            got += 1
        except socket.timeout:
            pass
    say(event="done", received=got)


def cmd_udp_send(a):
    s = socket.socket(family_of(a.host), socket.SOCK_DGRAM)
    if a.bind:
        s.bind((a.bind, 0))
    if a.tos >= 0:
        # the whole byte, ECN bits included (a datagram socket keeps them; TCP masks them)
        if family_of(a.host) == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, a.tos)
        else:
            s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, a.tos)
    payload = b"u" * a.size
    sent = 0
    end = time.monotonic() + a.seconds if a.seconds else None
    for i in range(a.count):
        if end and time.monotonic() > end:
            break
        try:
            s.sendto(payload, (a.host, a.port))
            sent += 1
        except OSError:
            pass
        if a.pace_us:
            time.sleep(a.pace_us / 1e6)
    say(event="done", sent=sent, pid=os.getpid())


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return (~s) & 0xFFFF


def ipv4(src, dst, proto, payload, ident):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident & 0xFFFF, 0, 64, proto, 0, src, dst)
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident & 0xFFFF, 0, 64, proto, csum(h), src, dst) + payload


def raw_sender():
    r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    r.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    return r


def cmd_syn_flood(a):
    r = raw_sender()
    dst = socket.inet_aton(a.dst)
    base = [int(x) for x in a.src_net.split(".")]
    for i in range(a.count):
        src = bytes([base[0], base[1], base[2], 1 + i % 250])
        sport = 1024 + (i * 7919) % 60000
        tcp = struct.pack("!HHIIBBHHH", sport, a.port, i * 2654435761 & 0xFFFFFFFF, 0, 5 << 4, 0x02, 64240, 0, 0)
        ph = src + dst + struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(tcp))
        tcp = tcp[:16] + struct.pack("!H", csum(ph + tcp)) + tcp[18:]
        r.sendto(ipv4(src, dst, socket.IPPROTO_TCP, tcp, i), (a.dst, 0))
        if a.pace_us:
            time.sleep(a.pace_us / 1e6)
    say(event="done", sent=a.count, pid=os.getpid())


def cmd_udp_spray(a):
    r = raw_sender()
    dst = socket.inet_aton(a.dst)
    base = [int(x) for x in a.src_net.split(".")]
    payload = b"c" * 8
    for i in range(a.count):
        src = bytes([base[0], base[1], 1 + (i // 60000) % 250, 1 + (i // 240) % 250])
        sport = 1024 + i % 60000
        udp = struct.pack("!HHHH", sport, a.port, 8 + len(payload), 0) + payload
        r.sendto(ipv4(src, dst, socket.IPPROTO_UDP, udp, i), (a.dst, 0))
    say(event="done", sent=a.count, pid=os.getpid())


def dns_question(q):
    """The question of a DNS message: (name, qtype, the offset after it)."""
    labels, at = [], 12
    while q[at] != 0:
        labels.append(q[at + 1:at + 1 + q[at]].decode())
        at += q[at] + 1
    return ".".join(labels), struct.unpack("!H", q[at + 1:at + 3])[0], at + 5


def dns_answer(q, ip, rcode=0):
    # header: same id, QR|RD|RA and the rcode, one question, one answer; the question copied; a
    # pointer to it
    _, qtype, qend = dns_question(q)
    question = q[12:qend]
    if qtype != 1 or rcode:  # not A, or an error: no answer records
        return q[:2] + struct.pack("!HHHHH", 0x8180 | rcode, 1, 0, 0, 0) + question
    ans = struct.pack("!HHHIH4s", 0xC00C, 1, 1, 60, 4, socket.inet_aton(ip))
    return q[:2] + struct.pack("!HHHHH", 0x8180, 1, 1, 0, 0) + question + ans


def cmd_dns_server(a):
    s = socket.socket(family_of(a.host), socket.SOCK_DGRAM)
    s.bind((a.host, a.port))
    say(event="listening", port=s.getsockname()[1], pid=os.getpid())
    answer = set(a.answer.split(",")) if a.answer else None
    servfail = set((a.servfail or "").split(","))
    deadline = time.monotonic() + a.hold / 1000
    pending = []
    seen = set()
    s.settimeout(0.01)
    answered = 0
    while time.monotonic() < deadline:
        try:
            q, peer = s.recvfrom(4096)
            name, qtype, _ = dns_question(q)
            rcode = 2 if name in servfail else 3 if answer is not None and name not in answer else 0
            if a.drop_first and (q[:2], peer) not in seen:
                seen.add((q[:2], peer))  # the client must send it again
                continue
            if a.log:
                say(event="query", id=struct.unpack("!H", q[:2])[0], name=name, qtype=qtype, sport=peer[1], rcode=rcode)
            pending.append((time.monotonic() + (0 if rcode else a.delay_ms / 1000), q, peer, rcode))
        except socket.timeout:
            pass
        now = time.monotonic()
        for item in [p for p in pending if p[0] <= now]:
            pending.remove(item)
            s.sendto(dns_answer(item[1], "198.18.0.99", item[3]), item[2])
            answered += 1
    say(event="done", answered=answered)


def use_private_libc(path):
    """Re-executes this command on a copy of libc at `path`, bind-mounted over the libc it maps."""
    if os.stat("/proc/self/ns/mnt").st_ino == os.stat("/proc/%d/ns/mnt" % os.getppid()).st_ino:
        sys.exit("--private-libc: only in a mount namespace of its own (ip netns exec makes one)")
    libc = next(l.split()[-1] for l in open("/proc/self/maps") if "/libc.so.6" in l)
    shutil.copy(libc, path)
    subprocess.run(["mount", "--bind", path, libc], check=True)
    i = sys.argv.index("--private-libc")
    os.execv(sys.executable, [sys.executable] + sys.argv[:i] + sys.argv[i + 2:])


def cmd_resolve(a):
    if a.private_libc:
        use_private_libc(a.private_libc)
    say(event="ready", pid=os.getpid())
    for _ in range(3000):
        if not a.wait_file or os.path.exists(a.wait_file):
            break
        time.sleep(0.01)
    if a.call != "getaddrinfo":
        import ctypes
        libc = ctypes.CDLL(None)
        libc.gethostbyname.restype = ctypes.c_void_p
        libc.__h_errno_location.restype = ctypes.POINTER(ctypes.c_int)
        p, i = ctypes.c_void_p, ctypes.c_int
        libc.gethostbyname_r.argtypes = [ctypes.c_char_p, p, p, ctypes.c_size_t, p, p]
        libc.gethostbyname2_r.argtypes = [ctypes.c_char_p, i, p, p, ctypes.c_size_t, p, p]
        hostent, buf = ctypes.create_string_buffer(64), ctypes.create_string_buffer(8192)
        found, herr = ctypes.c_void_p(), ctypes.c_int(0)
    for _ in range(a.count):
        for n in a.names.split(","):
            t0 = time.monotonic()
            if a.call == "gethostbyname":
                res = "OK" if libc.gethostbyname(n.encode()) else "h_errno %d" % libc.__h_errno_location()[0]
            elif a.call in ("gethostbyname_r", "gethostbyname2_r"):
                args = [hostent, buf, len(buf), ctypes.byref(found), ctypes.byref(herr)]
                if a.call == "gethostbyname_r":
                    libc.gethostbyname_r(n.encode(), *args)
                else:
                    libc.gethostbyname2_r(n.encode(), socket.AF_INET, *args)
                res = "OK" if found.value else "h_errno %d" % herr.value
            else:
                try:
                    socket.getaddrinfo(n, 80, socket.AF_UNSPEC if a.unspec else socket.AF_INET, socket.SOCK_STREAM)
                    res = "OK"
                except socket.gaierror as e:
                    res = "EAI %d" % e.errno
                except OSError as e:
                    res = type(e).__name__
            say(event="resolved", name=n, result=res, ms=(time.monotonic() - t0) * 1000, tid=threading.get_native_id())
    say(event="done", pid=os.getpid())


def cmd_dns_query(a):
    for _ in range(a.count):
        for n in a.names.split(","):
            qid = random.randrange(65536)
            q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
            q += b"".join(bytes([len(l)]) + l.encode() for l in n.split(".")) + b"\0" + struct.pack("!HH", a.qtype, 1)
            c = socket.socket(family_of(a.server), socket.SOCK_DGRAM)
            c.connect((a.server, a.port))
            t0 = time.monotonic()
            c.send(q)
            sends = 1
            try:
                if a.resend_after:
                    # sent again, the same id from the same port, when no answer came in time
                    c.settimeout(a.resend_after)
                    try:
                        r = c.recv(4096)
                    except socket.timeout:
                        c.send(q)
                        sends = 2
                        r = b""
                else:
                    r = b""
                c.settimeout(a.timeout)
                while r[:2] != q[:2]:
                    r = c.recv(4096)
                say(event="answer", name=n, id=qid, sport=c.getsockname()[1], rcode=r[3] & 15, ms=(time.monotonic() - t0) * 1000, sends=sends)
            except socket.timeout:
                say(event="timeout", name=n, id=qid, sport=c.getsockname()[1], sends=sends)
            c.close()
    say(event="done", pid=os.getpid())


def cmd_rr(a):
    fam = family_of(a.host)
    for i in range(a.count):
        c = socket.socket(fam, socket.SOCK_STREAM)
        c.settimeout(5)
        c.connect((a.host, a.port))
        c.sendall(b"q" * a.req)
        c.shutdown(socket.SHUT_WR)
        got = 0
        while True:
            d = c.recv(65536)
            if not d:
                break
            got += len(d)
        c.close()
    say(event="done", pid=os.getpid(), count=a.count)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    l = sub.add_parser("listen")
    l.add_argument("--host", required=True)
    l.add_argument("--port", type=int, default=0)
    l.add_argument("--backlog", type=int, default=128)
    l.add_argument("--accept-after", type=int, default=0)
    l.add_argument("--accept", type=int, default=-1)
    l.add_argument("--read", action="store_true")
    l.add_argument("--hold", type=int, default=5000)
    l.add_argument("--rcvbuf", type=int, default=0)
    l.add_argument("--reply", type=int, default=0)
    l.add_argument("--reply-after", type=int, default=0)
    l.add_argument("--verbose", action="store_true")
    l.add_argument("--reuseport", action="store_true")
    c = sub.add_parser("connect")
    c.add_argument("--host", required=True)
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--count", type=int, default=1)
    c.add_argument("--timeout", type=float, default=5)
    c.add_argument("--hold", type=int, default=0)
    c.add_argument("--send", type=int, default=0)
    c.add_argument("--close-after", type=int, default=0)
    c.add_argument("--sndbuf", type=int, default=0)
    c.add_argument("--linger0", action="store_true")
    u = sub.add_parser("udp-listen")
    u.add_argument("--host", required=True)
    u.add_argument("--port", type=int, default=0)
    u.add_argument("--rcvbuf", type=int, default=0)
    u.add_argument("--read-after", type=int, default=0)
    u.add_argument("--hold", type=int, default=3000)
    us = sub.add_parser("udp-send")
    us.add_argument("--host", required=True)
    us.add_argument("--port", type=int, required=True)
    us.add_argument("--count", type=int, default=100)
    us.add_argument("--size", type=int, default=512)
    us.add_argument("--bind", default="")
    us.add_argument("--seconds", type=float, default=0)
    us.add_argument("--pace-us", type=int, default=0)
    us.add_argument("--tos", type=int, default=-1)
    sf = sub.add_parser("syn-flood")
    sf.add_argument("--dst", required=True)
    sf.add_argument("--port", type=int, required=True)
    sf.add_argument("--count", type=int, default=500)
    sf.add_argument("--src-net", default="198.18.1.0")
    sf.add_argument("--pace-us", type=int, default=0)
    sp = sub.add_parser("udp-spray")
    sp.add_argument("--dst", required=True)
    sp.add_argument("--port", type=int, required=True)
    sp.add_argument("--count", type=int, default=1000)
    sp.add_argument("--src-net", default="198.19.0.0")
    d = sub.add_parser("dns-server")
    d.add_argument("--host", required=True)
    d.add_argument("--port", type=int, default=53)
    d.add_argument("--delay-ms", type=int, default=0)
    d.add_argument("--hold", type=int, default=5000)
    d.add_argument("--answer")
    d.add_argument("--servfail")
    d.add_argument("--log", action="store_true")
    d.add_argument("--drop-first", action="store_true")
    rs = sub.add_parser("resolve")
    rs.add_argument("--names", required=True)
    rs.add_argument("--count", type=int, default=1)
    rs.add_argument("--call", choices=["getaddrinfo", "gethostbyname", "gethostbyname_r", "gethostbyname2_r"], default="getaddrinfo")
    rs.add_argument("--unspec", action="store_true")
    rs.add_argument("--wait-file")
    rs.add_argument("--private-libc")
    dq = sub.add_parser("dns-query")
    dq.add_argument("--server", required=True)
    dq.add_argument("--port", type=int, default=53)
    dq.add_argument("--names", required=True)
    dq.add_argument("--count", type=int, default=1)
    dq.add_argument("--qtype", type=int, default=1)
    dq.add_argument("--timeout", type=float, default=3)
    dq.add_argument("--resend-after", type=float, default=0)
    rr = sub.add_parser("rr")
    rr.add_argument("--host", required=True)
    rr.add_argument("--port", type=int, required=True)
    rr.add_argument("--count", type=int, default=100)
    rr.add_argument("--req", type=int, default=100)
    rr.add_argument("--resp", type=int, default=1000)
    a = p.parse_args()
    {"listen": cmd_listen, "connect": cmd_connect, "udp-listen": cmd_udp_listen, "udp-send": cmd_udp_send,
     "syn-flood": cmd_syn_flood, "udp-spray": cmd_udp_spray, "dns-server": cmd_dns_server, "resolve": cmd_resolve,
     "dns-query": cmd_dns_query, "rr": cmd_rr}[a.cmd](a)


if __name__ == "__main__":
    main()
