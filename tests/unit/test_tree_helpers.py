"""The low-level tree helpers behind export, commit, cp and removal (issue 12 #2 #3 #6 #11):
openat2 retries EAGAIN, removal and walks work at any depth, reads are checked against the entry."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile

import pytest

from nerdpy.archive.tarwrite import TreeTar, _Exact
from nerdpy.archive.walk import open_regular, walk
from nerdpy.errors import InvalidArgument
from nerdpy.linux import libc
from nerdpy.linux.rmtree import remove_tree


def _deep(base: str, depth: int) -> None:
    """`depth` nested dirs `d`, every 100th with a file and a symlink to /, the last one
    mode 0500, made by fd (deep paths outgrow PATH_MAX)."""
    cur = os.open(base, os.O_RDONLY | os.O_DIRECTORY)
    for level in range(depth):
        os.mkdir("d", dir_fd=cur)
        nxt = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=cur)
        os.close(cur)
        cur = nxt
        if level % 100:
            continue
        with open(os.open("f", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=cur), "w") as out:
            out.write("x")
        os.symlink("/", "up", dir_fd=cur)
    os.chmod(f"/proc/self/fd/{cur}", 0o500)
    os.close(cur)


def test_openat2_retries_eagain_from_a_rename_storm(tmp_path):
    (tmp_path / "root" / "a" / "b").mkdir(parents=True)
    (tmp_path / "spin").mkdir()
    code = (f"import os\nprint('go', flush=True)\nwhile True:\n"
            f" os.rename('{tmp_path}/spin', '{tmp_path}/s2'); os.rename('{tmp_path}/s2', '{tmp_path}/spin')")
    spinner = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    root = os.open(tmp_path / "root", os.O_RDONLY | os.O_DIRECTORY)
    try:
        assert spinner.stdout is not None and spinner.stdout.readline() == "go\n"
        for _ in range(20000):  # without the retry, about 1 in 100 of these fails with EAGAIN here
            os.close(libc.openat2(root, "a/b/../../a/b/..", os.O_RDONLY | os.O_DIRECTORY, 0, libc.RESOLVE_IN_ROOT))
    finally:
        spinner.kill()
        spinner.wait()
        os.close(root)


def test_remove_tree_at_any_depth_never_follows_symlinks(tmp_path):
    keep = tmp_path / "keep"
    keep.write_text("kept")
    victim = tmp_path / "victim"
    victim.mkdir()
    _deep(str(victim), 1100)  # shutil.rmtree and os.walk recurse: RecursionError near 1,000
    os.symlink(tmp_path, victim / "outside")
    assert remove_tree(victim) is True
    assert not victim.exists() and keep.read_text() == "kept"
    assert remove_tree(victim) is False


def test_walk_is_iterative_and_bounded(tmp_path):
    _deep(str(tmp_path), 1100)
    root = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        rels = [e.rel for e in walk(root)]
        assert len(rels) == 1100 + 2 * 11 and max(r.count("/") for r in rels) == 1099
        with pytest.raises(InvalidArgument, match="deeper than 100 levels"):
            list(walk(root, max_depth=100))
    finally:
        os.close(root)
        os.chmod(tmp_path, 0o700)
        remove_tree(tmp_path)


def test_a_swapped_entry_is_never_read(tmp_path):
    (tmp_path / "f").write_text("innocent")
    (tmp_path / "other").write_text("secret")
    root = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        st = os.stat("f", dir_fd=root, follow_symlinks=False)
        os.rename(tmp_path / "other", tmp_path / "f")  # another inode under the checked name
        assert open_regular(root, "f", st) is None
        os.unlink(tmp_path / "f")
        os.symlink(tmp_path / "f2", tmp_path / "f")
        (tmp_path / "f2").write_text("secret")
        assert open_regular(root, "f", st) is None  # a symlink is never followed
        os.unlink(tmp_path / "f")
        os.mkfifo(tmp_path / "f")
        assert open_regular(root, "f", st) is None  # a fifo is never opened (would block)
    finally:
        os.close(root)


def test_a_file_that_shrinks_or_grows_gives_what_the_header_promised(tmp_path):
    (tmp_path / "f").write_bytes(b"y" * 100)
    fd = os.open(tmp_path / "f", os.O_RDONLY)
    try:
        assert _Exact(fd, 300).read(1000) == b"y" * 100 + bytes(200)  # shrank: zero-padded
        os.lseek(fd, 0, os.SEEK_SET)
        assert _Exact(fd, 10).read(1000) == b"y" * 10  # grew: cut
    finally:
        os.close(fd)


def test_tree_tar_writes_links_as_links(tmp_path):
    (tmp_path / "f").write_text("data")
    os.link(tmp_path / "f", tmp_path / "g")
    os.symlink("/etc/shadow", tmp_path / "s")
    root = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    out = io.BytesIO()
    try:
        tar = TreeTar(out)
        for entry in walk(root):
            tar.add(entry)
        tar.close()
    finally:
        os.close(root)
    with tarfile.open(fileobj=io.BytesIO(out.getvalue())) as archive:
        members = {m.name: m for m in archive}
    assert members["g"].islnk() and members["g"].linkname == "f"
    assert members["s"].issym() and members["s"].linkname == "/etc/shadow"
