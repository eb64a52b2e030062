"""Subnet choice, overlap checks, address allocation."""

from __future__ import annotations

import ipaddress
import sqlite3

import pytest

from nerdpy.errors import Conflict, InvalidArgument
from nerdpy.network import ipam, state


def _net(name: str, subnet: str, **kw) -> state.NetworkRecord:
    return state.NetworkRecord(id=name * 8, name=name, driver="bridge", subnet=subnet,
                               gateway=ipam.default_gateway(ipaddress.ip_network(subnet)), **kw)


def test_pick_subnet_skips_used() -> None:
    used = [_net("a", "10.4.0.0/24"), _net("b", "10.4.1.0/24"), _net("c", "10.4.2.0/23")]
    assert str(ipam.pick_subnet(used)) == "10.4.4.0/24"
    assert str(ipam.pick_subnet([])) == "10.4.1.0/24"


def test_overlap_is_a_conflict() -> None:
    with pytest.raises(Conflict, match="overlaps network a"):
        ipam.check_overlap(ipaddress.ip_network("10.4.0.128/25"), [_net("a", "10.4.0.0/24")])
    ipam.check_overlap(ipaddress.ip_network("10.5.0.0/24"), [_net("a", "10.4.0.0/24")])


def test_parse_and_check_address() -> None:
    with pytest.raises(InvalidArgument):
        ipam.parse_subnet("10.0.0.0/33")
    subnet = ipaddress.ip_network("10.9.0.0/24")
    assert ipam.check_address_in("10.9.0.7", subnet, "ip") == "10.9.0.7"
    with pytest.raises(InvalidArgument):
        ipam.check_address_in("10.8.0.7", subnet, "ip")


@pytest.fixture
def conn() -> sqlite3.Connection:
    c = sqlite3.connect(":memory:")
    for statement in state.MIGRATIONS[0].split(";"):
        if statement.strip():
            c.execute(statement)
    return c


def test_allocate_lowest_free_in_range_and_static(conn: sqlite3.Connection) -> None:
    net = _net("a", "10.9.0.0/24", ip_range="10.9.0.128/30")
    conn.execute("INSERT INTO networks(id, name, driver, created) VALUES (?, 'a', 'bridge', 'x')", (net.id,))
    first = ipam.allocate(conn, net, "c1", "", ("x",), "eth0", "v1")
    second = ipam.allocate(conn, net, "c2", "", (), "eth0", "v2")
    assert (first.ip, second.ip) == ("10.9.0.128", "10.9.0.129")
    assert first.mac == "02:42:0a:09:00:80"
    static = ipam.allocate(conn, net, "c3", "10.9.0.50", (), "eth0", "v3")
    assert static.ip == "10.9.0.50"
    with pytest.raises(Conflict):
        ipam.allocate(conn, net, "c4", "10.9.0.50", (), "eth0", "v4")
    with pytest.raises(Conflict):
        ipam.allocate(conn, net, "c4", "10.9.0.1", (), "eth0", "v4")  # the gateway
    ipam.allocate(conn, net, "c5", "", (), "eth0", "v5")
    ipam.allocate(conn, net, "c7", "", (), "eth0", "v7")
    with pytest.raises(Exception, match="no free address"):
        ipam.allocate(conn, net, "c6", "", (), "eth0", "v6")


def test_host_routes_are_avoided(tmp_path) -> None:
    route = tmp_path / "route"
    route.write_text(
        "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\n"
        "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
        "br0\t0001040A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
    )
    routes = ipam.host_routes(str(route))
    assert [str(r) for r in routes] == ["10.4.1.0/24"]
    assert str(ipam.pick_subnet([], routes)) == "10.4.2.0/24"


def test_random_ipam_for_the_shared_root_bridge(conn: sqlite3.Connection) -> None:
    net = _net("b", "10.88.0.0/16", options={"random_ipam": True})
    conn.execute("INSERT INTO networks(id, name, driver, created) VALUES (?, 'b', 'bridge', 'x')", (net.id,))
    ips = {ipam.allocate(conn, net, f"c{i}", "", (), "eth0", f"v{i}").ip for i in range(20)}
    assert len(ips) == 20 and "10.88.0.1" not in ips
    assert sorted(ips) != [f"10.88.0.{i}" for i in range(2, 22)]  # not sequential
