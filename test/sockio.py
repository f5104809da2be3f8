#!/usr/bin/env python3
"""Socket calls with known answers for the socket I/O tools' kernel tests (socketio, tcptop,
socksize, sockstat): every call below is one system call, so each tool's counts are exact.

  tcp --host H [--port P] [--send SIZES] [--reply SIZES] [--eagain N]
      one connection to a listener of this process: the client sends each size (one send() each),
      a thread on the server side reads each with one recv(MSG_WAITALL) and then sends each reply
      size, which the client reads the same way; --eagain: N non-blocking recv() calls by the
      client on an empty queue (N errors); both ends close without another recv.
  udp --host H [--port P] [--send SIZES]
      an unconnected client sends each size as one datagram (sendto) to a bound socket of this
      process, which reads each with one recv().
  calls --host H --n N
      N times: socket(), bind(port 0) and listen() of a listener; socket() and connect() of a
      client; accept() on the listener; then closes both (no send or receive).
  connects --host H [--n N] [--refused R] [--udp U] [--unix X]
      N TCP connects to a listener, each accepted; R TCP connects refused (a bound port nobody
      listens on); U connects of UDP sockets; X connects of unix stream sockets, each accepted.

SIZES: a comma list of BYTES or BYTESxCOUNT (1000x3 = three of 1000). Prints one JSON line:
{"event": "done", "pid": ..., ...}. Traffic goes only to H (loopback or a test's namespace).
"""
import argparse
import errno
import json
import os
import socket
import sys
import threading


def sizes(spec):
    out = []
    for part in filter(None, spec.split(",")):
        n, _, k = part.partition("x")
        out += [int(n)] * int(k or 1)
    return out


def family_of(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def done(client, server):
    """Prints the "done" line with both ports, and closes both sockets."""
    print(json.dumps(dict(event="done", pid=os.getpid(), client_port=client.getsockname()[1],
                          server_port=server.getsockname()[1])), flush=True)
    client.close()
    server.close()


def recv_exact(s, n):
    d = s.recv(n, socket.MSG_WAITALL)
    if len(d) != n:
        raise SystemExit(f"short read: {len(d)} of {n}")


def cmd_tcp(a):
    fam = family_of(a.host)
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.bind((a.host, a.port))
    ls.listen(1)
    c = socket.socket(fam, socket.SOCK_STREAM)
    c.connect(ls.getsockname()[:2])
    srv, _ = ls.accept()
    ls.close()
    send, reply = sizes(a.send), sizes(a.reply)

    def server():
        for n in send:
            recv_exact(srv, n)
        for n in reply:
            srv.send(b"r" * n)

    t = threading.Thread(target=server)
    t.start()
    for n in send:
        if c.send(b"s" * n) != n:
            raise SystemExit("short send")
    for n in reply:
        recv_exact(c, n)
    t.join()
    if a.eagain:
        c.setblocking(False)
        for _ in range(a.eagain):
            try:
                c.recv(100)
                raise SystemExit("data where none was expected")
            except BlockingIOError:
                pass
    done(c, srv)


def cmd_udp(a):
    fam = family_of(a.host)
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((a.host, a.port))
    c = socket.socket(fam, socket.SOCK_DGRAM)
    dst = s.getsockname()[:2]
    send = sizes(a.send)
    for n in send:
        if c.sendto(b"u" * n, dst) != n:
            raise SystemExit("short send")
        # read each at once: the receive queue never holds more than one datagram
        if len(s.recv(65536)) != n:
            raise SystemExit("short datagram")
    done(c, s)


def cmd_calls(a):
    fam = family_of(a.host)
    for _ in range(a.n):
        ls = socket.socket(fam, socket.SOCK_STREAM)
        ls.bind((a.host, 0))
        ls.listen(1)
        c = socket.socket(fam, socket.SOCK_STREAM)
        c.connect(ls.getsockname()[:2])
        srv, _ = ls.accept()
        for x in (srv, c, ls):
            x.close()
    print(json.dumps(dict(event="done", pid=os.getpid(), n=a.n)), flush=True)


# Each command's options: (name, type, default; None: required).
OPTIONS = {
    "tcp": [("host", str, None), ("port", int, 0), ("send", str, ""), ("reply", str, ""), ("eagain", int, 0)],
    "udp": [("host", str, None), ("port", int, 0), ("send", str, "")],
    "calls": [("host", str, None), ("n", int, 1)],
    "connects": [("host", str, None), ("n", int, 0), ("refused", int, 0), ("udp", int, 0), ("unix", int, 0)],
}


def cmd_connects(a):
    fam = family_of(a.host)
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.bind((a.host, 0))
    ls.listen(max(a.n, 1))
    closed = socket.socket(fam, socket.SOCK_STREAM)
    closed.bind((a.host, 0))
    keep = [ls, closed]
    for _ in range(a.n):
        c = socket.socket(fam, socket.SOCK_STREAM)
        c.connect(ls.getsockname()[:2])
        keep += [c, ls.accept()[0]]
    for _ in range(a.refused):
        c = socket.socket(fam, socket.SOCK_STREAM)
        if c.connect_ex(closed.getsockname()[:2]) != errno.ECONNREFUSED:
            raise SystemExit("a connect to a closed port was not refused")
        c.close()
    for _ in range(a.udp):
        u = socket.socket(fam, socket.SOCK_DGRAM)
        u.connect((a.host, 9))
        u.close()
    if a.unix:
        ul = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        ul.bind("\0netdx-sockio-%d" % os.getpid())
        ul.listen(a.unix)
        keep.append(ul)
        for _ in range(a.unix):
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            c.connect(ul.getsockname())
            keep += [c, ul.accept()[0]]
    for x in keep:
        x.close()
    print(json.dumps(dict(event="done", pid=os.getpid())), flush=True)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    for cmd, opts in OPTIONS.items():
        c = sub.add_parser(cmd)
        for name, kind, default in opts:
            c.add_argument("--" + name, type=kind, default=default, required=default is None)
    a = p.parse_args()
    if sum(sizes(getattr(a, "send", "")) + sizes(getattr(a, "reply", ""))) > 1 << 30:
        sys.exit("at most 1 GiB")
    {"tcp": cmd_tcp, "udp": cmd_udp, "calls": cmd_calls, "connects": cmd_connects}[a.cmd](a)


if __name__ == "__main__":
    main()
