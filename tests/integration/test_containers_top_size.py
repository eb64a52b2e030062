"""`top CONTAINER [ps OPTIONS]` and `inspect --size`: flags that must do what they say."""

from __future__ import annotations

import json
import uuid

import pytest

pytestmark = [pytest.mark.integration, pytest.requires("runc", "newuidmap", "busybox")]


@pytest.fixture(scope="module")
def sleeper(nerdpy, busybox_image):
    name = f"top-{uuid.uuid4().hex[:8]}"
    nerdpy("run", "-d", "--name", name, busybox_image, "sh", "-c",
           "head -c 300000 /dev/zero > /big; exec sleep 120")
    yield name
    nerdpy("rm", "-f", name, check=False)


def test_top_passes_ps_options(nerdpy, sleeper):
    pid = json.loads(nerdpy("inspect", sleeper).stdout)[0]["State"]["Pid"]
    lines = nerdpy("top", sleeper, "-eo", "pid,comm").stdout.splitlines()
    assert lines[0].split() == ["PID", "COMMAND"]
    assert [line.split() for line in lines[1:]] == [[str(pid), "sleep"]]  # only the container's process
    bad = nerdpy("top", sleeper, "-eo", "comm", check=False)
    assert bad.returncode == 125 and "PID" in bad.stderr


def test_inspect_size(nerdpy, sleeper):
    plain = json.loads(nerdpy("inspect", sleeper).stdout)[0]
    assert "SizeRw" not in plain
    sized = json.loads(nerdpy("container", "inspect", "--size", sleeper).stdout)[0]
    image = json.loads(nerdpy("image", "inspect", plain["Image"]).stdout)[0]
    assert sized["SizeRw"] >= 300000  # /big in the writable layer
    assert sized["SizeRootFs"] == sized["SizeRw"] + image["Size"]
    assert json.loads(nerdpy("inspect", "-s", sleeper).stdout)[0]["SizeRw"] == sized["SizeRw"]
