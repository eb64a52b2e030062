"""hosts / resolv.conf contents and --add-host/--dns parsing."""

from __future__ import annotations

from pathlib import Path

import pytest

from nerdpy.errors import InvalidArgument
from nerdpy.network import files


def test_parse_add_host_forms() -> None:
    assert files.parse_add_host("db:10.0.0.5") == ("db", "10.0.0.5")
    assert files.parse_add_host("db=10.0.0.5") == ("db", "10.0.0.5")
    assert files.parse_add_host("v6:[::1]") == ("v6", "::1")
    assert files.parse_add_host("gw:host-gateway") == ("gw", "host-gateway")
    for bad in ("db", ":1.2.3.4", "db:notanip"):
        with pytest.raises(InvalidArgument):
            files.parse_add_host(bad)


def test_hosts_base_and_peers() -> None:
    base = files.hosts_base("abc", ["10.4.1.2"], ["web", "www", ""], [("gw", "host-gateway"), ("db", "1.2.3.4")],
                            "10.4.1.1")
    assert base.startswith("127.0.0.1\tlocalhost\n")
    assert "10.4.1.2\tabc web www\n" in base
    assert "10.4.1.1\tgw\n" in base and "1.2.3.4\tdb\n" in base
    text = files.hosts_with_peers(base, [("10.4.1.3", ["client", "cb"]), ("10.4.1.3", ["client"])])
    assert text.endswith(files.PEERS_MARK + "10.4.1.3\tclient cb\n")
    assert files.hosts_with_peers(base, []) == base


def test_host_resolv_drops_loopback(tmp_path: Path) -> None:
    conf = tmp_path / "resolv.conf"
    conf.write_text("# x\nnameserver 127.0.0.53\nnameserver 10.1.1.1\nsearch a.example b.example\noptions ndots:2\n")
    assert files.host_resolv(conf) == (["10.1.1.1"], ["a.example", "b.example"], ["ndots:2"])
    conf.write_text("nameserver 127.0.0.1\n")
    assert files.host_resolv(conf)[0] == ["8.8.8.8", "8.8.4.4"]
    assert files.resolv_conf(["1.1.1.1"], ["x"], ["ndots:1"]) == "nameserver 1.1.1.1\nsearch x\noptions ndots:1\n"


def test_check_dns_and_hostname() -> None:
    assert files.check_dns(("1.1.1.1", "::1")) == ["1.1.1.1", "::1"]
    with pytest.raises(InvalidArgument):
        files.check_dns(("dns.example",))
    assert files.check_hostname("web-1.example") == "web-1.example"
    with pytest.raises(InvalidArgument):
        files.check_hostname("bad_name!")


def test_rewrite_in_place_keeps_inode(tmp_path: Path) -> None:
    path = tmp_path / "hosts"
    path.write_text("a much longer original content\n")
    inode = path.stat().st_ino
    files.rewrite_in_place(path, "short\n")
    assert path.read_text() == "short\n" and path.stat().st_ino == inode
    files.rewrite_in_place(tmp_path / "missing", "x")  # no error, nothing created
    assert not (tmp_path / "missing").exists()
