"""Networking through `nerdpy run`: default network, ports, user networks, DNS flags.

The image is Debian's dynamic busybox (name lookups work) with /www/index.html and
ExposedPorts 80/tcp + 53/udp. Traffic stays on loopback and our own namespaces.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import requires

pytestmark = [pytest.mark.integration, requires("runc", "slirp4netns", "tun", "nft", "userns")]
IS_ROOT = os.geteuid() == 0
HTTPD = ["httpd", "-f", "-p", "80", "-h", "/www"]


@pytest.fixture(scope="module")
def netbox(nerdpy, tmp_path_factory, images) -> str:
    spec = images.dynamic_busybox_rootfs().dir("/www").file("/www/index.html", "hello from nerdpy\n")
    image = images.build_image([spec], config={"ExposedPorts": {"80/tcp": {}, "53/udp": {}}})
    tar = tmp_path_factory.mktemp("netbox") / "netbox.tar"
    images.write_docker_archive(tar, image, repo_tags=("netbox:latest",))
    tar.parent.chmod(0o755)
    tar.chmod(0o644)
    nerdpy("load", "-i", str(tar))
    return "netbox:latest"


def _name(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(3)}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url: str, timeout: float = 10) -> str:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                return resp.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def netns_leftovers(nerdpy) -> list[str]:
    netns_dir = nerdpy.runtime_root / "netns"
    entries = [p.name for p in netns_dir.iterdir()] if netns_dir.exists() else []
    return [e for e in entries if e not in ("net.lock", "host.d")]  # host.d: root bridge checks


def slirps(nerdpy) -> list[str]:
    out = subprocess.run(["pgrep", "-a", "slirp4netns"], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if str(nerdpy.runtime_root) in line]


def forwarders(nerdpy) -> list[int]:
    """Our TCP forwarder processes (found by the runtime root in their environment)."""
    out = subprocess.run(["pgrep", "-f", "network/forwarder.py"], capture_output=True, text=True).stdout
    mine = []
    for pid in map(int, out.split()):
        try:
            if f"NERDPY_RUNTIME_ROOT={nerdpy.runtime_root}".encode() in Path(f"/proc/{pid}/environ").read_bytes():
                mine.append(pid)
        except OSError:
            pass
    return mine


def test_published_port_port_command_and_cleanup(nerdpy, netbox) -> None:
    name, port = _name("web"), free_port()
    nerdpy("run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:80", netbox, *HTTPD)
    try:
        assert http_get(f"http://127.0.0.1:{port}/index.html") == "hello from nerdpy\n"
        assert nerdpy("port", name).stdout.strip() == f"80/tcp -> 127.0.0.1:{port}"
    finally:
        nerdpy("rm", "-f", name)
    deadline = time.monotonic() + 5
    while (netns_leftovers(nerdpy) or slirps(nerdpy) or forwarders(nerdpy)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert netns_leftovers(nerdpy) == [] and slirps(nerdpy) == [] and forwarders(nerdpy) == []


def test_helpers_die_with_the_shim(nerdpy, netbox) -> None:
    name, port = _name("kill"), free_port()
    cid = nerdpy("run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:80", netbox, *HTTPD).stdout.strip()
    try:
        assert http_get(f"http://127.0.0.1:{port}/index.html") == "hello from nerdpy\n"
        assert IS_ROOT or (forwarders(nerdpy) and slirps(nerdpy))  # root: nftables DNAT, no helper
        state = json.loads((nerdpy.data_root / "containers" / cid / "state.json").read_text())
        shim = int(state["shim_pid"])
        os.kill(shim, 9)
        deadline = time.monotonic() + 10
        while (forwarders(nerdpy) or slirps(nerdpy)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert forwarders(nerdpy) == [] and slirps(nerdpy) == []
    finally:
        nerdpy("rm", "-f", name)
    assert netns_leftovers(nerdpy) == []


def test_publish_all_uses_exposed_ports(nerdpy, netbox) -> None:
    name = _name("pall")
    nerdpy("run", "-d", "--name", name, "-P", netbox, *HTTPD)
    try:
        lines = sorted(nerdpy("port", name).stdout.split("\n"))
        tcp = [line for line in lines if line.startswith("80/tcp -> ")]
        assert tcp and any(line.startswith("53/udp -> ") for line in lines)
        host_port = int(tcp[0].rsplit(":", 1)[1])
        assert http_get(f"http://127.0.0.1:{host_port}/index.html") == "hello from nerdpy\n"
    finally:
        nerdpy("rm", "-f", name)


def test_port_already_bound_fails_cleanly(nerdpy, netbox) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = nerdpy("run", "-d", "-p", f"127.0.0.1:{port}:80", netbox, *HTTPD, check=False)
    assert proc.returncode == 125
    assert "already allocated" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert netns_leftovers(nerdpy) == [] and slirps(nerdpy) == []


UDP_ECHO = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 53))
print("ready", flush=True)
while True:
    data, peer = s.recvfrom(100)
    s.sendto(b"pong:" + data, peer)
"""


