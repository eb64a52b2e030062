"""The event journal: one appended line per event, rotation, Docker's filters."""

from __future__ import annotations

import json
import os
import stat

import pytest

from nerdpy import events
from nerdpy.api import events as reader
from nerdpy.errors import InvalidArgument


def _lines(root) -> list[dict]:
    with open(events.journal_path(root)) as handle:
        return [json.loads(line) for line in handle]


def test_emit_appends_docker_shaped_private_lines(tmp_path):
    events.emit(tmp_path, "container", "die", "abc", {"name": "web", "exitCode": 3, "image": "busybox"})
    events.emit(tmp_path, "network", "create", "n1", {"name": "net"})
    first, second = _lines(tmp_path)
    assert first["Actor"] == {"ID": "abc", "Attributes": {"name": "web", "exitCode": "3", "image": "busybox"}}
    assert (first["status"], first["id"], first["from"], first["Type"]) == ("die", "abc", "busybox", "container")
    assert "status" not in second and second["Type"] == "network" and second["time"] == second["timeNano"] // 10**9
    path = events.journal_path(tmp_path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700


def test_rotation_keeps_one_generation(tmp_path, monkeypatch):
    monkeypatch.setattr(events, "MAX_SIZE", 300)
    for i in range(6):
        events.emit(tmp_path, "volume", "create", f"v{i}")
    path = events.journal_path(tmp_path)
    assert os.path.exists(path + ".1")
    names = []
    for name in (path + ".1", path):
        if os.path.exists(name):
            with open(name) as handle:
                names += [json.loads(line)["Actor"]["ID"] for line in handle]
    assert names == sorted(names) and names[-1] == "v5"


def test_filters():
    die = {"Type": "container", "Action": "die", "Actor": {"ID": "abc123", "Attributes": {"name": "web",
                                                                                          "image": "busybox:1",
                                                                                          "tier": "front"}}}
    health = {**die, "Action": "health_status: healthy"}
    net = {"Type": "network", "Action": "connect", "Actor": {"ID": "n1", "Attributes": {"name": "front"}}}
    f = reader.parse_filters
    assert reader.matches(die, f(["container=web"])) and reader.matches(die, f(["container=abc"]))
    assert not reader.matches(net, f(["container=web"]))
    assert reader.matches(health, f(["event=health_status"])) and not reader.matches(die, f(["event=start"]))
    assert reader.matches(die, f(["event=start", "event=die"]))  # one key: OR
    assert not reader.matches(die, f(["event=die", "type=network"]))  # two keys: AND
    assert reader.matches(die, f(["label=tier=front"])) and not reader.matches(die, f(["label=tier=back"]))
    assert reader.matches(die, f(["image=busybox"])) and reader.matches(net, f(["network=front"]))
    with pytest.raises(InvalidArgument):
        f(["bogus=1"])
    with pytest.raises(InvalidArgument):
        f(["type=plugin"])


def test_read_since_epoch_until_and_filters(tmp_path):
    class Layout:
        runtime_root = tmp_path

    class Settings:
        layout = Layout()

    for i in range(5):
        events.emit(tmp_path, "volume", "create", f"v{i}")
    everything = list(reader.read(Settings(), 0, 0, {}, follow=False))  # --since 0: the epoch, not "unset"
    assert [e["Actor"]["ID"] for e in everything] == [f"v{i}" for i in range(5)]
    cut = everything[2]["timeNano"]
    assert [e["Actor"]["ID"] for e in reader.read(Settings(), 0, cut, {}, follow=False)] == ["v0", "v1", "v2"]
    picked = reader.read(Settings(), 0, 0, reader.parse_filters(["volume=v3"]), follow=False)
    assert [e["Actor"]["ID"] for e in picked] == ["v3"]
