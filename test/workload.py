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
  udp-send --host H --port P --count N [--size BYTES]
"""
import argparse
import errno
import json
import os
import select
import socket
import struct
import sys
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
    if a.rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, a.rcvbuf)
    s.bind((a.host, a.port))
    s.listen(a.backlog)
    say(event="listening", port=s.getsockname()[1], pid=os.getpid(), backlog=a.backlog)
    deadline = time.monotonic() + a.hold / 1000
    if a.accept_after:
        time.sleep(a.accept_after / 1000)
    conns = []
    accepted = 0
    s.settimeout(0.05)
    while time.monotonic() < deadline and (a.accept < 0 or accepted < a.accept):
        try:
            c, peer = s.accept()
        except socket.timeout:
            continue
        accepted += 1
        conns.append(c)
        say(event="accepted", peer_port=peer[1], n=accepted)
        if a.reply:
            if a.reply_after:
                time.sleep(a.reply_after / 1000)
            c.sendall(b"r" * a.reply)
    # keep the accepted connections (readers read them, others leave them unread) until the end
    got = 0
    while time.monotonic() < deadline and conns:
        if not a.read:
            time.sleep(min(0.05, max(0, deadline - time.monotonic())))
            continue
        r, _, _ = select.select(conns, [], [], 0.05)
        for c in r:
            try:
                d = c.recv(65536)
            except OSError:
                d = b""
            if not d:
                conns.remove(c)
                c.close()
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
    payload = b"u" * a.size
    sent = 0
    for _ in range(a.count):
        try:
            s.sendto(payload, (a.host, a.port))
            sent += 1
        except OSError:
            pass
    say(event="done", sent=sent, pid=os.getpid())


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
    a = p.parse_args()
    {"listen": cmd_listen, "connect": cmd_connect, "udp-listen": cmd_udp_listen, "udp-send": cmd_udp_send}[a.cmd](a)


if __name__ == "__main__":
    main()
