"""A failed or killed prepare leaves nothing behind (issue 18), with real sqlite and
real directories (native driver, no mounts: runs as root and as a plain user)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nerdpy.errors import NerdpyError
from nerdpy.snapshots.native import NativeSnapshotter


@pytest.fixture
def native(tmp_path: Path) -> NativeSnapshotter:
    return NativeSnapshotter(tmp_path)


def _dirs(s: NativeSnapshotter) -> list[str]:
    return sorted(os.listdir(s.root / "snapshots"))


def test_a_directory_left_at_the_next_id_does_not_block_prepare(native: NativeSnapshotter) -> None:
    native.prepare("a")
    orphan = native.root / "snapshots" / "2"  # a prepare killed between its rename and its COMMIT
    (orphan / "fs").mkdir(parents=True)
    (orphan / "fs" / "stale").write_text("x")
    (mount,) = native.prepare("b")
    assert os.listdir(mount.source) == []  # b got a fresh tree, not the orphan's
    native.cleanup()
    assert _dirs(native) == ["1", "2"]
    assert not [e for e in os.listdir(native.root) if e != "snapshots"]


def test_a_failed_commit_leaves_no_directory(native: NativeSnapshotter) -> None:
    native.prepare("a")
    # A deferred foreign key that the next insert violates: SQLite refuses at COMMIT,
    # after prepare renamed its directory into place (as a full disk does).
    native.db.conn.executescript(
        "CREATE TABLE trap (x INTEGER REFERENCES snapshots(id) DEFERRABLE INITIALLY DEFERRED);"
        "CREATE TRIGGER spring AFTER INSERT ON snapshots WHEN NEW.key = 'doomed' "
        "BEGIN INSERT INTO trap VALUES (-1); END;")
    with pytest.raises(NerdpyError):
        native.prepare("doomed")
    assert _dirs(native) == ["1"]
    assert not [e for e in os.listdir(native.root) if e != "snapshots"]
    native.prepare("next")  # and the id that failed is no obstacle
    assert {i.key for i in native.walk()} == {"a", "next"}


def test_cleanup_drops_records_without_a_directory(native: NativeSnapshotter) -> None:
    native.prepare("a")
    native.prepare("b")
    os.rename(native.root / "snapshots" / "2", native.root / "rm-2")  # a remove whose COMMIT failed
    native.cleanup()
    assert {i.key for i in native.walk()} == {"a"}
    assert os.listdir(native.root) == ["snapshots"]
