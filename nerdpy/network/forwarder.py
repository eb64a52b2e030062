"""Rootless port forwarder: host sockets -> the container; TCP with splice(2), UDP as datagrams.

Chosen by measurement (bench/net.py): slirp4netns's `add_hostfwd` moves
container->host bulk data at ~1.3 Gbit/s here, a third of podman's rootlessport;
splicing between kernel sockets needs no user-space copy. The CLI binds the
listening sockets itself (in the host network namespace, so a taken port is a
one-line error before anything starts) and hands them over with the container's
netns fd and an exit fd; this process then joins the container's netns, so every
socket it connects is made there, to the container's own address. The client's
source address is not kept (the container sees its own address), as with
Docker's userland proxy and rootlessport. It exits when the exit fd's other end
(held by the shim) closes.

UDP goes through here too, not slirp4netns's `add_hostfwd`: slirp4netns sends
forwarded UDP's replies back through its host-loopback alias, so it would need
`--disable-host-loopback` off, and then raw frames (default CAP_NET_RAW) from the
container reach every service bound to the host's 127.0.0.1. Each client address
gets its own socket connected to the container (so replies find their client),
dropped after UDP_IDLE seconds without traffic.

It runs as `nsenter --net=NETNS python -I -S forwarder.py EXIT_FD TARGET_IP
LISTEN_FD:PORT...` (a SOCK_DGRAM fd is a UDP port): already inside the container's netns, importing nothing of
nerdpy or site-packages (~5 MB private instead of ~8 MB).
"""

from __future__ import annotations

import fcntl
import os
import selectors
import socket
import sys
import threading
import time

CHUNK = 1 << 20
F_SETPIPE_SZ = 1031
UDP_IDLE = 60.0  # seconds; between conntrack's UDP timeouts (30 unreplied, 120 streams)
UDP_FLOWS = 1024  # clients per port at once; the oldest goes first


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


class _Udp:
    """One published UDP port: a datagram socket in the container per client."""

    def __init__(self, sel: selectors.BaseSelector, listener: socket.socket, target: tuple[str, int]) -> None:
        self.sel, self.listener, self.target = sel, listener, target
        # client address (host, port[, flowinfo, scope_id]) -> [socket, last activity]
        self.flows: dict[tuple, list] = {}

    def from_client(self) -> None:
        try:
            data, client = self.listener.recvfrom(65535)
        except OSError:
            return
        flow = self.flows.get(client)
        if flow is None:
            flow = self._open(client)
            if flow is None:
                return
        flow[1] = time.monotonic()
        try:
            flow[0].send(data)
        except OSError:
            pass

    def _open(self, client: tuple) -> list | None:
        if len(self.flows) >= UDP_FLOWS:
            self._close(min(self.flows, key=lambda c: self.flows[c][1]))
        upstream = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        upstream.setblocking(False)
        try:
            upstream.connect(self.target)
        except OSError:
            upstream.close()
            return None
        self.flows[client] = flow = [upstream, time.monotonic()]
        self.sel.register(upstream, selectors.EVENT_READ, lambda: self.from_container(client))
        return flow

    def from_container(self, client: tuple) -> None:
        flow = self.flows.get(client)
        if flow is None:  # evicted by an earlier event of the same select() round
            return
        try:
            data = flow[0].recv(65535)
            self.listener.sendto(data, client)
        except OSError:
            return  # e.g. ECONNREFUSED: nothing listens in the container yet
        flow[1] = time.monotonic()

    def _close(self, client: tuple) -> None:
        upstream = self.flows.pop(client)[0]
        self.sel.unregister(upstream)
        upstream.close()

    def expire(self, now: float) -> None:
        for client in [c for c, (_, last) in self.flows.items() if now - last > UDP_IDLE]:
            self._close(client)


def _accept(listener: socket.socket, target: tuple[str, int]) -> None:
    try:
        client, _ = listener.accept()
    except OSError:
        return
    threading.Thread(target=_serve, args=(client, target), daemon=True).start()


def main(argv: list[str]) -> int:
    exit_fd, target_ip = int(argv[0]), argv[1]
    sel = selectors.DefaultSelector()
    sel.register(exit_fd, selectors.EVENT_READ, None)
    udp: list[_Udp] = []
    for item in argv[2:]:
        fd, _, port = item.partition(":")
        sock = socket.socket(fileno=int(fd))  # bound in the host netns by the CLI
        sock.setblocking(False)
        target = (target_ip, int(port))
        if sock.type == socket.SOCK_DGRAM:
            udp.append(_Udp(sel, sock, target))
            sel.register(sock, selectors.EVENT_READ, udp[-1].from_client)
        else:
            sel.register(sock, selectors.EVENT_READ, lambda s=sock, t=target: _accept(s, t))
    while True:
        for key, _ in sel.select(UDP_IDLE / 2 if udp else None):
            if key.data is None:  # the shim went away: the container is gone
                return 0
            key.data()
        now = time.monotonic()
        for udp_port in udp:
            udp_port.expire(now)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
