"""Docker's -p syntax and -P expansion."""

from __future__ import annotations

import pytest

from nerdpy.errors import InvalidArgument
from nerdpy.network import PortMapping, parse_publish
from nerdpy.network.ports import expand_exposed, merge_ports


@pytest.mark.parametrize("spec, expected", [
    ("80", [PortMapping(80)]),
    ("8080:80", [PortMapping(80, 8080)]),
    ("127.0.0.1:8080:80", [PortMapping(80, 8080, "tcp", "127.0.0.1")]),
    ("127.0.0.1::80/udp", [PortMapping(80, 0, "udp", "127.0.0.1")]),
    ("[::1]:8080:80", [PortMapping(80, 8080, "tcp", "::1")]),
    ("8080-8081:80-81", [PortMapping(80, 8080), PortMapping(81, 8081)]),
    ("8000-8010:80", [PortMapping(80, 8000, host_port_max=8010)]),
    ("80-81/UDP", [PortMapping(80, 0, "udp"), PortMapping(81, 0, "udp")]),
])
def test_parse_publish(spec: str, expected: list[PortMapping]) -> None:
    assert parse_publish(spec) == expected


@pytest.mark.parametrize("spec", [
    "", "x", "0", "70000", "8080:80/sctp", "1.2.3:80:80", "8080-8082:80-81", "a:b:c:d", "[::1:80",
    "90-80", "8080:", "/tcp",
])
def test_parse_publish_rejects(spec: str) -> None:
    with pytest.raises(InvalidArgument):
        parse_publish(spec)


def test_describe_matches_docker_port_output() -> None:
    assert PortMapping(80, 8080).describe() == "80/tcp -> 0.0.0.0:8080"
    assert PortMapping(53, 5353, "udp", "::1").describe() == "53/udp -> [::1]:5353"


def test_publish_all_adds_exposed_not_already_published() -> None:
    ports = merge_ports((PortMapping(80, 8080),), True, ("80/tcp", "53/udp", "9000-9001"))
    assert ports == [PortMapping(80, 8080), PortMapping(53, 0, "udp"), PortMapping(9000), PortMapping(9001)]
    assert merge_ports((), False, ("80/tcp",)) == []
    with pytest.raises(InvalidArgument):
        expand_exposed(["80/icmp"])


def test_round_trip_dict() -> None:
    p = PortMapping(80, 8000, "udp", "127.0.0.1", 8010)
    assert PortMapping.from_dict(p.to_dict()) == p
