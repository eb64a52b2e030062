"""`events`: the journal written by commands and shims, read back with
--since/--until/--filter/--format, and followed while another process acts."""

from __future__ import annotations

import json
import subprocess
import time
import uuid

import pytest

pytestmark = [pytest.mark.integration, pytest.requires("runc", "newuidmap", "busybox")]


def _events(nerdpy, since: float, *args: str) -> list[dict]:
    out = nerdpy("events", "--since", f"{since:.3f}", "--until", f"{time.time():.3f}", "--format", "json", *args)
    return [json.loads(line) for line in out.stdout.splitlines()]


def test_scripted_sequence_since_until_filters(nerdpy, busybox_image):
    name, tag, volume = f"ev-{uuid.uuid4().hex[:8]}", f"evtag-{uuid.uuid4().hex[:6]}", f"evvol{uuid.uuid4().hex[:6]}"
    began = time.time()
    cid = nerdpy("run", "-d", "--name", name, "-l", "suite=events", busybox_image, "sh", "-c", "sleep 30").stdout.strip()
    nerdpy("exec", name, "true")
    nerdpy("kill", name)
    nerdpy("wait", name)
    nerdpy("rm", name)
    nerdpy("tag", busybox_image, tag)
    nerdpy("rmi", tag)
    nerdpy("volume", "create", volume)
    nerdpy("volume", "rm", volume)
    time.sleep(0.05)
    mine = [e for e in _events(nerdpy, began, "--filter", f"container={name}")]
    assert [e["Action"] for e in mine] == ["create", "start", "exec_start: true", "kill", "die", "destroy"]
    die = mine[4]
    assert die["Actor"]["ID"] == cid and die["Actor"]["Attributes"]["exitCode"] == "137"
    assert die["Actor"]["Attributes"]["name"] == name and die["status"] == "die" and die["id"] == cid
    assert all(e["Type"] == "container" and e["scope"] == "local" and e["timeNano"] // 10**9 == e["time"] for e in mine)
    by_label = _events(nerdpy, began, "--filter", "label=suite=events", "--filter", "event=die")
    assert [e["Actor"]["ID"] for e in by_label] == [cid]
    images = _events(nerdpy, began, "--filter", "type=image")
    assert [(e["Action"], e["Actor"]["Attributes"]["name"]) for e in images][-2:] == [("tag", f"{tag}:latest"),
                                                                                       ("untag", f"{tag}:latest")]
    volumes = _events(nerdpy, began, "--filter", f"volume={volume}")
    assert [e["Action"] for e in volumes] == ["create", "destroy"]
    # --until in the past: only what happened before it; a template.
    middle = (mine[1]["timeNano"] + mine[2]["timeNano"]) / 2e9
    early = nerdpy("events", "--since", f"{began:.3f}", "--until", f"{middle:.6f}", "--filter", f"container={name}",
                   "--format", "{{.Action}} {{.Actor.Attributes.name}}").stdout.splitlines()
    assert early == [f"create {name}", f"start {name}"]
    plain = nerdpy("events", "--since", f"{began:.3f}", "--until", f"{time.time():.3f}",
                   "--filter", f"container={name}", "--filter", "event=create").stdout
    assert plain.endswith(f"Z container create {cid} (image={busybox_image}, name={name}, suite=events)\n")
    bad = nerdpy("events", "--filter", "nope=1", check=False)
    assert bad.returncode == 125 and bad.stderr.startswith("Error: invalid filter")


def test_follow_while_another_process_acts(nerdpy, busybox_image):
    name = f"evf-{uuid.uuid4().hex[:8]}"
    follower = nerdpy.popen("events", "--filter", f"container={name}", "--format", "{{.Action}}",
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.0)  # the follower is reading by now (only new events without --since)
        nerdpy("run", "--rm", "--name", name, busybox_image, "sh", "-c", "exit 3", check=False)
        time.sleep(0.5)  # the follower polls every 0.1 s
    finally:
        follower.terminate()
        out, _ = follower.communicate(timeout=10)
    assert out.split() == ["create", "start", "die", "destroy"]


def test_volume_mount_event_at_each_start(nerdpy, busybox_image):
    name, volume = f"evm-{uuid.uuid4().hex[:8]}", f"evmvol{uuid.uuid4().hex[:6]}"
    began = time.time()
    cid = nerdpy("create", "--name", name, "-v", f"{volume}:/data", "-v", "/tmp:/hosttmp:ro",
                 "--mount", f"type=volume,source={volume}x,target=/ro,readonly", busybox_image, "true").stdout.strip()
    try:
        nerdpy("start", "-a", name)
        nerdpy("start", "-a", name)
        mounts = _events(nerdpy, began, "--filter", "type=volume", "--filter", "event=mount")
        mine = [e for e in mounts if e["Actor"]["Attributes"].get("container") == cid]
        assert [(e["Actor"]["ID"], e["Actor"]["Attributes"]["destination"]) for e in mine] == \
            [(volume, "/data"), (f"{volume}x", "/ro")] * 2  # each start, named volumes only (not the bind)
        assert mine[0]["Actor"]["Attributes"] == {"container": cid, "destination": "/data", "driver": "local",
                                                  "propagation": "", "read/write": "true"}
        assert mine[1]["Actor"]["Attributes"]["read/write"] == "false"
        # Docker's order: the volume is mounted before the container starts.
        both = [e for e in _events(nerdpy, began) if cid in (e["Actor"]["ID"], e["Actor"]["Attributes"].get("container"))]
        assert [(e["Type"], e["Action"]) for e in both][:4] == [("container", "create"), ("volume", "mount"),
                                                                ("volume", "mount"), ("container", "start")]
    finally:
        nerdpy("rm", "-f", name, check=False)
        nerdpy("volume", "rm", volume, f"{volume}x", check=False)


def test_implicit_pull_by_run_records_image_pull(nerdpy, registry, busybox_built, images):
    repo = f"library/evpull{uuid.uuid4().hex[:8]}"
    images.push(registry, repo, "latest", busybox_built)
    ref = f"{registry}/{repo}:latest"
    began = time.time()
    try:
        nerdpy("run", "--rm", ref, "true")
        pulls = [e for e in _events(nerdpy, began, "--filter", "type=image", "--filter", "event=pull")]
        assert [(e["Actor"]["ID"], e["Actor"]["Attributes"]["name"]) for e in pulls] == [(ref, ref)]
        nerdpy("run", "--rm", ref, "true")  # present now: no pull, no event
        again = _events(nerdpy, began, "--filter", "type=image", "--filter", "event=pull")
        assert len(again) == 1
    finally:
        nerdpy("rmi", ref, check=False)
