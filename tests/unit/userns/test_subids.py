"""nerdpy.userns.subids: /etc/subuid parsing and the rootless id mapping."""

from __future__ import annotations

import os

import pytest

from nerdpy.errors import PermissionDenied
from nerdpy.userns import IdRange
from nerdpy.userns.subids import lookup_ranges, parse_subid_file, rootless_mapping

SAMPLE = """\
# comment
alice:100000:65536
bob:165536:65536
1001:231072:1000

alice:300000:10
broken line
carol:x:5
dave:-1:10
erin:10:0
"""


def test_parse_by_name_and_by_uid():
    assert parse_subid_file(SAMPLE, "alice", 1000) == [(100000, 65536), (300000, 10)]
    assert parse_subid_file(SAMPLE, "tester", 1001) == [(231072, 1000)]
    assert parse_subid_file(SAMPLE, "nobody", 4242) == []


def test_parse_ignores_malformed_negative_and_empty_ranges():
    assert parse_subid_file(SAMPLE, "carol", 5) == []
    assert parse_subid_file(SAMPLE, "dave", 6) == []
    assert parse_subid_file(SAMPLE, "erin", 7) == []


def test_missing_file_means_no_ranges(tmp_path):
    assert lookup_ranges(tmp_path / "absent", 1000) == []


def test_mapping_stacks_ranges_after_the_user(tmp_path):
    uid = os.getuid()
    (tmp_path / "subuid").write_text(f"{uid}:100000:65536\n{uid}:300000:10\n")
    (tmp_path / "subgid").write_text(f"{uid}:200000:65536\n")
    mapping = rootless_mapping(uid, 77, tmp_path / "subuid", tmp_path / "subgid")
    assert mapping.uids == (IdRange(0, uid, 1), IdRange(1, 100000, 65536), IdRange(65537, 300000, 10))
    assert mapping.gids == (IdRange(0, 77, 1), IdRange(1, 200000, 65536))
    assert mapping.size == 1 + 65536 + 10


def test_same_range_listed_by_name_and_by_uid_is_mapped_once(tmp_path):
    """newuidmap rejects overlapping ranges: a duplicate line must not break the holder."""
    import pwd

    uid = os.getuid()
    name = pwd.getpwuid(uid).pw_name
    (tmp_path / "subuid").write_text(f"{name}:100000:65536\n{uid}:100000:65536\n")
    (tmp_path / "subgid").write_text(f"{name}:100000:65536\n")
    mapping = rootless_mapping(uid, uid, tmp_path / "subuid", tmp_path / "subgid")
    assert mapping.uids == (IdRange(0, uid, 1), IdRange(1, 100000, 65536))


@pytest.mark.parametrize("missing", ["subuid", "subgid"])
def test_missing_range_names_the_fix(tmp_path, missing):
    uid = os.getuid()
    for kind in ("subuid", "subgid"):
        (tmp_path / kind).write_text("" if kind == missing else f"{uid}:100000:65536\n")
    with pytest.raises(PermissionDenied) as info:
        rootless_mapping(uid, uid, tmp_path / "subuid", tmp_path / "subgid")
    assert missing in info.value.message and "usermod" in info.value.hint
