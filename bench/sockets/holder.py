# Holds N established loopback TCP connections (2N sockets) until stdin closes.
import socket, struct, sys
n, port = int(sys.argv[1]), int(sys.argv[2])
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(('127.0.0.1', port)); l.listen(4096)
keep = []
for i in range(n):
    c = socket.socket(); c.connect(('127.0.0.1', port)); a, _ = l.accept(); keep += [c, a]
    # close with RST when killed: no TIME-WAIT left behind to inflate the next size's count
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    if i % 50 == 0: c.send(b'x' * 100)  # some sockets with bytes in flight / unread
print('READY', flush=True)
sys.stdin.read()
