"""Real networking: netns + slirp4netns (rootless) or bridge + nftables (root), runc containers.

Containers are started by tests/integration/network_harness.py (runc directly on
nerdpy.network's setup/teardown), so these tests need only runc and busybox.
Traffic stays on loopback and inside our own namespaces.
"""

from __future__ import annotations

import json
import os
import re
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

HARNESS = Path(__file__).with_name("network_harness.py")
IS_ROOT = os.geteuid() == 0


def harness(np, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, str(HARNESS), *args]
    if IS_ROOT:
        proc = subprocess.run(argv, capture_output=True, text=True, env=np.env, cwd="/tmp", timeout=60)
    else:
        proc = np("unshare", *argv, check=False, timeout=60)
    if check and proc.returncode != 0:
        raise AssertionError(f"harness {args[:2]} failed: {proc.stdout}\n{proc.stderr}")
    return proc


def up(np, *args: str) -> tuple[str, dict]:
    cid = secrets.token_hex(32)
    out = harness(np, "up", cid, *args)
    att = json.loads(out.stdout.strip().splitlines()[-1])
    VETHS[cid] = att["veths"]
    return cid, att


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return resp.read().decode()


def holder_mountinfo(np) -> str:
    if IS_ROOT:
        return Path("/proc/self/mountinfo").read_text()
    pid = int((np.runtime_root / "holder.pid").read_text().split()[0])
    return Path(f"/proc/{pid}/mountinfo").read_text()


def helpers_for(np) -> list[str]:
    """slirp4netns processes serving this test store's namespaces."""
    out = subprocess.run(["pgrep", "-a", "slirp4netns"], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if str(np.runtime_root) in line]


VETHS: dict[str, list[str]] = {}  # container id -> its host-side veths (from `up`)


def assert_nothing_left(np, cids: list[str]) -> None:
    netns_dir = np.runtime_root / "netns"
    for cid in cids:
        assert not (netns_dir / cid).exists()
        assert f"netns/{cid}" not in holder_mountinfo(np)
    assert not (netns_dir / "shared").exists(), "shared rootless netns left behind"
    assert helpers_for(np) == []
    if IS_ROOT:
        # veths go with the container's netns, which the kernel destroys asynchronously.
        # Other tests' containers may be on the same host bridge: look for ours only.
        mine = [v for cid in cids for v in VETHS.get(cid, [])]
        deadline = time.monotonic() + 5
        while True:
            links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
            left = [v for v in mine if re.search(rf"\b{v}\b", links)]
            if not left or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert not left, links


@pytest.fixture(scope="module")
def np(nerdpy):
    harness(nerdpy, "rootfs")  # build the busybox rootfs once
    return nerdpy


def test_default_network_publishes_a_port_and_cleans_up(np) -> None:
    port = free_port()
    cid, att = up(np, "-p", f"127.0.0.1:{port}:80", "--name", "web1", "--", "httpd", "-f", "-p", "80", "-h", "/www")
    try:
        assert att["ports"] == [f"80/tcp -> 127.0.0.1:{port}"]
        assert http_get(f"http://127.0.0.1:{port}/index.html") == "hello from nerdpy\n"
        hosts = harness(np, "exec", cid, "cat", "/etc/hosts").stdout
        assert re.search(rf"^{re.escape(att['ip'])}\t{cid[:12]} web1$", hosts, re.M)
        resolv = harness(np, "exec", cid, "cat", "/etc/resolv.conf").stdout
        assert ("nameserver 10.0.2.3" in resolv) == (not IS_ROOT)
        assert harness(np, "exec", cid, "hostname").stdout.strip() == cid[:12]
        if not IS_ROOT:
            assert len(helpers_for(np)) == 1
    finally:
        harness(np, "down", cid)
    assert_nothing_left(np, [cid])
    with pytest.raises(OSError):
        http_get(f"http://127.0.0.1:{port}/index.html")


def test_port_already_bound_is_one_line_error_and_nothing_is_left(np) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        cid = secrets.token_hex(32)
        proc = harness(np, "up", cid, "-p", f"127.0.0.1:{port}:80", check=False)
    assert proc.returncode != 0
    assert "already allocated" in proc.stderr
    assert_nothing_left(np, [cid])


