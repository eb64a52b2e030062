"""Container records in sqlite (domain "containers") and their on-disk state.

Schema::

    containers
      id       TEXT PK      64 hex digits
      name     TEXT UNIQUE  without the leading "/" (the UNIQUE index is what makes
                            20 concurrent `run -d --name x` give one winner)
      image    TEXT         as the user named it
      image_id TEXT         config digest ("" for --rootfs)
      created  REAL         unix time
      config   TEXT         JSON: {"Config": {...}, "HostConfig": {...}, "Runtime": {...}}
"""

from __future__ import annotations

import _sqlite3 as sqlite3  # the C module: the `sqlite3` package adds only datetime adapters (~1.5 ms)
import json
import os
from pathlib import Path

from nerdpy.config import Settings
from nerdpy.containers import Container, State
from nerdpy.errors import AlreadyExists, InvalidArgument, NotFound
from nerdpy.metadata.db import Database, open_database

DOMAIN = "containers"
MIGRATIONS = [
    """
    CREATE TABLE containers (
        id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, image TEXT NOT NULL,
        image_id TEXT NOT NULL, created REAL NOT NULL, config TEXT NOT NULL)
    """,
]


class ContainerStore:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db: Database = open_database(settings.layout.meta_db)
        self.db.ensure_schema(DOMAIN, MIGRATIONS)

    # -- paths -------------------------------------------------------------------
    def dir(self, container_id: str) -> Path:
        return self.settings.layout.containers_dir / container_id

    def shim_dir(self, container_id: str) -> Path:
        return self.settings.layout.shims_dir / container_id

    def log_path(self, container_id: str) -> Path:
        return self.dir(container_id) / f"{container_id}-json.log"

    # -- records -----------------------------------------------------------------
    def add(self, container: Container) -> None:
        try:
            with self.db.transaction() as conn:
                conn.execute(
                    "INSERT INTO containers(id, name, image, image_id, created, config) VALUES(?,?,?,?,?,?)",
                    (container.id, container.name, container.image, container.image_id, container.created,
                     json.dumps(container.config)),
                )
        except sqlite3.IntegrityError:
            holder = self.db.query("SELECT id FROM containers WHERE name = ?", (container.name,))
            other = holder[0]["id"] if holder else "?"
            raise AlreadyExists(
                f'the container name "/{container.name}" is already in use by container "{other}"',
                hint="remove (or rename) that container to be able to reuse that name",
            ) from None

    def update_config(self, container_id: str, config: dict) -> None:
        with self.db.transaction() as conn:
            conn.execute("UPDATE containers SET config = ? WHERE id = ?", (json.dumps(config), container_id))

    def rename(self, container_id: str, new_name: str) -> None:
        try:
            with self.db.transaction() as conn:
                conn.execute("UPDATE containers SET name = ? WHERE id = ?", (new_name, container_id))
        except sqlite3.IntegrityError:
            raise AlreadyExists(f'the container name "/{new_name}" is already in use') from None

    def remove(self, container_id: str) -> None:
        with self.db.transaction(freeing=True) as conn:
            conn.execute("DELETE FROM containers WHERE id = ?", (container_id,))

    def list(self) -> list[Container]:
        rows = self.db.query("SELECT * FROM containers ORDER BY created DESC")
        return [_container(row) for row in rows]

    def find(self, ref: str) -> Container | None:
        """By full id, exact name, or unique id prefix."""
        if not ref:
            return None
        ref = ref.lstrip("/")
        rows = self.db.query("SELECT * FROM containers WHERE id = ? OR name = ?", (ref, ref))
        exact = [r for r in rows if r["id"] == ref] or [r for r in rows if r["name"] == ref]
        if exact:
            return _container(exact[0])
        if not all(c in "0123456789abcdef" for c in ref):
            return None
        rows = self.db.query("SELECT * FROM containers WHERE id LIKE ? LIMIT 2", (ref + "%",))
        if len(rows) > 1:
            raise InvalidArgument(f"multiple containers match {ref!r}", hint="use more characters of the ID")
        return _container(rows[0]) if rows else None

    def get(self, ref: str) -> Container:
        container = self.find(ref)
        if container is None:
            raise NotFound(f"No such container: {ref}")
        return container

    # -- state -------------------------------------------------------------------
    def state(self, container_id: str) -> State:
        from nerdpy.containers.state import read_state

        return read_state(self.dir(container_id) / "state.json", self.shim_dir(container_id))


def _container(row: sqlite3.Row) -> Container:
    return Container(row["id"], row["name"], row["image"], row["image_id"], row["created"], json.loads(row["config"]))


def new_id() -> str:
    return os.urandom(32).hex()
