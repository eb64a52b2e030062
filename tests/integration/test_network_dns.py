"""DNS for container names on user networks (aardvark-dns at the gateway): names
and aliases over DNS, connect/disconnect/rm, isolation, forwarding, lifetime."""

from __future__ import annotations

import json
import re
import secrets
import socket

import pytest

from nerdpy.network import dns
from tests.conftest import requires

pytestmark = [pytest.mark.integration, requires("runc", "slirp4netns", "tun", "nft", "userns"),
              pytest.mark.skipif(dns.binary() is None, reason="aardvark-dns is not installed")]


@pytest.fixture(scope="module")
def dnsbox(nerdpy, tmp_path_factory, images) -> str:
    image = images.build_image([images.dynamic_busybox_rootfs()])
    tar = tmp_path_factory.mktemp("dnsbox") / "dnsbox.tar"
    images.write_docker_archive(tar, image, repo_tags=("dnsbox:latest",))
    tar.parent.chmod(0o755)
    tar.chmod(0o644)
    nerdpy("load", "-i", str(tar))
    return "dnsbox:latest"


def lookup(nerdpy, container: str, name: str) -> list[str]:
    """The addresses busybox nslookup gets over DNS (no /etc/hosts involved)."""
    out = nerdpy("exec", container, "nslookup", "-type=a", name, check=False).stdout
    answer = out.split("Name:", 1)[1] if "Name:" in out else ""
    return re.findall(r"Address:\s*([0-9.]+)", answer)


def ip_on(nerdpy, container: str, network: str) -> str:
    members = json.loads(nerdpy("network", "inspect", network).stdout)[0]["Containers"]
    return next(m["IPv4Address"].split("/")[0] for m in members.values() if m["Name"] == container)


def test_names_aliases_connect_disconnect_isolation(nerdpy, dnsbox) -> None:
    tag = secrets.token_hex(3)
    a, b = f"dnsa{tag}", f"dnsb{tag}"
    web, cli, other = f"web{tag}", f"cli{tag}", f"oth{tag}"
    nerdpy("network", "create", a)
    nerdpy("network", "create", b)
    try:
        nerdpy("run", "-d", "--name", web, "--network", a, "--network-alias", f"www{tag}", dnsbox, "sleep", "120")
        nerdpy("run", "-d", "--name", cli, "--network", a, dnsbox, "sleep", "120")
        nerdpy("run", "-d", "--name", other, "--network", b, dnsbox, "sleep", "120")
        gateway = json.loads(nerdpy("network", "inspect", a).stdout)[0]["IPAM"]["Config"][0]["Gateway"]
        resolv = nerdpy("exec", cli, "cat", "/etc/resolv.conf").stdout
        assert f"nameserver {gateway}" in resolv.splitlines()
        web_a = ip_on(nerdpy, web, a)
        assert lookup(nerdpy, cli, web) == [web_a]
        assert lookup(nerdpy, cli, f"www{tag}") == [web_a]
        assert lookup(nerdpy, cli, other) == [] and lookup(nerdpy, other, web) == []  # not shared: not visible
        nerdpy("network", "connect", "--alias", f"web2{tag}", b, web)
        web_b = ip_on(nerdpy, web, b)
        assert lookup(nerdpy, other, f"web2{tag}") == [web_b] and lookup(nerdpy, other, web) == [web_b]
        assert lookup(nerdpy, other, f"www{tag}") == []  # run's aliases belong to the first network
        nerdpy("network", "disconnect", b, web)
        assert lookup(nerdpy, other, f"web2{tag}") == []
        try:
            host_answer = socket.gethostbyname("deb.debian.org")
        except OSError:
            host_answer = ""
        if host_answer:  # other names go to the servers the container would otherwise use
            assert lookup(nerdpy, cli, "deb.debian.org") != []
        nerdpy("rm", "-f", web)
        assert lookup(nerdpy, cli, web) == []
    finally:
        nerdpy("rm", "-f", web, cli, other, check=False)
        nerdpy("network", "rm", a, b, check=False)
    # The resolver lives only while user networks have containers.
    directory = dns.config_dir(_settings(nerdpy))
    assert dns.running(directory) is None or _other_user_networks_in_use(nerdpy)