def test_none_has_only_loopback_and_host_shares_the_host_netns(np) -> None:
    cid, att = up(np, "--net", "none")
    try:
        links = harness(np, "exec", cid, "ip", "-o", "link").stdout
        assert [line.split(":")[1].strip() for line in links.splitlines()] == ["lo"]
        assert "UP" in links or "UNKNOWN" in links
    finally:
        harness(np, "down", cid)
    cid2, att2 = up(np, "--net", "host")
    try:
        assert att2["netns"] is None and att2["mode"] == "host"
    finally:
        harness(np, "down", cid2)
    assert_nothing_left(np, [cid, cid2])


def test_user_networks_names_aliases_isolation_connect(np) -> None:
    tag = secrets.token_hex(3)
    net_a, net_b = f"na{tag}", f"nb{tag}"
    np("network", "create", net_a)
    np("network", "create", net_b)
    port = free_port()
    cids: list[str] = []
    try:
        web, _ = up(np, "--net", net_a, "--name", f"web{tag}", "--alias", f"www{tag}", "-p", f"{port}:80",
                    "--", "httpd", "-f", "-p", "80", "-h", "/www")
        client, _ = up(np, "--net", net_a, "--name", f"client{tag}")
        other, other_att = up(np, "--net", net_b, "--name", f"other{tag}")
        cids = [web, client, other]
        for name in (f"web{tag}", f"www{tag}", web[:12]):
            got = harness(np, "exec", client, "wget", "-q", "-O-", f"http://{name}/index.html").stdout
            assert got == "hello from nerdpy\n"
        web_ip = json.loads(np("network", "inspect", net_a).stdout)[0]["Containers"][web]["IPv4Address"].split("/")[0]
        blocked = harness(np, "exec", other, "timeout", "3", "wget", "-q", "-O-", f"http://{web_ip}/index.html",
                          check=False)
        assert blocked.returncode != 0
        assert http_get(f"http://127.0.0.1:{port}/index.html") == "hello from nerdpy\n"
        np("network", "connect", "--alias", f"oth{tag}", net_a, f"other{tag}")
        got = harness(np, "exec", other, "wget", "-q", "-O-", f"http://web{tag}/index.html").stdout
        assert got == "hello from nerdpy\n"
        assert f"oth{tag}" in harness(np, "exec", web, "cat", "/etc/hosts").stdout
        busy = np("network", "rm", net_a, check=False)
        assert busy.returncode != 0 and "active endpoints" in busy.stderr
        np("network", "disconnect", net_a, other)
        assert f"oth{tag}" not in harness(np, "exec", web, "cat", "/etc/hosts").stdout
        assert f"web{tag}" not in harness(np, "exec", other, "cat", "/etc/hosts").stdout
    finally:
        for cid in cids:
            harness(np, "down", cid, check=False)
    assert_nothing_left(np, cids)
    if IS_ROOT:  # a user network's bridge goes with its last container
        links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
        for net in (net_a, net_b):
            bridge = json.loads(np("network", "inspect", net).stdout)[0]["Options"]["com.docker.network.bridge.name"]
            assert bridge not in links
    assert np("network", "rm", net_a, net_b).stdout.split() == [net_a, net_b]


def test_static_ip_and_ip_range(np) -> None:
    tag = secrets.token_hex(3)
    net = f"nr{tag}"
    np("network", "create", "--subnet", "10.77.0.0/24", "--ip-range", "10.77.0.64/26", net)
    try:
        a, att_a = up(np, "--net", net, "--ip", "10.77.0.9")
        b, att_b = up(np, "--net", net)
        try:
            assert att_a["ip"] == "10.77.0.9" and att_b["ip"] == "10.77.0.64"
            clash = harness(np, "up", secrets.token_hex(32), "--net", net, "--ip", "10.77.0.9", check=False)
            assert clash.returncode != 0 and "already in use" in clash.stderr
            assert "10.77.0.9" in harness(np, "exec", a, "ip", "-o", "addr").stdout
        finally:
            harness(np, "down", a)
            harness(np, "down", b)
    finally:
        np("network", "rm", net)
