"""`cp` into a container's tree (a plain directory stands in for the rootfs): Docker's
destination rules."""

from __future__ import annotations

import pytest

from nerdpy.containers.copy import copy_in
from nerdpy.errors import InvalidArgument, NotFound


@pytest.fixture
def tree(tmp_path):
    root, src = tmp_path / "root", tmp_path / "src"
    (root / "tmp").mkdir(parents=True)
    (root / "tmp" / "f").write_text("keep")
    (src / "sub").mkdir(parents=True)
    (src / "a").write_text("a")
    return root, src


def test_a_directory_does_not_replace_a_file(tree):
    root, src = tree
    for source in (str(src), f"{src}/."):
        with pytest.raises(InvalidArgument, match="cannot copy a directory to /tmp/f"):
            copy_in(str(root), source, "/tmp/f")
    assert (root / "tmp" / "f").read_text() == "keep"


def test_a_path_written_as_a_directory_must_be_one(tree):
    root, src = tree
    with pytest.raises(NotFound, match="could not find the directory /tmp/nodir/"):
        copy_in(str(root), str(src / "a"), "/tmp/nodir/")
    with pytest.raises(NotFound, match="could not find the directory /tmp/f/"):
        copy_in(str(root), str(src / "a"), "/tmp/f/")
    assert sorted(p.name for p in (root / "tmp").iterdir()) == ["f"]
    assert (root / "tmp" / "f").read_text() == "keep"


def test_files_and_directories_still_land_as_docker_puts_them(tree):
    root, src = tree
    copy_in(str(root), str(src / "a"), "/tmp/f")  # a file replaces a file
    assert (root / "tmp" / "f").read_text() == "a"
    copy_in(str(root), str(src / "a"), "/tmp/")  # into an existing directory
    assert (root / "tmp" / "a").read_text() == "a"
    copy_in(str(root), str(src), "/tmp/new")  # a directory made under its new name
    assert (root / "tmp" / "new" / "a").read_text() == "a" and (root / "tmp" / "new" / "sub").is_dir()
