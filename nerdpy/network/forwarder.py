"""Rootless TCP port forwarder: host listening sockets -> the container, with splice(2).

Chosen by measurement (bench/net.py): slirp4netns's `add_hostfwd` moves
container->host bulk data at ~1.3 Gbit/s here, a third of podman's rootlessport;
splicing between kernel sockets needs no user-space copy. The CLI binds the
listening sockets itself (in the host network namespace, so a taken port is a
one-line error before anything starts) and hands them over with the container's
netns fd and an exit fd; this process then joins the container's netns, so every
socket it connects is made there, to the container's own address. The client's
source address is not kept (the container sees its own address), as with
Docker's userland proxy and rootlessport. It exits when the exit fd's other end
(held by the shim) closes. UDP stays on slirp4netns's API forwarding.

It runs as `nsenter --net=NETNS python -I -S forwarder.py EXIT_FD TARGET_IP
LISTEN_FD:PORT...`: already inside the container's netns, importing nothing of
nerdpy or site-packages (~5 MB private instead of ~8 MB).
"""

from __future__ import annotations

import fcntl
import os
import selectors
import socket
import sys
import threading

CHUNK = 1 << 20
F_SETPIPE_SZ = 1031


def _pump(src: socket.socket, dst: socket.socket) -> None:
    """Copy src -> dst through a pipe with splice until EOF, then half-close dst."""
    r, w = os.pipe()
    try:
        fcntl.fcntl(w, F_SETPIPE_SZ, CHUNK)  # 64 KiB by default: 16x the syscalls
    except OSError:
        pass
    try:
        while True:
            n = os.splice(src.fileno(), w, CHUNK)
            if n == 0:
                break
            while n:
                n -= os.splice(r, dst.fileno(), n)
    except OSError:
        pass
    finally:
        os.close(r)
        os.close(w)
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def _serve(client: socket.socket, target: tuple[str, int]) -> None:
    try:
        upstream = socket.create_connection(target, timeout=10)
    except OSError:
        client.close()
        return
    upstream.settimeout(None)
    client.settimeout(None)
    back = threading.Thread(target=_pump, args=(upstream, client), daemon=True)
    back.start()
    _pump(client, upstream)
    back.join()
    client.close()
    upstream.close()


def main(argv: list[str]) -> int:
    exit_fd, target_ip = int(argv[0]), argv[1]
    listeners = []
    for item in argv[2:]:
        fd, _, port = item.partition(":")
        sock = socket.socket(fileno=int(fd))  # bound in the host netns by the CLI
        sock.setblocking(False)
        listeners.append((sock, int(port)))
    sel = selectors.DefaultSelector()
    sel.register(exit_fd, selectors.EVENT_READ, None)
    for sock, port in listeners:
        sel.register(sock, selectors.EVENT_READ, port)
    while True:
        for key, _ in sel.select():
            if key.data is None:  # the shim went away: the container is gone
                return 0
            try:
                client, _ = key.fileobj.accept()  # type: ignore[union-attr]
            except OSError:
                continue
            threading.Thread(target=_serve, args=(client, (target_ip, key.data)), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
