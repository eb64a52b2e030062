"""The sqlite connection: WAL, busy timeout, IMMEDIATE transactions, per-domain migrations."""

from __future__ import annotations

import _sqlite3 as sqlite3  # the C module: the `sqlite3` package adds only datetime adapters (~1.5 ms)
import os
import time  # built in: no import cost
from _thread import get_ident  # the C module: no `threading` import on the run path
from contextlib import contextmanager
from pathlib import Path

from nerdpy.errors import DataCorrupted, Unavailable
from nerdpy.paths import private_dirs

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Iterator, Sequence

BUSY_TIMEOUT_S = 30.0
RESERVE_BYTES = 1 << 20  # kept free for the database (see Database._keep_reserve)
LOW_SPACE = 512 << 10
_statvfs = os.statvfs  # bound once: tests that fake os.statvfs for mount flags must not reach here


class Database:
    def __init__(self, path: Path) -> None:
        self.path = path
        private_dirs(path.parent)
        # sqlite creates the file 0644 and gives -wal/-shm the file's mode: make it 0600 first.
        # Only when it is new (O_EXCL): closing any fd of an open database drops every POSIX
        # lock this process holds on it, which breaks the other threads' connections (compose).
        try:
            os.close(os.open(path, os.O_RDONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600))
        except FileExistsError:
            pass
        try:
            # isolation_level=None: we issue BEGIN ourselves, so transactions are explicit.
            self.conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except sqlite3.DatabaseError as exc:
            raise _translate(exc, path) from None
        self.conn.row_factory = sqlite3.Row
        self._retrying(self._setup)
        self._known: dict[str, int] = {}
        self._full = False  # a schema could not be created: no space left

    def _setup(self) -> None:
        mode = self.conn.execute("PRAGMA journal_mode").fetchall()[0][0]
        if mode != "wal":  # a new database: switching takes the write lock, so only then
            self.conn.execute("PRAGMA journal_mode=WAL").fetchall()
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        if not self.conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_versions'").fetchall():
            # Only a new database is written to here: read-only commands must work on a full disk.
            self.conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_versions (domain TEXT PRIMARY KEY, version INTEGER NOT NULL)")

    @contextmanager
    def transaction(self, freeing: bool = False) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken up front (BEGIN IMMEDIATE) so it never
        has to upgrade a read lock and deadlock with another writer. Keep it
        short: no network or heavy disk work inside. `freeing`: a removal (rm,
        rmi, prune), which may use the reserve on a full disk."""
        self._keep_reserve(freeing)
        self._retrying(lambda: self.conn.execute("BEGIN IMMEDIATE"))
        try:
            yield self.conn
        except sqlite3.IntegrityError:  # a constraint: callers turn it into their own error
            self._rollback()
            raise
        except sqlite3.DatabaseError as exc:  # a full disk, I/O: one nerdpy error, not a traceback
            self._rollback()
            raise _translate(exc, self.path) from None
        except BaseException:
            self._rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            self._rollback()
            raise _translate(exc, self.path) from None

    def _keep_reserve(self, freeing: bool) -> None:
        """A reserve file beside the database, given up on a (nearly) full disk to the
        writes that free space (`rm`, `rmi`, `prune`: a few WAL pages each), so users can
        free space with nerdpy itself; made again once there is room. Other writes fail
        with the real error and leave it. statvfs costs microseconds per transaction."""
        try:
            st = _statvfs(self.path.parent)
        except OSError:
            return
        free = st.f_bavail * st.f_frsize
        reserve = self.path.with_name(self.path.name + ".reserve")
        if free < LOW_SPACE and freeing:
            try:
                os.unlink(reserve)
            except FileNotFoundError:
                pass
        elif free > 16 * RESERVE_BYTES and not os.path.exists(reserve):
            try:
                fd = os.open(reserve, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
            except OSError:
                return  # another process is making it
            try:
                os.write(fd, bytes(RESERVE_BYTES))
            except OSError:
                pass
            finally:
                os.close(fd)

    def _retrying(self, step: Callable[[], object]) -> None:
        """Run `step`, retried with backoff while the database is busy: the busy handler
        covers most waits, but SQLite answers BUSY at once where waiting could deadlock
        (a new database switching to WAL, WAL recovery, a stale read snapshot), and
        those clear within milliseconds once the other process moves on."""
        delay = 0.005
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                step()
                return
            except sqlite3.DatabaseError as exc:
                if not _is_busy(exc) or time.monotonic() >= deadline:
                    raise _translate(exc, self.path) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.25)

    def _rollback(self) -> None:
        """Roll back what is still open. SQLite already rolled back by itself after
        some errors (SQLITE_FULL, SQLITE_IOERR): a second ROLLBACK would fail with
        "no transaction is active" and hide the real error, so it is not sent."""
        if not self.conn.in_transaction:
            return
        try:
            self.conn.execute("ROLLBACK")
        except sqlite3.DatabaseError:  # the error being raised already says what went wrong
            pass

    def query(self, sql: str, params: Sequence = ()) -> list[sqlite3.Row]:
        try:
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise _translate(exc, self.path) from None

    def ensure_schema(self, domain: str, migrations: Sequence[str]) -> None:
        """Apply `migrations[version:]` for `domain`; each entry is one SQL script."""
        if self._known.get(domain) == len(migrations):
            return
        rows = self.query("SELECT version FROM schema_versions WHERE domain = ?", (domain,))
        row = rows[0] if rows else None
        if row is None and self._full:
            self._empty_domain(migrations)
        elif row is None or row[0] < len(migrations):
            try:
                self._migrate(domain, migrations)
            except Unavailable as exc:
                if row is not None or not _is_full(exc.message):
                    raise
                self._full = True
                self._empty_domain(migrations)
        elif row[0] > len(migrations):
            raise DataCorrupted(
                f"{self.path}: {domain} schema version {row[0]} is newer than this nerdpy understands",
                hint="upgrade nerdpy",
            )
        self._known[domain] = len(migrations)

    def _migrate(self, domain: str, migrations: Sequence[str]) -> None:
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

    def _empty_domain(self, migrations: Sequence[str]) -> None:
        """A domain never used before, on a full disk: it is empty, so its tables are made
        in this connection's in-memory temp schema, where reads (`ps`, `volume ls`, `system
        df`) find nothing and writes are refused (they could not be stored anyway)."""
        self.conn.execute("PRAGMA temp_store=MEMORY")
        self.conn.set_authorizer(None)
        for script in migrations:
            for statement in _statements(script):
                if statement.upper().startswith("CREATE TABLE"):
                    self.conn.execute("CREATE TEMP TABLE" + statement[len("CREATE TABLE"):])
                elif not statement.upper().startswith("CREATE INDEX"):  # ALTER TABLE ... ADD COLUMN
                    self.conn.execute(statement)
        self.conn.set_authorizer(_no_temp_writes)

    def close(self) -> None:
        self.conn.close()


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


_SQLITE_DENY, _SQLITE_OK = 1, 0
_WRITES = (9, 18, 23)  # SQLITE_DELETE, SQLITE_INSERT, SQLITE_UPDATE


def _no_temp_writes(action: int, table: str | None, _arg: str | None, database: str | None,
                    _trigger: str | None) -> int:
    if action in _WRITES and database == "temp" and not (table or "").startswith("sqlite_"):
        return _SQLITE_DENY
    return _SQLITE_OK


def _is_full(text: str) -> bool:
    return "no space left" in text


def _is_busy(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc)
    return "locked" in text or "busy" in text


def _translate(exc: sqlite3.DatabaseError, path: Path) -> Exception:
    text = str(exc)
    if _is_busy(exc):
        return Unavailable(f"metadata database {path} is busy: {text}", hint="another nerdpy command holds it; retry")
    if "disk is full" in text or "not authorized" in text:  # SQLITE_FULL, or an _empty_domain write
        return Unavailable(f"metadata database {path}: no space left on device",
                           hint="free disk space (`nerdpy system prune`, `nerdpy rmi`) and retry")
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
