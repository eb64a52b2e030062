"""The metadata database never hides the real error behind its own rollback (issue 18)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nerdpy.errors import DataCorrupted, Unavailable
from nerdpy.metadata.db import Database


def test_the_real_error_survives_when_sqlite_already_rolled_back(tmp_path: Path) -> None:
    db = Database(tmp_path / "meta.db")
    db.ensure_schema("t", ("CREATE TABLE t (x INTEGER)",))
    with pytest.raises(Unavailable, match="no space left on device"), db.transaction() as conn:
        conn.execute("INSERT INTO t VALUES (1)")
        conn.execute("ROLLBACK")  # what SQLite does by itself after SQLITE_FULL
        raise Unavailable("no space left on device while storing x")
    assert db.query("SELECT count(*) FROM t")[0][0] == 0
    with db.transaction() as conn:  # and the connection is usable again
        conn.execute("INSERT INTO t VALUES (2)")
    assert db.query("SELECT x FROM t")[0][0] == 2


def test_sqlite_errors_inside_a_transaction_are_nerdpy_errors(tmp_path: Path) -> None:
    db = Database(tmp_path / "meta.db")
    with pytest.raises(DataCorrupted, match="no such table"), db.transaction() as conn:
        conn.execute("INSERT INTO missing VALUES (1)")
    assert not db.conn.in_transaction
