"""A store an older nerdpy left open is made private once (issue 12, finding 1)."""

from __future__ import annotations

import os
import stat

from nerdpy.metadata.db import _open, open_database


def _mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_new_store_and_meta_db_are_private(tmp_path):
    root = tmp_path / "a" / "b" / "store"
    db = open_database(root / "meta.db")
    with db.transaction() as conn:
        conn.execute("CREATE TABLE t(x)")  # a write: the -wal file exists
    assert _mode(tmp_path / "a") == 0o700 and _mode(root) == 0o700
    for name in ("meta.db", "meta.db-wal", "meta.db-shm"):
        assert _mode(root / name) == 0o600, name
    for key in [k for k in _open if k[0] == os.fspath(root / "meta.db")]:
        _open.pop(key).close()


def test_old_store_tightened_once_and_container_trees_left_alone(tmp_path):
    old = os.umask(0o022)
    try:
        root = tmp_path / "store"
        cdir = root / "containers" / "c1"
        (cdir / "rootfs").mkdir(parents=True)
        (root / "snapshots" / "overlay" / "snapshots" / "1" / "fs" / "bin").mkdir(parents=True)
        (root / "volumes" / "v" / "_data").mkdir(parents=True)
        for f in ("config.json", "hosts"):
            (cdir / f).write_text("{}")
        (root / "meta.db").write_bytes(b"")
    finally:
        os.umask(old)
    os.chmod(root, 0o755)
    open_database(root / "meta.db")
    assert _mode(root) == 0o700 and _mode(cdir) == 0o700 and _mode(cdir / "rootfs") == 0o700
    assert _mode(cdir / "config.json") == 0o600 and _mode(root / "meta.db") == 0o600
    assert _mode(cdir / "hosts") == 0o644  # bind-mounted: container users read it
    assert _mode(root / "snapshots" / "overlay" / "snapshots" / "1") == 0o700
    assert _mode(root / "snapshots" / "overlay" / "snapshots" / "1" / "fs") == 0o755  # the container's /
    assert _mode(root / "snapshots" / "overlay" / "snapshots" / "1" / "fs" / "bin") == 0o755
    assert _mode(root / "volumes" / "v") == 0o700 and _mode(root / "volumes" / "v" / "_data") == 0o755
    for key in [k for k in _open if k[0] == os.fspath(root / "meta.db")]:
        _open.pop(key).close()
    os.chmod(cdir / "config.json", 0o644)
    open_database(root / "meta.db")  # recorded: no second walk
    assert _mode(cdir / "config.json") == 0o644
    for key in [k for k in _open if k[0] == os.fspath(root / "meta.db")]:
        _open.pop(key).close()
