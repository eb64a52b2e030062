"""The sqlite connection: WAL, busy timeout, IMMEDIATE transactions, per-domain migrations."""

from __future__ import annotations

import _sqlite3 as sqlite3  # the C module: the `sqlite3` package adds only datetime adapters (~1.5 ms)
import os
from _thread import get_ident  # the C module: no `threading` import on the run path
from contextlib import contextmanager
from pathlib import Path

from nerdpy.errors import DataCorrupted, Unavailable
from nerdpy.paths import private_dirs

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator, Sequence

BUSY_TIMEOUT_S = 30.0


class Database:
    def __init__(self, path: Path) -> None:
        self.path = path
        private_dirs(path.parent)
        # sqlite creates the file 0644 and gives -wal/-shm the file's mode: make it 0600 first.
        os.close(os.open(path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o600))
        try:
            # isolation_level=None: we issue BEGIN ourselves, so transactions are explicit.
            self.conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self.conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_versions (domain TEXT PRIMARY KEY, version INTEGER NOT NULL)"
            )
        except sqlite3.DatabaseError as exc:
            raise _translate(exc, path) from None
        self._known: dict[str, int] = {}

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken up front (BEGIN IMMEDIATE) so it never
        has to upgrade a read lock and deadlock with another writer."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as exc:
            raise _translate(exc, self.path) from None
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                self.conn.execute("ROLLBACK")
                raise _translate(exc, self.path) from None

    def query(self, sql: str, params: Sequence = ()) -> list[sqlite3.Row]:
        try:
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise _translate(exc, self.path) from None

    def ensure_schema(self, domain: str, migrations: Sequence[str]) -> None:
        """Apply `migrations[version:]` for `domain`; each entry is one SQL script."""
        if self._known.get(domain) == len(migrations):
            return
        row = self.conn.execute("SELECT version FROM schema_versions WHERE domain = ?", (domain,)).fetchone()
        if row is None or row[0] < len(migrations):
            with self.transaction() as conn:
                row = conn.execute("SELECT version FROM schema_versions WHERE domain = ?", (domain,)).fetchone()
                current = row[0] if row else 0
                for script in migrations[current:]:
                    for statement in _statements(script):
                        conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_versions(domain, version) VALUES(?, ?) "
                    "ON CONFLICT(domain) DO UPDATE SET version = excluded.version",
                    (domain, len(migrations)),
                )
        elif row[0] > len(migrations):
            raise DataCorrupted(
                f"{self.path}: {domain} schema version {row[0]} is newer than this nerdpy understands",
                hint="upgrade nerdpy",
            )
        self._known[domain] = len(migrations)

    def close(self) -> None:
        self.conn.close()


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def _translate(exc: sqlite3.DatabaseError, path: Path) -> Exception:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return Unavailable(f"metadata database {path} is busy: {text}", hint="another nerdpy command holds it; retry")
    if isinstance(exc, sqlite3.OperationalError) and ("disk" in text or "readonly" in text):
        return Unavailable(f"metadata database {path}: {text}")
    return DataCorrupted(f"metadata database {path}: {text}")


_open: dict[tuple[str, int], Database] = {}


def open_database(path: Path) -> Database:
    """One connection per process, thread and path (commands open it many times;
    sqlite objects may not cross threads, and compose converges services in threads)."""
    key = (os.fspath(path), get_ident())
    db = _open.get(key)
    if db is None:
        db = _open[key] = Database(path)
        if not db.query("SELECT 1 FROM schema_versions WHERE domain = 'private-store' AND version >= 1"):
            # Once per store, ever: stores before it were made under the umask (issue 12).
            from nerdpy.metadata.privacy import make_store_private

            make_store_private(db)
    return db
