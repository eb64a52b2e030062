"""The rootless port forwarder's UDP relay, run in this process against local sockets."""

from __future__ import annotations

import os
import socket
import threading

from nerdpy.network import forwarder


def test_udp_each_client_gets_its_own_replies():
    echo = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    echo.bind(("127.0.0.1", 0))

    def serve():
        while True:
            data, peer = echo.recvfrom(100)
            if data == b"stop":
                return
            echo.sendto(b"pong:" + data, peer)

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind(("127.0.0.1", 0))
    exit_r, exit_w = os.pipe()
    relay = threading.Thread(target=forwarder.main,
                             args=([str(exit_r), "127.0.0.1", f"{os.dup(listener.fileno())}:{echo.getsockname()[1]}"],))
    relay.start()
    clients = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2)]
    try:
        for i, client in enumerate(clients * 2):
            client.settimeout(5)
            client.sendto(b"%d" % i, listener.getsockname())
            assert client.recv(100) == b"pong:%d" % i
    finally:
        os.close(exit_w)
        relay.join(5)
        echo.sendto(b"stop", echo.getsockname())
        server.join(5)  # before the close: a recvfrom on a closed socket fails in the thread
        for s in clients + [echo, listener]:
            s.close()
        os.close(exit_r)
    assert not relay.is_alive()
