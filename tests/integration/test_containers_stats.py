"""`stats`: Docker's columns, `--format` (json, templates), `--all`, `--no-trunc`,
streaming into a pipe; rootless without a cgroup of its own: what /proc gives,
`--` for the rest and one warning."""

from __future__ import annotations

import json
import os
import re
import select
import uuid

import pytest

pytestmark = [pytest.mark.integration, pytest.requires("runc", "newuidmap", "busybox")]

HEADER = ["CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS"]
FIELDS = ["BlockIO", "CPUPerc", "Container", "ID", "MemPerc", "MemUsage", "Name", "NetIO", "PIDs"]
BINARY = r"\d+(\.\d+)?(B|KiB|MiB|GiB|TiB)"
DECIMAL = r"\d+(\.\d+)?(B|kB|MB|GB|TB)"
PERCENT = r"\d+\.\d\d%"
# Rootless on cgroup v1 (or v2 without delegation) a container has no cgroup of its own.
OWN_CGROUP = os.geteuid() == 0 or os.path.exists("/sys/fs/cgroup/cgroup.controllers")


@pytest.fixture(scope="module")
def trio(nerdpy, busybox_image):
    """A busy container, one with three processes and no network (loopback
    traffic made), and one created but never started."""
    tag = uuid.uuid4().hex[:6]
    busy, family, idle = f"st-busy-{tag}", f"st-fam-{tag}", f"st-idle-{tag}"
    nerdpy("run", "-d", "--name", busy, busybox_image, "sh", "-c", "while :; do :; done")
    nerdpy("run", "-d", "--name", family, "--network", "none", busybox_image, "sh", "-c",
           "wget -q http://127.0.0.1:1/ 2>/dev/null; sleep 300 & sleep 300 & wait")
    nerdpy("create", "--name", idle, busybox_image, "true")
    yield busy, family, idle
    nerdpy("rm", "-f", busy, family, idle, check=False)


def _table(out: str) -> dict[str, dict[str, str]]:
    lines = out.splitlines()
    starts = [lines[0].index(h) for h in HEADER]
    rows = {}
    for line in lines[1:]:
        cells = [line[a:b].strip() for a, b in zip(starts, starts[1:] + [None])]
        rows[cells[1]] = dict(zip(HEADER, cells))
    return rows


def _warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("WARNING:")]


def test_no_stream_columns(nerdpy, trio):
    busy, family, idle = trio
    result = nerdpy("stats", "--no-stream")
    assert re.split(r" {3,}", result.stdout.splitlines()[0]) == HEADER
    rows = _table(result.stdout)
    assert busy in rows and family in rows and idle not in rows  # running ones only
    cid = nerdpy("inspect", "--format", "{{.Id}}", busy).stdout.strip()
    b, f = rows[busy], rows[family]
    assert b["CONTAINER ID"] == cid[:12]
    assert re.fullmatch(PERCENT, b["CPU %"]) and float(b["CPU %"][:-1]) > 0  # it spins all the time
    assert f["CPU %"] == "0.00%"  # it sleeps
    assert (b["PIDS"], f["PIDS"]) == ("1", "3")
    loopback = nerdpy("exec", family, "cat", "/proc/net/dev").stdout
    assert int(re.search(r"lo:\s*(\d+)", loopback).group(1)) > 0
    assert f["NET I/O"] == "0B / 0B"  # no interface but loopback, which Docker does not count
    assert re.fullmatch(f"{DECIMAL} / {DECIMAL}", b["NET I/O"])
    if OWN_CGROUP:
        assert re.fullmatch(f"{BINARY} / {BINARY}", b["MEM USAGE / LIMIT"]) and b["MEM USAGE / LIMIT"][0] != "0"
        assert re.fullmatch(PERCENT, b["MEM %"]) and re.fullmatch(f"{DECIMAL} / {DECIMAL}", b["BLOCK I/O"])
        assert _warnings(result.stderr) == []
    else:
        assert (b["MEM USAGE / LIMIT"], b["MEM %"], b["BLOCK I/O"]) == ("-- / --", "--", "--")
        assert _warnings(result.stderr) == [
            "WARNING: MEM USAGE / LIMIT, MEM % and BLOCK I/O shown as --: the container has no cgroup of its own "
            "(rootless, that needs cgroup v2 with controllers delegated to the user; this host does not have it)"]


def test_json_format_and_all(nerdpy, trio):
    busy, family, idle = trio
    plain = [json.loads(line) for line in nerdpy("stats", "--no-stream", "--format", "json").stdout.splitlines()]
    assert idle not in [r["Name"] for r in plain]
    every = {r["Name"]: r for r in map(json.loads, nerdpy("container", "stats", "--no-stream", "-a", "--format",
                                                          "json").stdout.splitlines())}
    assert list(every[busy]) == FIELDS  # Docker's keys, in its (sorted) order
    cid = nerdpy("inspect", "--format", "{{.Id}}", idle).stdout.strip()
    assert every[idle] == {"BlockIO": "0B / 0B", "CPUPerc": "0.00%", "Container": cid[:12], "ID": cid[:12],
                           "MemPerc": "0.00%", "MemUsage": "0B / 0B", "Name": idle, "NetIO": "0B / 0B", "PIDs": "0"}
    assert every[family]["PIDs"] == "3" and every[family]["Container"] == every[family]["ID"]
    long = json.loads(nerdpy("stats", "--no-stream", "--no-trunc", "--format", "{{json .}}", idle).stdout)
    assert long["ID"] == cid and long["Container"] == idle


def test_templates_and_named_containers(nerdpy, trio):
    busy, family, idle = trio
    short = nerdpy("inspect", "--format", "{{.Id}}", family).stdout.strip()[:8]
    lines = nerdpy("stats", "--no-stream", "--format", "{{.Container}}|{{.Name}}|{{.PIDs}}|{{.NetIO}}",
                   short, idle).stdout.splitlines()
    assert lines == [f"{short}|{family}|3|0B / 0B", f"{idle}|{idle}|0|0B / 0B"]  # in the order asked
    table = nerdpy("stats", "--no-stream", "--format", "table {{.Name}}\t{{.CPUPerc}}\t{{.Container}}",
                   idle).stdout.splitlines()
    assert re.split(r" {3,}", table[0]) == ["NAME", "CPU %", "CONTAINER"] and table[1].split() == [idle, "0.00%", idle]
    missing = nerdpy("stats", "--no-stream", "nosuch-" + uuid.uuid4().hex[:6], check=False)
    assert missing.returncode == 1 and missing.stderr.startswith("Error: No such container: nosuch-")


def test_streams_each_sample_into_a_pipe(nerdpy, trio):
    busy = trio[0]
    follower = nerdpy.popen("stats", "--format", "{{.Name}} {{.PIDs}}", busy)
    try:
        lines = []
        while len(lines) < 2:  # every sample, no screen redraws
            ready, _, _ = select.select([follower.stdout], [], [], 30)
            assert ready, "no sample within 30 s"
            lines.append(follower.stdout.readline())
    finally:
        follower.terminate()
        _, err = follower.communicate(timeout=10)
    assert lines == [f"{busy} 1\n", f"{busy} 1\n"]
    assert len(_warnings(err)) == (0 if OWN_CGROUP else 1)  # one note, not one per sample
