"""Copy-up from an (untrusted) rootfs into empty volumes, and `:U` chown."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from nerdpy.volumes import RuntimeMount, populate
from nerdpy.volumes.fill import copy_up


@pytest.fixture
def rootfs(tmp_path: Path) -> Path:
    root = tmp_path / "rootfs"
    data = root / "var" / "data"
    (data / "sub").mkdir(parents=True)
    (data / "file").write_text("hello")
    (data / "sub" / "deep").write_text("deep")
    os.link(data / "file", data / "hardlink")
    os.symlink("/etc/passwd", data / "abs-link")
    os.mkfifo(data / "fifo")
    os.chmod(data / "file", 0o640)
    os.chmod(data, 0o750)
    return root


def test_copy_up_copies_tree_modes_links(rootfs: Path, tmp_path: Path) -> None:
    vol = tmp_path / "vol"
    vol.mkdir()
    assert copy_up(rootfs, "/var/data", vol) is True
    assert (vol / "file").read_text() == "hello"
    assert (vol / "sub" / "deep").read_text() == "deep"
    assert stat.S_IMODE((vol / "file").stat().st_mode) == 0o640
    assert stat.S_IMODE(vol.stat().st_mode) == 0o750, "the volume root takes the image dir's mode"
    assert (vol / "file").stat().st_ino == (vol / "hardlink").stat().st_ino
    assert os.readlink(vol / "abs-link") == "/etc/passwd"
    assert stat.S_ISFIFO((vol / "fifo").lstat().st_mode)
    src = (rootfs / "var" / "data" / "file").stat()
    assert (vol / "file").stat().st_mtime_ns == src.st_mtime_ns


def test_copy_up_skips_a_non_empty_volume(rootfs: Path, tmp_path: Path) -> None:
    vol = tmp_path / "vol"
    vol.mkdir()
    (vol / "mine").write_text("keep")
    assert copy_up(rootfs, "/var/data", vol) is False
    assert sorted(os.listdir(vol)) == ["mine"]


def test_copy_up_missing_path_is_nothing(rootfs: Path, tmp_path: Path) -> None:
    vol = tmp_path / "vol"
    vol.mkdir()
    assert copy_up(rootfs, "/nope", vol) is False
    (rootfs / "afile").write_text("x")
    assert copy_up(rootfs, "/afile", vol) is False


def test_copy_up_does_not_follow_image_symlinks_out_of_the_rootfs(tmp_path: Path) -> None:
    # An image whose VOLUME path is a symlink to a host directory must not leak that directory.
    secret = tmp_path / "host-secret"
    secret.mkdir()
    (secret / "key").write_text("secret")
    root = tmp_path / "rootfs"
    root.mkdir()
    os.symlink(str(secret), root / "data")
    (root / "etc").mkdir()
    os.symlink("../../../../../../" + str(secret).lstrip("/"), root / "etc" / "rel")
    vol = tmp_path / "vol"
    vol.mkdir()
    copy_up(root, "/data", vol)
    copy_up(root, "/etc/rel", vol)
    assert not (vol / "key").exists()


def test_populate_runs_copy_up_only_for_volumes_and_chowns(rootfs: Path, tmp_path: Path) -> None:
    vol = tmp_path / "vol"
    vol.mkdir()
    bind = tmp_path / "bind"
    bind.mkdir()
    (bind / "f").write_text("x")
    uid, gid = os.getuid(), os.getgid()
    populate(
        [
            RuntimeMount("/var/data", "bind", str(vol), ("rbind",), volume="v", copy_up=True),
            RuntimeMount("/var/data", "bind", str(bind), ("rbind",), chown=True),
        ],
        rootfs, uid, gid,
    )
    assert (vol / "file").exists()
    assert not (bind / "file").exists(), "binds are never filled from the image"
    assert (bind / "f").stat().st_uid == uid


@pytest.mark.skipif(os.getuid() != 0, reason="chown to another uid needs root (or the rootless namespace)")
def test_chown_for_U_gives_the_tree_to_the_container_user(tmp_path: Path) -> None:
    bind = tmp_path / "bind"
    (bind / "d").mkdir(parents=True)
    (bind / "d" / "f").write_text("x")
    os.symlink("/etc/passwd", bind / "link")
    before = os.stat("/etc/passwd").st_uid
    populate([RuntimeMount("/b", "bind", str(bind), ("rbind",), chown=True)], tmp_path, 1234, 4321)
    for path in (bind, bind / "d", bind / "d" / "f"):
        assert (path.stat().st_uid, path.stat().st_gid) == (1234, 4321)
    assert (bind / "link").lstat().st_uid == 1234
    assert os.stat("/etc/passwd").st_uid == before, "symlink targets are left alone"