def _udp_round(nerdpy, name: str, port: int) -> None:
    """The container's UDP echo answers on 127.0.0.1:port and, with IPv6, on [::1]:port."""
    pid = nerdpy("inspect", "--format", "{{.State.Pid}}", name).stdout.strip()
    argv = ["nsenter", f"--net=/proc/{pid}/ns/net", sys.executable, "-c", UDP_ECHO]
    server = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True) if IS_ROOT else nerdpy.popen("unshare", *argv)
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(5)
            s.sendto(b"ping", ("127.0.0.1", port))
            assert s.recv(100) == b"pong:ping"
        published = nerdpy("port", name, "53/udp").stdout.splitlines()
        if _has_ipv6_loopback():
            assert published == [f"0.0.0.0:{port}", f"[::]:{port}"]
            with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
                s.settimeout(5)
                s.sendto(b"ping6", ("::1", port))
                assert s.recv(100) == b"pong:ping6"
        else:
            assert published == [f"0.0.0.0:{port}"]
    finally:
        server.kill()
        server.wait()


@pytest.mark.parametrize("user_network", [False, True])
def test_udp_port_both_ways(nerdpy, netbox, user_network) -> None:
    # busybox here has no UDP server applet: a host python serves inside the container's netns.
    name, port, net = _name("udp"), free_port(), _name("nu")
    extra = ["--network", net] if user_network else []
    if user_network:
        nerdpy("network", "create", net)
    try:
        if user_network:  # keeps the network in use: its port rules outlive a removed container's
            nerdpy("run", "-d", "--name", name + "-f", *extra, netbox, "sleep", "1000")
        # No host address: Docker publishes it on 0.0.0.0 and, where the host has IPv6, on ::
        # too. With a TCP port beside it, whose removal must not keep the UDP one published.
        nerdpy("run", "-d", "--name", name, *extra, "-p", f"{port}:53/udp", "-p", "80", netbox, "sleep", "1000")
        _udp_round(nerdpy, name, port)
        nerdpy("rm", "-f", name)
        if user_network:  # takes the removed container's address: the next one's differs
            nerdpy("run", "-d", "--name", name + "-g", *extra, netbox, "sleep", "1000")
        nerdpy("run", "-d", "--name", name, *extra, "-p", f"{port}:53/udp", netbox, "sleep", "1000")
        _udp_round(nerdpy, name, port)
    finally:
        nerdpy("rm", "-f", name, name + "-f", name + "-g", check=False)
        if user_network:
            nerdpy("network", "rm", net)


@requires("rootless")
@pytest.mark.parametrize("extra", [[], ["-p", "53/udp"]])
def test_default_network_is_up_when_the_command_starts(nerdpy, netbox, extra) -> None:
    """slirp4netns comes up while the bundle is prepared; the container must still
    never start before it: the first thing the command sees is a configured tap0."""
    for _ in range(3):
        out = nerdpy("run", "--rm", *extra, netbox, "sh", "-c", "ip -4 addr show tap0; ip route").stdout
        assert "inet 10.0.2.100/24" in out and "default via 10.0.2.2" in out


