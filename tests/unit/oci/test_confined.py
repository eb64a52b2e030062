from __future__ import annotations

import os

import pytest

from nerdpy.errors import InvalidArgument
from nerdpy.oci.confined import ensure_mountpoint, is_directory, makedirs, read_file
from nerdpy.oci.user import resolve_in_rootfs


@pytest.fixture
def rootfs(tmp_path):
    root = tmp_path / "rootfs"
    (root / "etc").mkdir(parents=True)
    (tmp_path / "host").mkdir()
    (tmp_path / "host" / "secret").write_text("host secret")
    return root


def test_read_file_does_not_follow_symlinks_out(rootfs, tmp_path):
    os.symlink(str(tmp_path / "host" / "secret"), rootfs / "etc" / "passwd")
    assert read_file(str(rootfs), "/etc/passwd") is None
    os.symlink("../../../../host/secret", rootfs / "etc" / "group")
    assert read_file(str(rootfs), "/etc/group") is None
    (rootfs / "etc" / "hosts").write_text("ok")
    assert read_file(str(rootfs), "/etc/hosts") == b"ok"
    assert read_file(str(rootfs), "/etc/hosts", max_size=1) is None
    assert read_file(str(rootfs), "/etc") is None


def test_user_lookup_uses_image_files_only(rootfs, tmp_path):
    (tmp_path / "host" / "passwd").write_text("evil:x:0:0::/:/bin/sh\n")
    os.symlink(str(tmp_path / "host" / "passwd"), rootfs / "etc" / "passwd")
    with pytest.raises(InvalidArgument):
        resolve_in_rootfs(str(rootfs), "evil")


def test_makedirs_stays_inside(rootfs, tmp_path):
    os.symlink(str(tmp_path / "host"), rootfs / "escape")
    with pytest.raises(InvalidArgument):
        makedirs(str(rootfs), "/escape/new/dir")  # the link leads nowhere inside the rootfs
    assert not (tmp_path / "host" / "new").exists()
    os.symlink("/etc", rootfs / "inside")
    os.symlink("../../../..", rootfs / "up")
    makedirs(str(rootfs), "/inside/new")
    makedirs(str(rootfs), "/up/top")
    assert (rootfs / "etc" / "new").is_dir() and (rootfs / "top").is_dir()
    assert not (tmp_path / "top").exists()
    (rootfs / "etc" / "hosts-file").write_text("f")
    with pytest.raises(InvalidArgument):
        makedirs(str(rootfs), "/etc/hosts-file/x")
    assert is_directory(str(rootfs), "/etc") is True and is_directory(str(rootfs), "/nope") is None


def test_mountpoints_replace_planted_symlinks(rootfs, tmp_path):
    os.symlink(str(tmp_path / "host" / "secret"), rootfs / "etc" / "hosts")
    os.symlink(str(tmp_path / "host"), rootfs / "proc")
    ensure_mountpoint(str(rootfs), "/etc/hosts", directory=False)
    ensure_mountpoint(str(rootfs), "/proc", directory=True)
    assert (rootfs / "etc" / "hosts").is_file() and not (rootfs / "etc" / "hosts").is_symlink()
    assert (rootfs / "proc").is_dir() and not (rootfs / "proc").is_symlink()
    assert (tmp_path / "host" / "secret").read_text() == "host secret"
    ensure_mountpoint(str(rootfs), "/dev/pts", directory=True)
    assert (rootfs / "dev" / "pts").is_dir()
    (rootfs / "sys").write_text("a file where a dir belongs")
    ensure_mountpoint(str(rootfs), "/sys", directory=True)
    assert (rootfs / "sys").is_dir()


def test_mountpoints_for_user_mounts_replace_only_symlinks(rootfs, tmp_path):
    (rootfs / "adir").mkdir()
    (rootfs / "afile").write_text("keep")
    os.symlink(str(tmp_path / "host"), rootfs / "link")
    ensure_mountpoint(str(rootfs), "/adir", directory=False, replace_mismatch=False)
    ensure_mountpoint(str(rootfs), "/afile", directory=True, replace_mismatch=False)
    ensure_mountpoint(str(rootfs), "/link", directory=True, replace_mismatch=False)
    assert (rootfs / "adir").is_dir() and (rootfs / "afile").read_text() == "keep"
    assert (rootfs / "link").is_dir() and not (rootfs / "link").is_symlink()
    assert os.listdir(tmp_path / "host") == ["secret"]
