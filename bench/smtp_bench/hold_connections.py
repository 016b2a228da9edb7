"""Idle SMTP sessions for the memory figures of bench/smtp_bench.sh: opens N connections to a server, reads the
220 greeting on each (RFC 5321 §4.2: "220-" lines continue it) and holds them open without a command, so
that the server's memory can be read with N sessions waiting. Untrusted input: the greetings (bounded).

As a module: `with held_sessions(address, port, count): ...`. As a program (for trying a server by hand):
    /usr/bin/python3 hold_connections.py ADDRESS PORT COUNT   # prints "held COUNT", holds until stdin ends
"""
import contextlib
import resource
import selectors
import socket
import sys
import time

MAX_GREETING = 4096  # bytes; a longer greeting is an error


def raise_file_limit(needed):
    """Lifts this process's open-file limit to at least `needed` (up to the hard limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        raise RuntimeError(f"open-file limit {soft} is below the {needed} needed (ulimit -n)")


def greeting_complete(data):
    """True once `data` holds the last line of a 220 greeting; raises on anything else."""
    for line in data.split(b"\r\n")[:-1]:  # complete lines only
        if not line.startswith(b"220"):
            raise RuntimeError(f"expected a 220 greeting, got {line[:80]!r}")
        if len(line) == 3 or line[3:4] == b" ":
            return True
    if len(data) > MAX_GREETING:
        raise RuntimeError("greeting longer than 4 KiB")
    return False


def open_sessions(address, port, count, timeout=60.0):
    """`count` connected sockets, each past its server's greeting. Closes what it opened on failure."""
    raise_file_limit(count + 64)
    sockets, pending, buffers = [], {}, {}
    selector = selectors.DefaultSelector()
    deadline = time.monotonic() + timeout
    try:
        for _ in range(count):
            sock = socket.create_connection((address, port), timeout=max(0.1, deadline - time.monotonic()))
            sock.setblocking(False)
            sockets.append(sock)
            pending[sock.fileno()] = sock
            buffers[sock.fileno()] = b""
            selector.register(sock, selectors.EVENT_READ)
        while pending:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError(f"{len(pending)} of {count} connections got no greeting within {timeout:.0f} s")
            for key, _ in selector.select(left):
                fd = key.fileobj.fileno()
                data = key.fileobj.recv(MAX_GREETING)
                if not data:
                    raise RuntimeError(f"the server closed a connection before its greeting "
                                       f"({len(sockets) - len(pending)} of {count} greeted)")
                buffers[fd] += data
                if greeting_complete(buffers[fd]):
                    selector.unregister(key.fileobj)
                    del pending[fd]
        return sockets
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    finally:
        selector.close()


@contextlib.contextmanager
def held_sessions(address, port, count, timeout=60.0):
    """Holds `count` greeted, idle sessions for the `with` block; closes them afterwards."""
    sockets = open_sessions(address, port, count, timeout)
    try:
        yield sockets
    finally:
        for sock in sockets:
            sock.close()


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: hold_connections.py ADDRESS PORT COUNT")
    address, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    with held_sessions(address, port, count):
        print(f"held {count}", flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
