"""Volume records (metadata domain "volumes") and their directories.

Schema::

    volumes(name PK, driver, labels JSON, options JSON, created RFC 3339, anonymous 0|1)
    volume_users(volume -> volumes.name, container_id, since)   one row per (volume, container)
    container_mounts(container_id PK, mounts JSON)       a container's RuntimeMounts (--volumes-from)

On disk: `<data_root>/volumes/<name>/_data`. A record is written only after
its directory exists; removal deletes the record first (in the transaction
that checks the volume is unused), then renames the directory aside and
deletes it, so a crash leaves at worst an unreferenced `.trash-*` directory,
which the next removal sweeps.
"""

from __future__ import annotations

import builtins
import json
import os
import sqlite3
import stat
import time
from datetime import datetime, timezone
from pathlib import Path

from nerdpy.errors import AlreadyExists, Conflict, InvalidArgument, NotFound, NotImplementedYet
from nerdpy.metadata.db import Database, open_database
from nerdpy.paths import private_dirs
from nerdpy.records import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterable, Mapping

    from nerdpy.config import Settings

DOMAIN = "volumes"
MIGRATIONS = (
    """
    CREATE TABLE volumes (
        name TEXT PRIMARY KEY, driver TEXT NOT NULL, labels TEXT NOT NULL, options TEXT NOT NULL,
        created TEXT NOT NULL, anonymous INTEGER NOT NULL DEFAULT 0);
    CREATE TABLE volume_users (
        volume TEXT NOT NULL REFERENCES volumes(name), container_id TEXT NOT NULL,
        PRIMARY KEY (volume, container_id));
    CREATE INDEX volume_users_by_container ON volume_users(container_id);
    CREATE TABLE container_mounts (container_id TEXT PRIMARY KEY, mounts TEXT NOT NULL);
    """,
    # When the use was recorded: a container is recorded here before its own record
    # exists, so a sweep of stale uses must leave young ones alone.
    "ALTER TABLE volume_users ADD COLUMN since REAL NOT NULL DEFAULT 0",
)
STALE_AFTER_S = 120.0
ANONYMOUS_LABEL = "com.docker.volume.anonymous"  # Docker >= 23 marks anonymous volumes so
LOCAL_OPTION_KEYS = ("type", "device", "o", "size")


@record
class Volume:
    name: str
    driver: str
    labels: Mapping[str, str]
    options: Mapping[str, str]
    created: str
    anonymous: bool
    mountpoint: Path
    users: tuple[str, ...] = field(default=())

    def inspect(self) -> dict:
        """Docker's `volume inspect` object."""
        return {
            "CreatedAt": self.created,
            "Driver": self.driver,
            "Labels": dict(self.labels),
            "Mountpoint": str(self.mountpoint),
            "Name": self.name,
            "Options": dict(self.options),
            "Scope": "local",
        }


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def check_options(driver: str, options: Mapping[str, str]) -> None:
    if driver != "local":
        raise NotImplementedYet(f"volume driver {driver!r} is not supported", hint="only the local driver exists")
    for key in options:
        if key not in LOCAL_OPTION_KEYS:
            raise InvalidArgument(f"invalid option key: {key!r}", hint="the local driver takes type, device, o")
    if "size" in options:
        raise NotImplementedYet("volume option size needs a quota-capable filesystem, which nerdpy does not manage")
    if ("type" in options) != ("device" in options):
        raise InvalidArgument("the local driver needs both type and device options (e.g. --opt type=tmpfs --opt device=tmpfs)")
    words = options.get("o", "").split(",")
    if ("bind" in words or "rbind" in words) and not os.path.isdir(options.get("device", "")):
        raise InvalidArgument(f"volume device {options.get('device', '')!r} for o=bind is not an existing directory")


