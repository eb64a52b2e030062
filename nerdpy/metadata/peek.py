"""Read the metadata database without writing to it: for shell completion.

A completion runs on every TAB, so it must be quick and leave no trace: no
schema creation, no WAL switch, no privacy pass (nerdpy.metadata.db does those
for commands), a short busy timeout, and a missing store reads as empty.
"""

from __future__ import annotations

import _sqlite3 as sqlite3  # the C module (see nerdpy.metadata.db)
from pathlib import Path
from urllib.parse import quote

BUSY_TIMEOUT_S = 0.5  # a TAB that waits longer than this for a writer is worse than no names


def rows(path: Path, sql: str) -> list[tuple]:
    """`sql`'s rows; [] when the database or its table does not exist yet."""
    if not path.exists():
        return []
    # mode=ro: sqlite creates nothing (a store that does not exist stays so).
    conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", timeout=BUSY_TIMEOUT_S, uri=True,
                           isolation_level=None)
    try:
        return conn.execute(sql).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return []
        raise
    finally:
        conn.close()
