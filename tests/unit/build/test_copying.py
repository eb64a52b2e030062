"""COPY/ADD plans as tar entries: Docker's destination rules, owners, modes, parents,
excludes, ignored files, heredoc files, tar extraction, the content digest."""

from __future__ import annotations

import io
import os
import tarfile

import pytest

from nerdpy.build.copying import CopyPlan, digest, entries
from nerdpy.build.ignore import Matcher
from nerdpy.build.trees import Tree, clean_source
from nerdpy.errors import InvalidArgument, NotFound


@pytest.fixture
def ctx(tmp_path):
    (tmp_path / "dir" / "sub").mkdir(parents=True)
    (tmp_path / "dir" / "a.txt").write_text("a")
    (tmp_path / "dir" / "sub" / "b.md").write_text("b")
    (tmp_path / "dir" / "skip.log").write_text("s")
    (tmp_path / "top.txt").write_text("t")
    os.symlink("dir/a.txt", tmp_path / "link")
    os.symlink("/etc/passwd", tmp_path / "escape")
    return Tree(str(tmp_path), Matcher(["**/*.log"]), reset_owner=True)


def names(plan):
    return [(i.name, i.uid, i.gid, oct(i.mode)) for i, _ in entries(plan)]


def test_directory_contents_merge_into_dest_and_ignored_files_are_invisible(ctx):
    plan = CopyPlan(ctx, ("dir",), "/app", True, exists=lambda p: p == "/")
    assert [n for n, *_ in names(plan)] == ["app", "app/a.txt", "app/sub", "app/sub/b.md"]


def test_file_to_file_or_into_dir_and_missing_parents(ctx):
    assert [n for n, *_ in names(CopyPlan(ctx, ("top.txt",), "/x/y", False, exists=lambda p: False))] == [
        "x", "x/y"]
    assert [n for n, *_ in names(CopyPlan(ctx, ("top.txt",), "/x", True, exists=lambda p: True))] == ["x/top.txt"]


def test_owner_mode_and_dest_dir_owner(ctx):
    plan = CopyPlan(ctx, ("top.txt",), "/new", True, owner=(5, 6), chmod=0o700, exists=lambda p: p == "/")
    assert names(plan) == [("new", 5, 6, "0o755"), ("new/top.txt", 5, 6, "0o700")]


def test_parents_and_exclude(ctx):
    plan = CopyPlan(ctx, ("dir/sub/b.md", "dir/a.txt"), "/p", True, parents=True, exists=lambda p: True)
    assert [n for n, *_ in names(plan)] == ["p/dir/sub/b.md", "p/dir/a.txt"]
    plan = CopyPlan(ctx, ("dir",), "/e", True, exclude=Matcher(["**/*.md"]), exists=lambda p: True)
    assert "e/sub/b.md" not in [n for n, *_ in names(plan)]


def first(plan):
    """The first entry, read while the walk still holds its fds (as write_tar does)."""
    for info, read in entries(plan):
        return info, read() if read else None


def test_top_level_symlink_followed_inside_the_tree(ctx, tmp_path):
    info, data = first(CopyPlan(ctx, ("link",), "/l", False, exists=lambda p: True))
    assert info.isreg() and data == b"a"
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text("inside")
    info, data = first(CopyPlan(ctx, ("escape",), "/l", False, exists=lambda p: True))
    assert data == b"inside"  # /etc/passwd of the tree, never the host's


def test_sources_outside_the_tree_and_globs(ctx):
    with pytest.raises(InvalidArgument, match="outside the build context"):
        clean_source("../x")
    assert clean_source("/a/../b/./c/") == "b/c"
    assert ctx.expand("dir/*.txt") == ["dir/a.txt"]
    assert ctx.expand("dir/*.log") == []  # ignored
    assert ctx.expand("nothing*") == []
    with pytest.raises(NotFound):
        ctx.expand("missing")


def test_inline_files_and_tar_extraction(ctx, tmp_path):
    plan = CopyPlan(None, (), "/etc/app.conf", False, inline=(("EOF", "x=1\n"),), exists=lambda p: True)
    info, data = first(plan)
    assert (info.name, info.mode, data) == ("etc/app.conf", 0o644, b"x=1\n")
    with tarfile.open(tmp_path / "t.tgz", "w:gz") as tar:
        member = tarfile.TarInfo("in/side")
        member.size, member.uid = 2, 7
        tar.addfile(member, io.BytesIO(b"hi"))
    plan = CopyPlan(Tree(str(tmp_path)), ("t.tgz",), "/u", True, extract=True, exists=lambda p: p in ("/", "/u"))
    got = [(i.name, i.uid) for i, _ in entries(plan)]
    assert got == [("u/in", 0), ("u/in/side", 7)]


def test_digest_ignores_mtime_but_not_content(ctx, tmp_path):
    plan = CopyPlan(ctx, ("dir",), "/d", True, exists=lambda p: True)
    before = digest(plan)
    os.utime(tmp_path / "dir" / "a.txt", (1, 1))
    assert digest(plan) == before
    (tmp_path / "dir" / "a.txt").write_text("changed")
    assert digest(plan) != before