class VolumeStore:
    def __init__(self, settings: "Settings") -> None:
        self.root = settings.layout.volumes_dir
        self.db: Database = open_database(settings.layout.meta_db)
        self.db.ensure_schema(DOMAIN, MIGRATIONS)

    def path(self, name: str) -> Path:
        return self.root / name / "_data"

    def _volume(self, row: sqlite3.Row, users: Iterable[str] = ()) -> Volume:
        return Volume(
            name=row["name"],
            driver=row["driver"],
            labels=json.loads(row["labels"]),
            options=json.loads(row["options"]),
            created=row["created"],
            anonymous=bool(row["anonymous"]),
            mountpoint=self.path(row["name"]),
            users=tuple(users),
        )

    def _prepare_dir(self, name: str) -> None:
        private_dirs(self.root)
        (self.root / name).mkdir(mode=0o700, exist_ok=True)  # a setuid file in a volume stays out of reach
        self.path(name).mkdir(mode=0o755, exist_ok=True)  # the volume's root as containers see it

    def create(
        self,
        name: str,
        labels: Mapping[str, str] | None = None,
        options: Mapping[str, str] | None = None,
        driver: str = "local",
        anonymous: bool = False,
        exist_ok: bool = True,
    ) -> Volume:
        """Create the volume (idempotent like Docker's, unless `exist_ok` is false)."""
        labels = dict(labels or {})
        options = dict(options or {})
        check_options(driver, options)
        if anonymous:
            labels.setdefault(ANONYMOUS_LABEL, "")
        existing = self.find(name)
        if existing is not None:
            if not exist_ok:
                raise AlreadyExists(f"volume {name} already exists")
            if options and dict(existing.options) != options:
                raise Conflict(f"create {name}: volume already exists with different options")
            self._prepare_dir(name)
            return existing
        self._prepare_dir(name)
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO volumes(name, driver, labels, options, created, anonymous) VALUES(?,?,?,?,?,?)",
                (name, driver, json.dumps(labels, sort_keys=True), json.dumps(options, sort_keys=True), _now(), int(anonymous)),
            )
        found = self.find(name)
        assert found is not None
        return found

    def find(self, name: str) -> Volume | None:
        rows = self.db.query("SELECT * FROM volumes WHERE name = ?", (name,))
        if not rows:
            return None
        users = [r[0] for r in self.db.query("SELECT container_id FROM volume_users WHERE volume = ? ORDER BY container_id", (name,))]
        return self._volume(rows[0], users)

    def get(self, name: str) -> Volume:
        volume = self.find(name)
        if volume is None:
            raise NotFound(f"no such volume: {name}")
        return volume

    def list(self) -> list[Volume]:
        users: dict[str, list[str]] = {}
        for row in self.db.query("SELECT volume, container_id FROM volume_users ORDER BY container_id"):
            users.setdefault(row[0], []).append(row[1])
        return [self._volume(r, users.get(r["name"], ())) for r in self.db.query("SELECT * FROM volumes ORDER BY name")]

    def remove(self, name: str) -> None:
        """Delete an unused volume: record first (checked in the same transaction), then its files."""
        with self.db.transaction(freeing=True) as conn:
            if conn.execute("SELECT 1 FROM volumes WHERE name = ?", (name,)).fetchone() is None:
                raise NotFound(f"no such volume: {name}")
            users = [r[0] for r in conn.execute("SELECT container_id FROM volume_users WHERE volume = ?", (name,))]
            if users:
                short = ", ".join(u[:12] for u in users)
                raise Conflict(f"remove {name}: volume is in use - [{short}]", hint="remove the container(s) first")
            conn.execute("DELETE FROM volumes WHERE name = ?", (name,))
        self._delete_dir(name)

    def _delete_dir(self, name: str) -> None:
        target = self.root / name
        # Never delete through a mount (a bind-type volume's device is the user's data).
        from nerdpy.volumes.local import mounts_under, unmount_all

        unmount_all(str(target))
        if mounts_under(str(target)):
            raise Conflict(f"remove {name}: {target} still has mounts")
        trash = self.root / f".trash-{os.getpid()}-{os.urandom(4).hex()}"  # a 255-byte name has no room to grow
        try:
            os.rename(target, trash)
        except FileNotFoundError:
            return
        from nerdpy.linux.rmtree import remove_quietly

        # A volume's content is the containers' (any depth, any symlinks): iterative, fd-based removal.
        remove_quietly(trash)
        for stale in self.root.glob(".trash-*"):
            remove_quietly(stale)

    # --- container use ------------------------------------------------------

    def attach(self, container_id: str, volumes: Iterable[str], mounts_json: str) -> None:
        """Record in one transaction which volumes a container uses and its mounts."""
        with self.db.transaction() as conn:
            for name in sorted(set(volumes)):
                if conn.execute("SELECT 1 FROM volumes WHERE name = ?", (name,)).fetchone() is None:
                    raise NotFound(f"no such volume: {name}", hint="it was removed while the container was being created")
                conn.execute("INSERT OR IGNORE INTO volume_users(volume, container_id, since) VALUES(?, ?, ?)",
                             (name, container_id, time.time()))
            conn.execute(
                "INSERT INTO container_mounts(container_id, mounts) VALUES(?, ?) "
                "ON CONFLICT(container_id) DO UPDATE SET mounts = excluded.mounts",
                (container_id, mounts_json),
            )

    def detach(self, container_id: str) -> builtins.list[str]:  # `list` here is the method above
        """Forget a container; returns the volumes it used that nobody uses now."""
        with self.db.transaction(freeing=True) as conn:
            names = [r[0] for r in conn.execute("SELECT volume FROM volume_users WHERE container_id = ?", (container_id,))]
            conn.execute("DELETE FROM volume_users WHERE container_id = ?", (container_id,))
            conn.execute("DELETE FROM container_mounts WHERE container_id = ?", (container_id,))
            unused = [n for n in names if conn.execute("SELECT 1 FROM volume_users WHERE volume = ?", (n,)).fetchone() is None]
        return unused

    def container_mounts(self, container_id: str) -> str | None:
        rows = self.db.query("SELECT mounts FROM container_mounts WHERE container_id = ?", (container_id,))
        return rows[0][0] if rows else None

    def users(self, older_than: float = 0.0) -> set[str]:
        """Containers recorded as using a volume, at least `older_than` seconds ago."""
        rows = self.db.query("SELECT DISTINCT container_id FROM volume_users WHERE since <= ?", (time.time() - older_than,))
        return {r[0] for r in rows}

    def forget_containers(self, container_ids: Iterable[str]) -> None:
        """Drop use records of containers that no longer exist (stale after a crash)."""
        for cid in container_ids:
            self.detach(cid)


def directory_size(path: Path) -> int:
    """Bytes of the regular files below `path`, each inode once (what prune reclaims)."""
    seen: set[int] = set()
    total = 0
    stack = [os.fspath(path)]
    while stack:  # iterative: a volume's tree can be as deep as its containers made it
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(st.st_mode):
                stack.append(entry.path)
            elif stat.S_ISREG(st.st_mode) and st.st_ino not in seen:
                seen.add(st.st_ino)
                total += st.st_size
    return total