@requires("rootless")
@pytest.mark.parametrize("extra", [[], ["-p", "53/udp"], ["--network", "USERNET"]])
def test_rootless_host_loopback_is_not_reachable(nerdpy, netbox, extra) -> None:
    import http.server
    import threading

    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    net = _name("lo")
    if "USERNET" in extra:
        nerdpy("network", "create", net)
        extra = ["--network", net]
    try:
        url = f"http://10.0.2.2:{server.server_port}/"
        # Not `timeout` as PID 1: busybox's timeout execs the command, and PID 1 ignores SIGTERM.
        proc = nerdpy("run", "--rm", *extra, netbox, "sh", "-c", f"timeout 3 wget -q -O- {url}; echo rc=$?")
        assert "rc=0" not in proc.stdout and "rc=" in proc.stdout
    finally:
        server.shutdown()
        if extra and extra[0] == "--network":
            nerdpy("network", "rm", net)


def test_dns_flags_and_add_host(nerdpy, netbox) -> None:
    out = nerdpy("run", "--rm", "--dns", "192.0.2.53", "--dns-search", "example.test", "--dns-option", "ndots:3",
                 "--add-host", "db:192.0.2.10", "--add-host", "gw:host-gateway", "--hostname", "myhost",
                 netbox, "sh", "-c", "cat /etc/resolv.conf /etc/hosts; hostname").stdout
    assert "nameserver 192.0.2.53\nsearch example.test\noptions ndots:3\n" in out
    assert "192.0.2.10\tdb\n" in out and "\tgw\n" in out
    assert out.strip().endswith("myhost")


def test_network_none_and_container_mode(nerdpy, netbox) -> None:
    links = nerdpy("run", "--rm", "--network", "none", netbox, "ip", "-o", "link").stdout
    assert [line.split(":")[1].strip() for line in links.strip().splitlines()] == ["lo"]
    name = _name("share")
    nerdpy("run", "-d", "--name", name, netbox, *HTTPD)
    try:
        got = nerdpy("run", "--rm", "--network", f"container:{name}", netbox,
                     "wget", "-q", "-O-", "http://127.0.0.1/index.html").stdout
        assert got == "hello from nerdpy\n"
    finally:
        nerdpy("rm", "-f", name)


