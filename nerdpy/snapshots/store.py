"""The snapshot records and directories shared by every driver.

Records live in the shared sqlite database (`meta.db`, domain "snapshots"),
not in a per-driver file index: every change (prepare, commit, remove) is one
IMMEDIATE transaction, so concurrent CLI processes never see half a change,
and `system df` can read usage without walking trees. Table::

    snapshots(id INTEGER PRIMARY KEY AUTOINCREMENT,   -- names the directory; never reused
              driver, key, kind, parent, labels JSON, created, updated,
              size, inodes,                            -- usage, recorded on first use (-1: unknown)
              UNIQUE(driver, key))

Directories (`<data_root>/snapshots/<driver>/`)::

    snapshots/<id>/fs      the snapshot's own tree (overlay: the upper dir)
    snapshots/<id>/work    overlay work dir
    tmp-<random>/          being prepared (renamed to snapshots/<id> inside the transaction)
    rm-<id>/               being removed (renamed out inside the transaction)

Short numeric ids keep overlay's `lowerdir` lists short. A crash leaves at most a
`tmp-`/`rm-` dir, an unrecorded `snapshots/<id>` (its id may be handed out again:
prepare sets such a dir aside) or a record whose dir is gone; `cleanup()` (run by
prune and by unpack) reconciles them.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from nerdpy.errors import (
    AlreadyExists,
    Conflict,
    InvalidArgument,
    NotFound,
    Unavailable,
)
from nerdpy.metadata import open_database
from nerdpy.paths import private_dirs
from nerdpy.snapshots import Info, Kind, Mount, Usage

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterator, Mapping

MIGRATIONS = (
    """
    CREATE TABLE snapshots (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        driver TEXT NOT NULL,
        key TEXT NOT NULL,
        kind TEXT NOT NULL,
        parent TEXT,
        labels TEXT NOT NULL DEFAULT '{}',
        created REAL NOT NULL,
        updated REAL NOT NULL,
        size INTEGER NOT NULL DEFAULT -1,
        inodes INTEGER NOT NULL DEFAULT -1,
        UNIQUE (driver, key)
    );
    CREATE INDEX snapshots_parent ON snapshots(driver, parent)
    """,
)

STALE_TMP_S = 3600.0  # a tmp- dir this old belongs to a dead command


class SnapshotStore:
    """Driver-independent bookkeeping; drivers add `_mounts` and `_populate`."""

    name = "base"

    def __init__(self, data_root: Path) -> None:
        self.root = data_root / "snapshots" / self.name
        self._dirs = self.root / "snapshots"
        private_dirs(self._dirs)
        self.db = open_database(data_root / "meta.db")
        self.db.ensure_schema("snapshots", MIGRATIONS)

    # -- records -----------------------------------------------------------------
    def _row(self, key: str):
        rows = self.db.query("SELECT * FROM snapshots WHERE driver = ? AND key = ?", (self.name, key))
        if not rows:
            raise NotFound(f"snapshot {key} not found")
        return rows[0]

    def _info(self, row) -> Info:
        return Info(key=row["key"], kind=Kind(row["kind"]), parent=row["parent"],
                    labels=json.loads(row["labels"]), created=row["created"], updated=row["updated"])

    def stat(self, key: str) -> Info:
        return self._info(self._row(key))

    def walk(self) -> Iterator[Info]:
        rows = self.db.query("SELECT * FROM snapshots WHERE driver = ? ORDER BY id", (self.name,))
        return iter([self._info(r) for r in rows])

    def exists(self, key: str) -> bool:
        return bool(self.db.query("SELECT 1 FROM snapshots WHERE driver = ? AND key = ?", (self.name, key)))

    def _dir(self, snap_id: int) -> Path:
        return self._dirs / str(snap_id)

    def upper_dir(self, key: str) -> str:
        return str(self._dir(self._row(key)["id"]) / "fs")

    def _chain(self, parent: str | None) -> list[Path]:
        """fs dirs of `parent` and its ancestors, nearest first."""
        dirs: list[Path] = []
        while parent is not None:
            row = self._row(parent)
            dirs.append(self._dir(row["id"]) / "fs")
            parent = row["parent"]
            if len(dirs) > 1000:
                raise InvalidArgument(f"snapshot chain of {parent} is cyclic or too deep")
        return dirs

    # -- lifecycle ---------------------------------------------------------------
    def prepare(self, key: str, parent: str | None = None, labels: Mapping[str, str] | None = None) -> list[Mount]:
        self._create(key, parent, Kind.ACTIVE, labels)
        return self.mounts(key)

    def view(self, key: str, parent: str | None, labels: Mapping[str, str] | None = None) -> list[Mount]:
        self._create(key, parent, Kind.VIEW, labels)
        return self.mounts(key)

    def _create(self, key: str, parent: str | None, kind: Kind, labels: Mapping[str, str] | None) -> None:
        if not key:
            raise InvalidArgument("snapshot key must not be empty")
        if parent is not None and self._row(parent)["kind"] != Kind.COMMITTED.value:
            raise InvalidArgument(f"parent snapshot {parent} is not committed")
        if self.exists(key):
            raise AlreadyExists(f"snapshot {key} already exists")
        staging = Path(_mkdtemp(self.root, "tmp-"))
        placed: Path | None = None  # renamed into place, but the row may still roll back
        try:
            self._populate(staging, self._chain(parent), kind)
            now = time.time()
            with self.db.transaction() as conn:
                if conn.execute("SELECT 1 FROM snapshots WHERE driver = ? AND key = ?", (self.name, key)).fetchone():
                    raise AlreadyExists(f"snapshot {key} already exists")
                cur = conn.execute(
                    "INSERT INTO snapshots(driver, key, kind, parent, labels, created, updated) VALUES(?,?,?,?,?,?,?)",
                    (self.name, key, kind.value, parent, json.dumps(dict(labels or {})), now, now))
                target = self._dir(int(cur.lastrowid or 0))
                self._set_aside(target)
                os.rename(staging, target)
                placed = target
        except BaseException:
            _rmtree(staging)
            if placed is not None:  # the COMMIT failed (a full disk): no row names this directory
                _rmtree(placed)
            raise

    def _set_aside(self, target: Path) -> None:
        """A directory at a fresh id is an orphan (a command killed between its rename
        and its COMMIT, whose id SQLite then handed out again): move it out of the way."""
        if os.path.lexists(target):
            os.rename(target, _mkdtemp(self.root, f"rm-orphan-{target.name}-"))

    def configure(self, storage: Any) -> None:
        """Apply storage options (nerdpy.snapshots.options; already checked for this driver)."""

    def _populate(self, staging: Path, parents: list[Path], kind: Kind) -> None:
        (staging / "fs").mkdir(mode=0o755)
        os.chmod(staging / "fs", 0o755)

    def commit(self, name: str, key: str, labels: Mapping[str, str] | None = None) -> None:
        row = self._row(key)
        if row["kind"] != Kind.ACTIVE.value:
            raise InvalidArgument(f"snapshot {key} is not active", hint="only prepared snapshots can be committed")
        merged = {**json.loads(row["labels"]), **dict(labels or {})}
        with self.db.transaction() as conn:
            if conn.execute("SELECT 1 FROM snapshots WHERE driver = ? AND key = ?", (self.name, name)).fetchone():
                raise AlreadyExists(f"snapshot {name} already exists")
            done = conn.execute(
                "UPDATE snapshots SET key = ?, kind = ?, labels = ?, updated = ?, size = -1, inodes = -1 "
                "WHERE id = ? AND kind = ?",
                (name, Kind.COMMITTED.value, json.dumps(merged), time.time(), row["id"], Kind.ACTIVE.value)).rowcount
            if not done:
                raise NotFound(f"snapshot {key} not found")

    def remove(self, key: str) -> None:
        with self.db.transaction(freeing=True) as conn:
            row = conn.execute("SELECT id FROM snapshots WHERE driver = ? AND key = ?", (self.name, key)).fetchone()
            if row is None:
                raise NotFound(f"snapshot {key} not found")
            if conn.execute("SELECT 1 FROM snapshots WHERE driver = ? AND parent = ?", (self.name, key)).fetchone():
                raise Conflict(f"snapshot {key} has children", hint="remove the snapshots built on it first")
            conn.execute("DELETE FROM snapshots WHERE id = ?", (row["id"],))
            doomed = self.root / f"rm-{row['id']}"
            try:
                os.rename(self._dir(row["id"]), doomed)
            except FileNotFoundError:
                return  # no directory: nothing to remove
        # (a failed COMMIT leaves the row and an rm- dir: cleanup() drops rows without a directory)
        _remove_leftover(doomed)

    def usage(self, key: str) -> Usage:
        row = self._row(key)
        if row["kind"] != Kind.COMMITTED.value:
            return disk_usage(self._dir(row["id"]) / "fs")
        if row["size"] >= 0:
            return Usage(row["size"], row["inodes"])
        # Walked once, on first use, not at commit: a pull of 20,000 files skips a 50-100 ms walk.
        # A committed tree never changes, so the figure stays true.
        usage = disk_usage(self._dir(row["id"]) / "fs")
        try:
            with self.db.transaction() as conn:
                conn.execute("UPDATE snapshots SET size = ?, inodes = ? WHERE id = ? AND kind = ?",
                             (usage.size, usage.inodes, row["id"], Kind.COMMITTED.value))
        except Unavailable:  # only a cache: `system df` must work on a full disk
            pass
        return usage

    def mounts(self, key: str) -> list[Mount]:
        row = self._row(key)
        return self._mounts(self._dir(row["id"]), Kind(row["kind"]), self._chain(row["parent"]))

    def _mounts(self, snap_dir: Path, kind: Kind, parents: list[Path]) -> list[Mount]:
        raise NotImplementedError

    def cleanup(self) -> None:
        """Remove tmp-/rm- leftovers, snapshot dirs without a record and records without
        a dir (a removal whose COMMIT failed after its rename)."""
        with self.db.transaction(freeing=True) as conn:
            known = {str(r[0]) for r in conn.execute("SELECT id FROM snapshots WHERE driver = ?", (self.name,))}
            on_disk = set(os.listdir(self._dirs))
            doomed = []
            for entry in on_disk - known:
                target = Path(_mkdtemp(self.root, f"rm-orphan-{entry}-"))
                os.rename(self._dirs / entry, target)
                doomed.append(target)
            for snap_id in known - on_disk:
                conn.execute("DELETE FROM snapshots WHERE id = ?", (int(snap_id),))
        now = time.time()
        for entry in os.listdir(self.root):
            path = self.root / entry
            if entry.startswith("rm-") or (entry.startswith("tmp-") and now - path.lstat().st_mtime > STALE_TMP_S):
                doomed.append(path)
        for path in doomed:
            # Unrelated leftovers never fail the caller (a pull): what stays is retried next time.
            _remove_leftover(path)


def disk_usage(root: Path) -> Usage:
    """Blocks and inodes under `root`, each hardlinked inode counted once (containerd's DiskUsage)."""
    seen: set[tuple[int, int]] = set()
    size = 0
    stack = [os.fspath(root)]
    while stack:
        path = stack.pop()
        try:
            it = os.scandir(path)
        except (FileNotFoundError, NotADirectoryError):
            continue
        with it:
            for entry in it:
                st = entry.stat(follow_symlinks=False)
                ident = (st.st_dev, st.st_ino)
                if ident in seen:
                    continue
                seen.add(ident)
                size += st.st_blocks * 512
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
    return Usage(size=size, inodes=len(seen))


def _mkdtemp(parent: Path, prefix: str) -> str:
    """tempfile.mkdtemp without importing tempfile (random, weakref...) on `run`."""
    while True:
        path = os.path.join(parent, prefix + os.urandom(6).hex())
        try:
            os.mkdir(path, 0o700)
            return path
        except FileExistsError:
            continue


def _remove_leftover(path: Path) -> None:
    """Remove an `rm-*` dir whose record is gone. Never fails the caller (a pull, an rmi):
    what stays is retried by the next cleanup()."""
    try:
        _rmtree(path)
    except OSError as exc:
        import logging

        logging.getLogger("nerdpy.snapshots").warning("WARNING: cannot remove %s yet (retried later): %s", path, exc.strerror or exc)


def _rmtree(path: Path) -> None:
    """Remove a tree we do not control (image and container content): iterative and
    fd-based (nerdpy.linux.rmtree), so any depth works and symlinks are never followed."""
    from nerdpy.linux.rmtree import remove_tree

    remove_tree(path)
