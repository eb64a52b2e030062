"""run/create flags end to end: read-only, tmpfs, init, caps, privileged, ulimits,
labels and filters, cidfile, rename, pause, resource-limit warnings, sig-proxy."""

from __future__ import annotations

import json
import os
import signal
import time
import uuid

import pytest

pytestmark = [pytest.mark.integration, pytest.requires("runc", "newuidmap", "busybox")]

IS_ROOT = os.getuid() == 0


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_read_only_and_tmpfs(nerdpy, busybox_image):
    ro = nerdpy("run", "--rm", "--read-only", busybox_image, "touch", "/x", check=False)
    assert ro.returncode == 1 and "Read-only" in ro.stderr
    out = nerdpy("run", "--rm", "--read-only", "--tmpfs", "/scratch", busybox_image,
                 "sh", "-c", "touch /scratch/ok && echo ok").stdout
    assert out == "ok\n"


def test_capabilities_privileged_ulimits_shm(nerdpy, busybox_image):
    eff = lambda *flags: nerdpy("run", "--rm", *flags, busybox_image, "grep", "CapEff", "/proc/self/status").stdout
    assert eff("--cap-drop", "ALL").split()[1] == "0000000000000000"
    assert int(eff("--cap-add", "NET_ADMIN").split()[1], 16) & (1 << 12)
    privileged = int(eff("--privileged").split()[1], 16)
    assert privileged & (1 << 21) and bin(privileged).count("1") >= 40  # CAP_SYS_ADMIN and (nearly) all others
    assert "Seccomp:\t0" in nerdpy("run", "--rm", "--privileged", busybox_image, "cat", "/proc/self/status").stdout
    assert nerdpy("run", "--rm", "--ulimit", "nofile=512:1024", busybox_image, "sh", "-c", "ulimit -n").stdout == "512\n"
    shm = nerdpy("run", "--rm", "--shm-size", "16m", busybox_image, "df", "-k", "/dev/shm").stdout
    assert "16384" in shm
    bad = nerdpy("run", "--rm", "--cap-add", "NOPE", busybox_image, "true", check=False)
    assert bad.returncode == 125


def test_labels_filters_and_formats(nerdpy, busybox_image):
    tag = uuid.uuid4().hex[:8]
    a = nerdpy("create", "-l", f"suite={tag}", "-l", "role=a", "--name", _name("la"), busybox_image, "true").stdout.strip()
    b = nerdpy("create", "-l", f"suite={tag}", "--name", _name("lb"), busybox_image, "true").stdout.strip()
    ids = nerdpy("ps", "-aq", "--no-trunc", "--filter", f"label=suite={tag}").stdout.split()
    assert sorted(ids) == sorted([a, b])
    assert nerdpy("ps", "-aq", "--no-trunc", "--filter", f"label=suite={tag}", "--filter", "label=role=a").stdout.split() == [a]
    assert nerdpy("ps", "-aq", "--no-trunc", "--filter", "status=created", "--filter", f"label=suite={tag}").stdout.split() != []
    rows = [json.loads(x) for x in nerdpy("ps", "-a", "--format", "json", "--filter", f"label=suite={tag}").stdout.splitlines()]
    assert {r["State"] for r in rows} == {"created"}
    assert nerdpy("ps", "-a", "-n", "1", "-q", "--no-trunc").stdout.split() == [b]
    assert nerdpy("ps", "--filter", "bogus=1", check=False).returncode == 125
    sized = nerdpy("ps", "-a", "-s", "--filter", f"label=suite={tag}").stdout.splitlines()
    assert sized[0].split()[-1] == "SIZE" and all("(virtual " in line for line in sized[1:])
    nerdpy("rm", a, b)


def test_cidfile_rename_and_wait(nerdpy, busybox_image, tmp_path):
    cidfile = tmp_path / "cid"
    name = _name("ren")
    nerdpy("run", "-d", "--cidfile", cidfile, "--name", name, busybox_image, "sh", "-c", "sleep 1; exit 4")
    cid = cidfile.read_text()
    assert len(cid) == 64
    assert nerdpy("run", "--cidfile", cidfile, busybox_image, "true", check=False).returncode == 125
    new = name + "-new"
    nerdpy("rename", name, new)
    same = nerdpy("rename", new, f"/{new}", check=False)
    assert same.returncode != 0 and "same name as its current name" in same.stderr
    assert nerdpy("wait", new, timeout=30).stdout.strip() == "4"
    assert nerdpy("inspect", "-f", "{{.Name}}", cid).stdout.strip() == "/" + new
    nerdpy("rm", cid)