def test_user_networks_by_name_alias_isolation_connect(nerdpy, netbox) -> None:
    net_a, net_b = _name("na"), _name("nb")
    web, other = _name("web"), _name("other")
    nerdpy("network", "create", net_a)
    nerdpy("network", "create", net_b)
    port = free_port()
    try:
        nerdpy("run", "-d", "--name", web, "--network", net_a, "--network-alias", f"{web}-alias",
               "-p", f"{port}:80", netbox, *HTTPD)
        for host in (web, f"{web}-alias"):
            got = nerdpy("run", "--rm", "--network", net_a, netbox, "wget", "-q", "-O-", f"http://{host}/index.html")
            assert got.stdout == "hello from nerdpy\n"
        assert http_get(f"http://127.0.0.1:{port}/index.html") == "hello from nerdpy\n"
        ip = json.loads(nerdpy("network", "inspect", net_a).stdout)[0]["Containers"]
        web_ip = next(v["IPv4Address"].split("/")[0] for v in ip.values() if v["Name"] == web)
        nerdpy("run", "-d", "--name", other, "--network", net_b, netbox, "sleep", "1000")
        blocked = nerdpy("exec", other, "timeout", "3", "wget", "-q", "-O-", f"http://{web_ip}/index.html",
                         check=False)
        assert blocked.returncode != 0
        nerdpy("network", "connect", net_a, other)
        got = nerdpy("exec", other, "wget", "-q", "-O-", f"http://{web}/index.html").stdout
        assert got == "hello from nerdpy\n"
        busy = nerdpy("network", "rm", net_a, check=False)
        assert busy.returncode != 0 and "active endpoints" in busy.stderr
        nets = [json.loads(nerdpy("network", "inspect", n).stdout)[0] for n in (net_a, net_b)]
        veths = [c["EndpointID"] for n in nets for c in n["Containers"].values()]
        bridges = [n["Options"]["com.docker.network.bridge.name"] for n in nets]
        assert len(veths) == 3
    finally:
        nerdpy("rm", "-f", web, other, check=False)
    deadline = time.monotonic() + 5
    while (netns_leftovers(nerdpy) or slirps(nerdpy) or forwarders(nerdpy)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert netns_leftovers(nerdpy) == [] and slirps(nerdpy) == [] and forwarders(nerdpy) == []
    if IS_ROOT:  # veths go with the netns (asynchronously), a user bridge with its last container
        deadline = time.monotonic() + 5
        while True:
            links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
            left = [name for name in veths + bridges if f" {name}:" in links or f" {name}@" in links]
            if not left or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert left == []
    assert nerdpy("network", "rm", net_a, net_b).stdout.split() == [net_a, net_b]


def test_static_ip_and_ip_range(nerdpy, netbox) -> None:
    net, a, b = _name("nr"), _name("a"), _name("b")
    nerdpy("network", "create", "--subnet", "10.77.0.0/24", "--ip-range", "10.77.0.64/26", net)
    try:
        nerdpy("run", "-d", "--name", a, "--network", net, "--ip", "10.77.0.9", netbox, "sleep", "1000")
        nerdpy("run", "-d", "--name", b, "--network", net, netbox, "sleep", "1000")
        assert "10.77.0.9/24" in nerdpy("exec", a, "ip", "-o", "addr").stdout
        assert "10.77.0.64/24" in nerdpy("exec", b, "ip", "-o", "addr").stdout
        clash = nerdpy("run", "--rm", "--network", net, "--ip", "10.77.0.9", netbox, "true", check=False)
        assert clash.returncode == 125 and "already in use" in clash.stderr
    finally:
        nerdpy("rm", "-f", a, b, check=False)
        nerdpy("network", "rm", net)


def test_per_network_alias_ip_and_mac(nerdpy, netbox) -> None:
    """Docker's `--network name=NET,alias=A,ip=IP,mac-address=M`: each option for its
    own network only, kept across a restart."""
    front, back, a = _name("nf"), _name("nb"), _name("a")
    nerdpy("network", "create", "--subnet", "10.81.0.0/24", front)
    nerdpy("network", "create", "--subnet", "10.82.0.0/24", back)
    try:
        nerdpy("run", "-d", "--name", a, "--network", f"name={front},alias=www,mac-address=02:42:0a:51:00:07",
               "--network", f"name={back},alias=db,ip=10.82.0.7", netbox, "sleep", "1000")
        nerdpy("restart", "-t", "0", a)
        nets = json.loads(nerdpy("inspect", a).stdout)[0]["NetworkSettings"]["Networks"]
        assert nets[back]["IPAddress"] == "10.82.0.7" and nets[front]["IPAddress"].startswith("10.81.0.")
        assert nets[front]["MacAddress"] == "02:42:0a:51:00:07"
        assert nets[back]["IPAMConfig"] == {"IPv4Address": "10.82.0.7"} and nets[front]["IPAMConfig"] is None
        assert "www" in nets[front]["Aliases"] and "db" not in nets[front]["Aliases"]
        assert "db" in nets[back]["Aliases"] and "www" not in nets[back]["Aliases"]
        for args, text in (((f"name={front},bogus=1",), "invalid field key bogus"),
                           (("alias=x",), "network name not specified"),
                           ((f"name={front},ip6=fd00::7",), "not supported"),
                           ((front, f"name={back},mac-address=02:42:0a:52:00:07"), "first network only")):
            proc = nerdpy("run", "--rm", *(x for net in args for x in ("--network", net)), netbox, "true",
                          check=False)
            assert proc.returncode == 125 and text in proc.stderr, (args, proc.stderr)
            assert len(proc.stderr.strip().splitlines()) == 1
    finally:
        nerdpy("rm", "-f", a, check=False)
        nerdpy("network", "rm", front, back)


def test_a_removed_network_frees_its_subnet_at_once(nerdpy, netbox) -> None:
    """The bridge goes with `network rm` even while other containers keep networking
    up: a new network on the same subnet must carry traffic."""
    keeper, old, new, a, b = _name("nk"), _name("no"), _name("nn"), _name("a"), _name("b")
    nerdpy("network", "create", keeper)
    try:
        nerdpy("run", "-d", "--name", a, "--network", keeper, netbox, "sleep", "1000")
        nerdpy("network", "create", "--subnet", "10.78.0.0/24", old)
        nerdpy("run", "--rm", "--network", old, netbox, "true")
        nerdpy("network", "rm", old)
        nerdpy("network", "create", "--subnet", "10.78.0.0/24", new)
        nerdpy("run", "-d", "--name", b, "--network", new, netbox, "sleep", "1000")
        reached = nerdpy("run", "--rm", "--network", new, netbox, "ping", "-c", "1", "-W", "5", b, check=False)
        assert reached.returncode == 0, reached.stdout + reached.stderr
    finally:
        nerdpy("rm", "-f", a, b, check=False)
        nerdpy("network", "rm", keeper, new, check=False)


def test_network_errors_are_one_line(nerdpy, netbox) -> None:
    net = _name("ne")
    nerdpy("network", "create", "--subnet", "10.99.0.0/24", net)
    try:
        for args, text in ((("network", "create", "--subnet", "10.99.0.128/25", _name("ov")), "overlaps"),
                           (("network", "create", net), "already exists"),
                           (("network", "rm", "nosuchnet"), "not found"),
                           (("network", "rm", "bridge"), "pre-defined"),
                           (("run", "--rm", "--network", "nosuchnet", netbox, "true"), "not found"),
                           (("run", "--rm", "-p", "70000:80", netbox, "true"), "invalid")):
            proc = nerdpy(*args, check=False)
            assert proc.returncode != 0, args
            assert text in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, (args, proc.stderr)
        assert "Traceback" not in proc.stderr
    finally:
        nerdpy("network", "rm", net)
    assert netns_leftovers(nerdpy) == []


def test_ipv6_between_containers(nerdpy, netbox) -> None:
    net, web = _name("n6"), _name("w6")
    nerdpy("network", "create", "--ipv6", net)
    try:
        nerdpy("run", "-d", "--name", web, "--network", net, netbox, *HTTPD)
        containers = json.loads(nerdpy("network", "inspect", net).stdout)[0]["Containers"]
        ip6 = next(iter(containers.values()))["IPv6Address"].split("/")[0]
        assert ip6.startswith("fd")
        got = nerdpy("run", "--rm", "--network", net, netbox, "wget", "-q", "-O-", f"http://[{ip6}]/index.html")
        assert got.stdout == "hello from nerdpy\n"
    finally:
        nerdpy("rm", "-f", web, check=False)
        nerdpy("network", "rm", net)


def test_network_ls_filters_format_and_prune(nerdpy) -> None:
    tag = secrets.token_hex(3)
    a, b = f"lsa{tag}", f"lsb{tag}"
    id_a = nerdpy("network", "create", "--label", f"k{tag}=v", "--internal", a).stdout.strip()
    nerdpy("network", "create", b)
    names = nerdpy("network", "ls", "--format", "{{.Name}}").stdout.split()
    assert {"bridge", "host", "none", a, b} <= set(names)
    assert nerdpy("network", "ls", "-q", "--filter", f"label=k{tag}=v").stdout.split() == [id_a[:12]]
    assert nerdpy("network", "ls", "--filter", f"name=lsb{tag}", "--format", "{{.Name}} {{.Driver}}").stdout \
        == f"{b} bridge\n"
    anchored = nerdpy("network", "ls", "--filter", f"name=^ls[ab]{tag}$", "--format", "{{.Name}}").stdout
    assert anchored.split() == [a, b]  # moby's filter value is a regular expression
    builtin = nerdpy("network", "ls", "--filter", "type=builtin", "--format", "{{.Name}}").stdout.split()
    assert builtin == ["bridge", "host", "none"]
    header = nerdpy("network", "ls").stdout.splitlines()[0].split()
    assert header == ["NETWORK", "ID", "NAME", "DRIVER", "SCOPE"]
    data = json.loads(nerdpy("network", "inspect", a).stdout)[0]
    assert data["Internal"] is True and data["Labels"] == {f"k{tag}": "v"} and data["Id"] == id_a
    assert nerdpy("network", "inspect", "--format", "{{.Name}}", a).stdout == f"{a}\n"
    bad = nerdpy("network", "ls", "--filter", "bogus=1", check=False)
    assert bad.returncode == 125 and len(bad.stderr.strip().splitlines()) == 1
    pruned = nerdpy("network", "prune", "-f", "--filter", f"label=k{tag}").stdout
    assert pruned == f"Deleted Networks:\n{a}\n"
    nerdpy("network", "rm", b)


def _has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _has_ipv6_loopback(), reason="this host has no IPv6 loopback")
@pytest.mark.parametrize("user_network", [False, True])
def test_port_without_address_listens_on_ipv6_too(nerdpy, netbox, user_network) -> None:
    # Docker: `-p 8080:80` is `0.0.0.0:8080->80/tcp, :::8080->80/tcp`, reachable over [::1].
    name, port, net = _name("six"), free_port(), _name("n6")
    extra = ["--network", net] if user_network else []
    if user_network:
        nerdpy("network", "create", net)
    nerdpy("run", "-d", "--name", name, *extra, "-p", f"{port}:80", netbox, *HTTPD)
    try:
        assert http_get(f"http://[::1]:{port}/index.html") == "hello from nerdpy\n"
        assert http_get(f"http://127.0.0.1:{port}/index.html") == "hello from nerdpy\n"
        assert nerdpy("port", name).stdout.splitlines() == [f"80/tcp -> 0.0.0.0:{port}", f"80/tcp -> [::]:{port}"]
        assert nerdpy("port", name, "80").stdout.splitlines() == [f"0.0.0.0:{port}", f"[::]:{port}"]
        unpublished = nerdpy("port", name, "53", check=False)  # a bare number is TCP, as Docker's
        assert unpublished.returncode == 1, unpublished
        assert unpublished.stderr == f"Error: No public port '53/tcp' published for {name}\n"
        shown = nerdpy("ps", "--filter", f"name={name}", "--format", "{{.Ports}}").stdout.strip()
        # Docker's column: the image's other exposed port (53/udp) first, unpublished
        assert shown == f"53/udp, 0.0.0.0:{port}->80/tcp, :::{port}->80/tcp"
    finally:
        nerdpy("rm", "-f", name)
        if user_network:
            nerdpy("network", "rm", net)
    deadline = time.monotonic() + 5
    while True:  # released with the container (the forwarder exits when the shim goes)
        with socket.socket(socket.AF_INET6) as s:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("::", port))
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
        time.sleep(0.1)


