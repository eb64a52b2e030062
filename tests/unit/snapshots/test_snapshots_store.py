"""Snapshot bookkeeping (sqlite records + directories), driver selection and mount options.

Uses the native driver directly (no mounts), so it runs as root and as a plain user.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from nerdpy.config import Flags, load_settings
from nerdpy.errors import AlreadyExists, Conflict, DataCorrupted, InvalidArgument, NotFound
from nerdpy.snapshots import Kind, Mount
from nerdpy.snapshots.mount import compact_lowerdir
from nerdpy.snapshots.native import NativeSnapshotter
from nerdpy.snapshots.overlay import OverlaySnapshotter
from nerdpy.snapshots.select import recorded_driver, select_driver


@pytest.fixture
def native(tmp_path: Path) -> NativeSnapshotter:
    return NativeSnapshotter(tmp_path)


def test_lifecycle_and_errors(native: NativeSnapshotter) -> None:
    (mount,) = native.prepare("a", labels={"x": "1"})
    assert mount.type == "bind" and mount.options == ("rbind", "rw")
    Path(mount.source, "f").write_text("one")
    native.commit("A", "a")
    with pytest.raises(NotFound):
        native.stat("a")
    (child,) = native.prepare("b", "A")
    assert Path(child.source, "f").read_text() == "one"  # native: a copy of the parent
    (view,) = native.view("v", "A")
    assert view.options == ("rbind", "ro")
    assert {i.key: i.kind for i in native.walk()} == {"A": Kind.COMMITTED, "b": Kind.ACTIVE, "v": Kind.VIEW}
    assert native.stat("A").labels == {"x": "1"}
    with pytest.raises(AlreadyExists):
        native.prepare("b")
    with pytest.raises(InvalidArgument):
        native.prepare("c", "b")  # parent not committed
    with pytest.raises(InvalidArgument):
        native.commit("V", "v")
    with pytest.raises(Conflict):
        native.remove("A")
    native.remove("b")
    native.remove("v")
    native.remove("A")
    assert list(native.walk()) == [] and os.listdir(native.root / "snapshots") == []
    with pytest.raises(NotFound):
        native.remove("A")


def test_usage_is_recorded_on_first_use_once_per_inode(native: NativeSnapshotter) -> None:
    (mount,) = native.prepare("u")
    Path(mount.source, "big").write_bytes(b"x" * 100_000)
    os.link(Path(mount.source, "big"), Path(mount.source, "link"))
    native.commit("U", "u")
    assert native.db.query("SELECT size FROM snapshots WHERE key = 'U'")[0]["size"] == -1  # commit skips the walk
    usage = native.usage("U")
    assert usage.inodes == 1 and 100_000 <= usage.size < 200_000
    Path(native.upper_dir("U"), "late").write_bytes(b"y" * 100_000)
    assert native.usage("U") == usage  # committed usage is the recorded one


def test_cleanup_reclaims_leftovers_only(native: NativeSnapshotter) -> None:
    native.prepare("live")
    live_dir = Path(native.upper_dir("live")).parent
    (native.root / "snapshots" / "999" / "fs").mkdir(parents=True)  # no record: a crash after rename
    (native.root / "rm-7").mkdir()
    old = native.root / "tmp-old"
    old.mkdir()
    os.utime(old, (time.time() - 7200,) * 2)
    fresh = native.root / "tmp-fresh"  # possibly another command's prepare in progress
    fresh.mkdir()
    native.cleanup()
    assert live_dir.exists() and fresh.exists()
    assert not (native.root / "snapshots" / "999").exists() and not (native.root / "rm-7").exists()
    assert not old.exists()


def test_key_is_never_reused_for_a_new_directory(native: NativeSnapshotter) -> None:
    native.prepare("x")
    first = native.upper_dir("x")
    native.remove("x")
    native.prepare("x")
    assert native.upper_dir("x") != first


def test_overlay_mount_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    overlay = OverlaySnapshotter(tmp_path)
    monkeypatch.setattr("nerdpy.snapshots.overlay.in_user_namespace", lambda: True)
    assert overlay.prepare("base")[0].type == "bind"
    overlay.commit("B1", "base")
    overlay.prepare("l2", "B1")
    overlay.commit("B2", "l2")
    (m,) = overlay.prepare("top", "B2")
    assert m.type == "overlay" and "userxattr" in m.options and "index=off" in m.options
    lower = [o for o in m.options if o.startswith("lowerdir=")][0].split("=", 1)[1].split(":")
    assert lower == [overlay.upper_dir("B2"), overlay.upper_dir("B1")]  # nearest parent first
    assert overlay.view("v1", "B1")[0] == Mount("bind", overlay.upper_dir("B1"), ("rbind", "ro"))
    assert overlay.view("v2", "B2")[0].options[-1].startswith("lowerdir=")
    monkeypatch.setattr("nerdpy.snapshots.overlay.in_user_namespace", lambda: False)
    assert "userxattr" not in overlay.mounts("top")[0].options


def test_compact_lowerdir_uses_relative_paths() -> None:
    lowers = [f"/var/lib/nerdpy/snapshots/overlay/snapshots/{i}/fs" for i in range(200)]
    base, opts = compact_lowerdir(["index=off", "lowerdir=" + ":".join(lowers), "upperdir=/u"])
    assert base == "/var/lib/nerdpy/snapshots/overlay/snapshots"
    assert opts[1] == "lowerdir=" + ":".join(f"{i}/fs" for i in range(200)) and opts[2] == "upperdir=/u"
    assert len(",".join(opts)) < 4096 < len("lowerdir=" + ":".join(lowers))


def test_driver_recorded_and_conflicts(tmp_path: Path) -> None:
    env = {"NERDPY_DATA_ROOT": str(tmp_path), "NERDPY_STORAGE_DRIVER": "native"}
    settings = load_settings(Flags(), env=env)
    assert select_driver(settings).name == "native"
    snaps = settings.layout.snapshots_dir
    assert (snaps / "driver").read_text() == "native\n" and recorded_driver(snaps) == "native"
    assert snaps.stat().st_mode & 0o777 == 0o700  # setuid binaries inside: private
    unforced = load_settings(Flags(), env={"NERDPY_DATA_ROOT": str(tmp_path)})
    assert select_driver(unforced).name == "native"  # the record wins over probing
    with pytest.raises(Conflict, match="uses storage driver native, not overlay"):
        select_driver(load_settings(Flags(storage_driver="overlay"), env={"NERDPY_DATA_ROOT": str(tmp_path)}))
    (snaps / "driver").write_text("zfs\n")
    with pytest.raises(DataCorrupted):
        select_driver(unforced)