def test_resource_limits(nerdpy, busybox_image):
    result = nerdpy("run", "--rm", "--memory", "64m", "--pids-limit", "50", busybox_image, "true")
    if IS_ROOT:
        assert "WARNING" not in result.stderr
    else:
        assert result.stderr.count("WARNING") == 1 and "ignored" in result.stderr


def test_pause_unpause(nerdpy, busybox_image):
    name = _name("pause")
    nerdpy("run", "-d", "--name", name, busybox_image, "sleep", "60")
    result = nerdpy("pause", name, check=False)
    if result.returncode == 0:
        assert "(Paused)" in nerdpy("ps", "--filter", f"name={name}").stdout
        nerdpy("unpause", name)
        assert nerdpy("inspect", "-f", "{{.State.Status}}", name).stdout.strip() == "running"
    else:  # rootless on cgroup v1: no freezer; one clear line
        assert not IS_ROOT and "freezer" in result.stderr
    nerdpy("rm", "-f", name)


def test_signals_are_proxied_in_the_foreground(nerdpy, busybox_image):
    proc = nerdpy.popen("run", "--rm", "--init", busybox_image, "sh", "-c", "trap 'echo got-term; exit 7' TERM; "
                        "echo ready; while true; do sleep 0.1; done")
    assert proc.stdout.readline() == "ready\n"
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=20)
    assert "got-term" in out and proc.returncode == 7
    off = nerdpy("run", "--rm", "--sig-proxy=false", busybox_image, "true")
    assert off.returncode == 0


def test_container_group_commands(nerdpy, busybox_image):
    name = _name("grp")
    nerdpy("container", "run", "-d", "--name", name, busybox_image, "sleep", "30")
    assert name in nerdpy("container", "ls").stdout
    top = nerdpy("container", "top", name).stdout.splitlines()
    assert top[0].split()[:3] == ["UID", "PID", "PPID"] and "sleep 30" in top[1]
    assert top[1].split()[0] == "root"  # ps -ef names the user (the container's root)
    nerdpy("container", "rm", "-f", name)
    started = time.monotonic()
    nerdpy("container", "prune", "-f")
    assert time.monotonic() - started < 30


def test_network_of_another_container_by_name(nerdpy, busybox_image):
    owner = _name("owner")
    cid = nerdpy("run", "-d", "--name", owner, busybox_image, "sleep", "60").stdout.strip()
    nerdpy("rename", owner, owner + "-2")
    out = nerdpy("run", "--rm", "--network", f"container:{owner}-2", busybox_image, "hostname").stdout.strip()
    assert out == cid[:12]
    missing = nerdpy("run", "--rm", "--network", "container:no-such-box", busybox_image, "true", check=False)
    assert missing.returncode == 125
    nerdpy("rm", "-f", owner + "-2")


def test_restart_command(nerdpy, busybox_image):
    name = _name("rs")
    nerdpy("run", "-d", "--name", name, busybox_image, "sleep", "60")
    first = json.loads(nerdpy("inspect", name).stdout)[0]["State"]
    nerdpy("restart", "-t", "0", name)
    second = json.loads(nerdpy("inspect", name).stdout)[0]["State"]
    assert second["Running"] and second["Pid"] != first["Pid"] and second["StartedAt"] > first["StartedAt"]
    nerdpy("rm", "-f", name)


def test_platform_must_match_the_local_image(nerdpy, busybox_image):
    """--platform names the image's platform: a local image of another one is not used."""
    host = "amd64" if os.uname().machine == "x86_64" else "arm64"
    other = "arm64" if host == "amd64" else "amd64"
    refused = nerdpy("run", "--rm", "--pull", "never", "--platform", f"linux/{other}", busybox_image, "true",
                     check=False)
    assert refused.returncode == 125
    assert f"does not match the specified platform: wanted linux/{other}, actual: linux/{host}" in refused.stderr
    assert nerdpy("run", "--rm", "--pull", "never", "--platform", f"linux/{host}", busybox_image, "true").returncode == 0