NO_IPV6_HOST = """
set -e
# A network namespace of its own whose IPv6 is disabled, with the /sys/class/net of it.
mount -t sysfs sysfs "$SYSFS"
mount --bind "$SYSFS/class/net" /sys/class/net
mount --bind "$SYSFS/devices/virtual/net" /sys/devices/virtual/net
ip link set lo up
for conf in all default lo; do sysctl -qw net.ipv6.conf.$conf.disable_ipv6=1; done
"$@" run -d --name "$NAME" -p "$PORT:80" -p "$PORT:53/udp" busybox:latest \
    sh -c 'echo v4 > /tmp/i; exec httpd -f -p 80 -h /tmp' >/dev/null
"$@" port "$NAME"
"$@" ps --filter "name=$NAME" --format '{{.Ports}}'
"$PYTHON" -c "import sys, urllib.request, time
for _ in range(100):
    try:
        sys.stdout.write(urllib.request.urlopen('http://127.0.0.1:$PORT/i', timeout=5).read().decode()); break
    except OSError: time.sleep(0.1)"
"$@" rm -f "$NAME" >/dev/null
"""


@requires("root")
def test_a_host_without_ipv6_publishes_on_ipv4_alone(fresh_nerdpy, busybox_tar, tmp_path) -> None:
    # Docker's test (libnetwork's IsV6Listenable): `::` binds even with IPv6 disabled, so
    # whether [::1] can listen decides; nothing is said, the port is on IPv4.
    nerdpy = fresh_nerdpy
    nerdpy("load", "-i", busybox_tar)
    (tmp_path / "sys").mkdir()
    name, port = _name("no6"), free_port()
    env = {**nerdpy.env, "SYSFS": str(tmp_path / "sys"), "NAME": name, "PORT": str(port), "PYTHON": sys.executable}
    done = subprocess.run(["unshare", "--net", "--mount", "--propagation", "private", "sh", "-c", NO_IPV6_HOST, "sh",
                           *nerdpy.argv()], env=env, cwd="/tmp", capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stderr == "", done
    assert done.stdout.splitlines() == [f"53/udp -> 0.0.0.0:{port}", f"80/tcp -> 0.0.0.0:{port}",
                                        f"0.0.0.0:{port}->53/udp, 0.0.0.0:{port}->80/tcp", "v4"]


@requires("root")
def test_start_replaces_a_lingering_host_veth_of_the_same_name(nerdpy, netbox) -> None:
    # The host side of a container's veth is named after the container and the network;
    # after a stop the kernel dismantles the old netns asynchronously, and a quick restart
    # met the old host side still holding the name ("Command failed -:1").
    from nerdpy.network.bridged import veth_name

    net, name = _name("vet"), _name("vc")
    nerdpy("network", "create", net)
    try:
        cid = nerdpy("create", "--name", name, "--network", net, netbox, "sleep", "60").stdout.strip()
        nid = nerdpy("network", "inspect", "-f", "{{.Id}}", net).stdout.strip()
        stale = veth_name(cid, nid)
        subprocess.run(["ip", "link", "add", stale, "type", "bridge"], check=True)
        try:
            nerdpy("start", name)
            assert nerdpy("inspect", "-f", "{{.State.Running}}", name).stdout.strip() == "true"
            assert nerdpy("exec", name, "ip", "-o", "-4", "addr", "show", "eth0").stdout.count("inet ") == 1
        finally:
            subprocess.run(["ip", "link", "del", stale], capture_output=True)
    finally:
        nerdpy("rm", "-f", name, check=False)
        nerdpy("network", "rm", net, check=False)


def test_namespaced_defaults_let_any_user_bind_low_ports(nerdpy, busybox_image):
    """Docker's sysctls in a container's own network namespace: ports from 0 and ping
    for every group; --sysctl overrides them."""
    script = "cat /proc/sys/net/ipv4/ping_group_range; httpd -p 80 -h /tmp && echo bound"
    out = nerdpy("run", "--rm", "-u", "1000", busybox_image, "sh", "-c", script).stdout.split("\n")
    low, high = out[0].split()
    assert low == "0" and int(high) >= 65535, out
    assert out[1] == "bound", out
    refused = nerdpy("run", "--rm", "-u", "1000", "--sysctl", "net.ipv4.ip_unprivileged_port_start=1024",
                     busybox_image, "sh", "-c", script, check=False)
    assert "bind: Permission denied" in refused.stderr and "bound" not in refused.stdout


@requires("rootless")
def test_keep_id_container_gets_the_namespaced_defaults(nerdpy, busybox_image):
    """A keep-id container's user namespace does not own its network namespace: the
    defaults come from the namespace's maker, and the invoking user serves on port 80."""
    script = "id -u; cat /proc/sys/net/ipv4/ip_unprivileged_port_start; httpd -p 80 -h /tmp && echo bound"
    out = nerdpy("run", "--rm", "--userns=keep-id", busybox_image, "sh", "-c", script).stdout.split()
    assert out == [str(os.getuid()), "0", "bound"]
