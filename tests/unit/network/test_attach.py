"""Mode classification and request checks (no namespaces needed)."""

from __future__ import annotations

import pytest

from nerdpy.errors import Conflict, InvalidArgument
from nerdpy.network import PortMapping
from nerdpy.network.attach import _check_duplicate_ports, classify, resolve_host_port


def test_classify() -> None:
    assert classify(()) == ("bridge", ["bridge"])
    assert classify(("default",)) == ("bridge", ["bridge"])
    assert classify(("host",)) == ("host", [])
    assert classify(("none",)) == ("none", [])
    assert classify(("container:abc",)) == ("container", ["abc"])
    assert classify(("a", "b")) == ("bridge", ["a", "b"])
    for bad in (("host", "a"), ("a", "a"), ("container:",), ("none", "container:x")):
        with pytest.raises(InvalidArgument):
            classify(bad)


def test_duplicate_host_ports() -> None:
    _check_duplicate_ports([PortMapping(80, 8080), PortMapping(80, 8080, "udp")])
    with pytest.raises(Conflict):
        _check_duplicate_ports([PortMapping(80, 8080), PortMapping(81, 8080)])


def test_resolve_host_port_skips_bound_and_reserved() -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(Conflict, match="already allocated"):
            resolve_host_port(PortMapping(80, port, "tcp", "127.0.0.1"), set())
        chosen = resolve_host_port(PortMapping(80, port, "tcp", "127.0.0.1", host_port_max=port + 5),
                                   {("tcp", port + 1)})
        assert port + 2 <= chosen.host_port <= port + 5 and chosen.host_port_max == 0
    assert resolve_host_port(PortMapping(80), set()).host_port > 0
