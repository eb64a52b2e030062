"""The PORTS column and `port` lines in Docker's shape and order (docker/cli's DisplayablePorts)."""

from __future__ import annotations

from nerdpy.containers.portlist import port_lines, ps_column
from nerdpy.network.ports import PortMapping


def _both(container: int, host: int, proto: str = "tcp") -> list[PortMapping]:
    return [PortMapping(container, host, proto), PortMapping(container, host, proto, "::")]


def test_mappings_sorted_by_container_port_then_address():
    published = [*reversed(_both(81, 8182, "udp")), *reversed(_both(80, 8181))]
    assert ps_column(published) == \
        "0.0.0.0:8181->80/tcp, :::8181->80/tcp, 0.0.0.0:8182->81/udp, :::8182->81/udp"


def test_same_numbers_group_into_ranges_and_exposed_ports_show_bare():
    published = [*_both(8000, 8000), *_both(8001, 8001), PortMapping(8003, 8003, "tcp", "127.0.0.1")]
    exposed = ["8000/tcp", "444/tcp", "443/tcp", "53/udp", "bogus"]
    assert ps_column(published, exposed) == (
        "53/udp, 443-444/tcp, 0.0.0.0:8000-8001->8000-8001/tcp, :::8000-8001->8000-8001/tcp, "
        "127.0.0.1:8003->8003/tcp")  # groups in the order their first port sorts


def test_a_gap_closes_a_group():
    assert ps_column([], ["80/tcp", "81/tcp", "83/tcp"]) == "80-81/tcp, 83/tcp"


def test_port_lines_and_a_bare_number_meaning_tcp():
    published = [PortMapping(80, 9000, "udp"), *reversed(_both(80, 8181)), PortMapping(443, 8443)]
    assert port_lines(published) == ["80/tcp -> 0.0.0.0:8181", "80/tcp -> [::]:8181", "80/udp -> 0.0.0.0:9000",
                                     "443/tcp -> 0.0.0.0:8443"]
    assert port_lines(published, "80") == ["0.0.0.0:8181", "[::]:8181"]
    assert port_lines(published, "80/udp") == ["0.0.0.0:9000"]
    assert port_lines(published, "81") == []
