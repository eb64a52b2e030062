from __future__ import annotations

import os

from nerdpy.archive.diff import overlay_changes
from nerdpy.containers.changes import drop_generated
from nerdpy.snapshots.diff import classify


def changes(upper: str, lowers: list[str]) -> list[tuple[str, str]]:
    fds = [os.open(p, os.O_RDONLY | os.O_DIRECTORY) for p in (upper, *lowers)]
    try:
        return classify(overlay_changes(fds[0]), fds[1:])
    finally:
        for fd in fds:
            os.close(fd)


def test_changes_from_an_upper_dir(tmp_path):
    lower, upper = tmp_path / "lower", tmp_path / "upper"
    (lower / "etc").mkdir(parents=True)
    (lower / "etc" / "passwd").write_text("root")
    (lower / "etc" / "group").write_text("root")
    (upper / "etc").mkdir(parents=True)
    (upper / "etc" / "passwd").write_text("root\nx")
    (upper / "new").write_text("n")
    try:
        os.mknod(upper / "etc" / "group", 0o600 | 0o020000, 0)  # an overlay whiteout
        whiteout = True
    except PermissionError:
        whiteout = False
    result = changes(str(upper), [str(lower)])
    assert ("C", "/etc") in result and ("C", "/etc/passwd") in result and ("A", "/new") in result
    if whiteout:
        assert ("D", "/etc/group") in result
    assert [p for _, p in result] == sorted(p for _, p in result)


def test_generated_mount_points_are_not_changes():
    result = [("C", "/dev"), ("A", "/dev/pts"), ("C", "/etc"), ("A", "/etc/hosts"), ("C", "/etc/passwd"), ("A", "/x")]
    assert drop_generated(result) == [("C", "/etc"), ("C", "/etc/passwd"), ("A", "/x")]