def test_connect_and_disconnect_last_past_a_restart_and_reach_stopped_containers(nerdpy, dnsbox) -> None:
    """Docker keeps `network connect`/`disconnect` in the container's config: a restart
    rejoins, a created container joins at its start (with its --alias there)."""
    tag = secrets.token_hex(3)
    a, b = f"cona{tag}", f"conb{tag}"
    peer, mover, late = f"peer{tag}", f"mov{tag}", f"late{tag}"
    nerdpy("network", "create", a)
    nerdpy("network", "create", b)

    def networks(name: str) -> list[str]:
        fmt = "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}"
        return sorted(nerdpy("inspect", "-f", fmt, name).stdout.split())

    try:
        nerdpy("run", "-d", "--name", peer, "--network", a, dnsbox, "sleep", "120")
        nerdpy("run", "-d", "--name", mover, "--network", b, dnsbox, "sleep", "120")
        nerdpy("network", "connect", a, mover)
        assert nerdpy("ps", "--filter", f"network={a}", "--format", "{{.Names}}").stdout.split() == [mover, peer]
        nerdpy("restart", "-t", "0", mover)
        assert networks(mover) == sorted([a, b]) and lookup(nerdpy, peer, mover) == [ip_on(nerdpy, mover, a)]
        nerdpy("network", "disconnect", a, mover)
        nerdpy("restart", "-t", "0", mover)
        assert networks(mover) == [b] and lookup(nerdpy, peer, mover) == []
        nerdpy("create", "--name", late, "--network", b, dnsbox, "sleep", "120")
        nerdpy("network", "connect", "--alias", f"db{tag}", a, late)
        nerdpy("start", late)
        assert lookup(nerdpy, peer, f"db{tag}") == [ip_on(nerdpy, late, a)]
        missing = nerdpy("network", "connect", a, f"nosuch{tag}", check=False)
        assert missing.returncode == 1 and f"No such container: nosuch{tag}" in missing.stderr
    finally:
        nerdpy("rm", "-f", peer, mover, late, check=False)
        nerdpy("network", "rm", a, b, check=False)


def test_the_gateway_keeps_its_address_as_containers_join(nerdpy, dnsbox) -> None:
    """A bridge with no address of its own takes its lowest port's: a container joining
    changed the gateway's MAC and its peers lost the gateway (and DNS) for ~30 s."""
    tag = secrets.token_hex(3)
    net, names = f"mac{tag}", [f"mac{i}{tag}" for i in range(4)]
    nerdpy("network", "create", net)
    try:
        doc = json.loads(nerdpy("network", "inspect", net).stdout)[0]
        bridge, gateway = doc["Options"]["com.docker.network.bridge.name"], doc["IPAM"]["Config"][0]["Gateway"]
        for name in names:
            nerdpy("run", "-d", "--name", name, "--network", net, dnsbox, "sleep", "120")
            assert nerdpy("exec", names[0], "ping", "-c", "1", "-W", "2", gateway, check=False).returncode == 0
        settings = _settings(nerdpy)
        # Rootless, the bridges live in the shared namespace, mounted beside aardvark's files.
        where = ["nsenter", f"--net={dns.config_dir(settings).parent / 'shared'}"] if settings.rootless else []
        links = json.loads(nerdpy("unshare", *where, "ip", "-j", "link", "show").stdout)
        own = next(link["address"] for link in links if link["ifname"] == bridge)
        ports = {link["address"] for link in links if link.get("master") == bridge}
        assert len(ports) == len(names) and own not in ports
        assert lookup(nerdpy, names[0], names[-1]) == [ip_on(nerdpy, names[-1], net)]
    finally:
        nerdpy("rm", "-f", *names, check=False)
        nerdpy("network", "rm", net, check=False)


def _settings(nerdpy):
    from nerdpy.config import load_settings

    return load_settings(env={**nerdpy.env, "HOME": "/nonexistent"})


def _other_user_networks_in_use(nerdpy) -> bool:
    """Another test of this session may still have containers on a user network."""
    names = nerdpy("network", "ls", "--format", "{{.Name}}").stdout.split()
    return any(json.loads(nerdpy("network", "inspect", n).stdout)[0].get("Containers")
               for n in names if n not in ("bridge", "host", "none"))
