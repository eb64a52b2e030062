"""The init layer with a real (native) snapshotter on a temp dir: what it
holds, that it never writes outside its tree, and that failures leave nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nerdpy.containers import initlayer
from nerdpy.errors import InvalidArgument
from nerdpy.snapshots import Kind
from nerdpy.snapshots.native import NativeSnapshotter


@pytest.fixture
def canary(tmp_path: Path) -> Path:
    path = tmp_path / "canary"
    path.mkdir()
    return path


@pytest.fixture
def image(tmp_path: Path, canary: Path) -> tuple[NativeSnapshotter, str]:
    """A committed "image" snapshot whose mount points are symlinks out of it."""
    snap = NativeSnapshotter(tmp_path / "store")
    snap.prepare("img-active")
    fs = Path(snap.upper_dir("img-active"))
    (fs / "etc").mkdir()
    os.symlink(f"{canary}/hosts", fs / "etc" / "hosts")
    os.symlink("../" * 10 + str(canary).lstrip("/") + "/resolv.conf", fs / "etc" / "resolv.conf")
    os.symlink(f"/proc/self/root{canary}/hostname", fs / "etc" / "hostname")
    os.symlink(str(canary), fs / "proc")
    os.symlink("/", fs / "data")
    (fs / "file-here").write_text("image file")
    snap.commit("img", "img-active")
    return snap, "img"


def test_init_layer_replaces_symlinks_and_stays_inside(image, canary, tmp_path):
    snap, top = image
    points = [("/data", True), ("/file-here", True), ("/etc/motd", False)]
    assert initlayer.create_layer(snap, "c1", top, str(tmp_path / "unused"), points) == "c1-init"
    info = snap.stat("c1-init")
    assert info.kind == Kind.COMMITTED and info.parent == top and info.labels == {initlayer.LABEL: "c1"}
    assert [i.key for i in snap.walk()] == ["img", "c1-init"]  # the .active key is gone
    fs = Path(snap.upper_dir("c1-init"))
    for name in ("etc/hosts", "etc/hostname", "etc/resolv.conf", "etc/motd"):
        assert (fs / name).is_file() and not (fs / name).is_symlink() and (fs / name).stat().st_size == 0
    for name in ("proc", "sys", "dev/pts", "dev/shm", "data"):
        assert (fs / name).is_dir() and not (fs / name).is_symlink()
    assert (fs / "file-here").read_text() == "image file"  # a user point only replaces symlinks
    assert os.listdir(canary) == []
    snap.prepare("c1", parent="c1-init")
    assert initlayer.has_init_layer(snap, "c1")
    snap.prepare("old", parent=top)  # a container from before init layers
    assert not initlayer.has_init_layer(snap, "old")


def test_failed_fill_leaves_no_snapshot(image, tmp_path):
    snap, top = image
    with pytest.raises(InvalidArgument):  # /file-here is a file: nothing can be made below it
        initlayer.create_layer(snap, "c2", top, str(tmp_path / "unused"), [("/file-here/x", True)])
    assert [i.key for i in snap.walk()] == ["img"]


def test_user_mountpoints(tmp_path):
    (tmp_path / "f").write_text("x")
    mounts = [
        {"destination": "/a/b/c", "type": "bind", "source": str(tmp_path)},
        {"destination": "/etc/conf", "type": "bind", "source": str(tmp_path / "f")},
        {"destination": "/run", "type": "tmpfs", "source": "tmpfs"},
        {"destination": "/dev/fuse", "type": "bind", "source": "/dev/null"},  # runc's own /dev
        {"destination": "/proc/x", "type": "tmpfs", "source": "tmpfs"},
        {"destination": "/", "type": "tmpfs", "source": "tmpfs"},
        {"destination": "/sysfoo//", "type": "tmpfs", "source": "tmpfs"},  # not under /sys
        {"destination": "/t", "type": "tmpfs", "source": "tmpfs", "options": ["noexec", "mode=1770", "mode=700"]},
    ]
    assert initlayer.user_mountpoints(mounts, "/sbin/docker-init") == [
        ("/run", True, None), ("/sysfoo", True, None), ("/t", True, 0o700), ("/etc/conf", False),
        ("/sbin/docker-init", False), ("/a/b/c", True)]


def test_tmpfs_mount_points_get_their_mode(image, tmp_path):
    """runc 1.1 chmods a tmpfs to its mount point's mode: the init layer gives it
    the mode asked for, and a new one tmpfs's own 1777 (issue 12, finding 13)."""
    snap, top = image
    os.chmod(Path(snap.upper_dir(top)) / "etc", 0o755)  # whatever the umask was
    points = [("/etc", True, None), ("/new", True, None), ("/set", True, 0o750), ("/etc/sub", True, 0o1700)]
    initlayer.create_layer(snap, "c3", top, str(tmp_path / "unused"), points)
    fs = Path(snap.upper_dir("c3-init"))
    modes = {name: oct(os.stat(fs / name).st_mode & 0o7777) for name in ("etc", "new", "set", "etc/sub")}
    assert modes == {"etc": oct(0o755), "new": oct(0o1777), "set": oct(0o750), "etc/sub": oct(0o1700)}


def test_snapshot_keys_children_first():
    assert initlayer.snapshot_keys("abc") == ("abc", "abc-init", "abc-init.active")


def test_image_gc_sweeps_image_layers_but_not_a_childless_init_layer(image, tmp_path, monkeypatch):
    """Between the init layer's commit and the writable layer's prepare the init
    layer has no child: image GC must leave it, yet still sweep unused image layers."""
    import types

    from nerdpy import snapshots
    from nerdpy.api.images import _gc_snapshots

    snap, top = image
    snap.prepare("c3-init-active", top)
    snap.commit("c3-init", "c3-init-active")
    snap.prepare("unused-active")
    snap.commit("sha256:" + "ab" * 32, "unused-active")
    (tmp_path / "snaps").mkdir()
    (tmp_path / "snaps" / "driver").write_text("native")
    monkeypatch.setattr(snapshots, "get_snapshotter", lambda settings: snap)
    settings = types.SimpleNamespace(layout=types.SimpleNamespace(snapshots_dir=tmp_path / "snaps"))
    _gc_snapshots(settings, types.SimpleNamespace(list=lambda: []))
    keys = {info.key for info in snap.walk()}
    assert "c3-init" in keys and top in keys
    assert "sha256:" + "ab" * 32 not in keys
