"""Content store: verified commits, resume, concurrent writers, full disk, no partial blobs."""

from __future__ import annotations

import errno
import hashlib
import multiprocessing
import os
from pathlib import Path

import pytest

from nerdpy.content import Descriptor
from nerdpy.content.store import ContentStore
from nerdpy.errors import DataCorrupted, NotFound, Unavailable


def desc(data: bytes) -> Descriptor:
    return Descriptor("application/octet-stream", "sha256:" + hashlib.sha256(data).hexdigest(), len(data))


@pytest.fixture
def store(tmp_path: Path) -> ContentStore:
    return ContentStore(tmp_path / "content")


def test_add_read_walk_delete(store):
    d = store.add_bytes(b"hello")
    assert store.has(d) and store.read_bytes(d, 10) == b"hello"
    assert store.info(d).size == 5
    assert [i.digest for i in store.walk()] == [d]
    assert oct(os.stat(store.path(d)).st_mode & 0o777) == "0o400"  # immutable and private
    store.delete(d)
    assert not store.has(d)
    with pytest.raises(NotFound):
        store.open(d)


def test_wrong_digest_is_refused_and_nothing_visible(store):
    bad = Descriptor("x", "sha256:" + "0" * 64, 5)
    with pytest.raises(DataCorrupted):
        with store.writer("r", bad) as w:
            w.write(b"hello")
            w.commit()
    assert list(store.walk()) == []
    assert list(store.walk_ingests()) == []  # a verification failure discards the partial data


def test_more_bytes_than_expected_is_refused(store):
    with pytest.raises(DataCorrupted):
        with store.writer("r", desc(b"abc")) as w:
            w.write(b"abcd")


def test_resume_after_interruption(store):
    data = b"0123456789" * 1000
    with store.writer("layer", desc(data)) as w:
        w.write(data[:3000])  # the process "dies" here: no commit
    assert [(ref, off) for ref, off, _ in store.walk_ingests()] == [("layer", 3000)]
    with store.writer("layer", desc(data)) as w:
        assert w.offset == 3000
        w.write(data[3000:])
        assert w.commit() == desc(data).digest
    assert store.read_bytes(desc(data).digest, len(data)) == data
    assert list(store.walk_ingests()) == []


def test_read_bytes_verifies_and_caps(store):
    d = store.add_bytes(b"x" * 100)
    with pytest.raises(DataCorrupted, match="limit"):
        store.read_bytes(d, 10)
    os.chmod(store.path(d), 0o644)
    store.path(d).write_bytes(b"y" * 100)  # corrupted on disk
    with pytest.raises(DataCorrupted, match="does not match"):
        store.read_bytes(d, 1000)


def test_second_writer_sees_existing_blob(store):
    data = b"same"
    store.add_bytes(data)
    with store.writer("again", desc(data)) as w:
        assert w.exists
        assert w.commit() == desc(data).digest  # nothing written: the committed blob stands


def _write_slowly(root: str, data: bytes, ready, results) -> None:
    store = ContentStore(Path(root))
    d = desc(data)
    with store.writer("shared-ref", d) as w:
        ready.set()
        if not w.exists:
            w.truncate(0)
            for i in range(0, len(data), 4096):
                w.write(data[i:i + 4096])
            w.commit()
        results.put((os.getpid(), w.exists))


def test_two_processes_writing_one_ref(store):
    data = os.urandom(1 << 20)
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    events = [ctx.Event(), ctx.Event()]
    procs = [ctx.Process(target=_write_slowly, args=(str(store.root), data, e, results)) for e in events]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    outcomes = sorted(results.get(timeout=5)[1] for _ in procs)
    assert outcomes == [False, True]  # one wrote it, the other waited and found it committed
    assert store.read_bytes(desc(data).digest, len(data)) == data
    assert len(list(store.walk())) == 1


def test_lock_fd_is_close_on_exec(store):
    with store.writer("ref") as w:
        flags = [os.get_inheritable(int(fd)) for fd in os.listdir("/proc/self/fd")
                 if os.path.exists(f"/proc/self/fd/{fd}") and "ingest" in os.readlink(f"/proc/self/fd/{fd}")]
        assert flags and not any(flags)
        w.write(b"x")


def test_disk_full_leaves_no_partial_blob(store, monkeypatch):
    real_write = os.write

    def full(fd, data):
        if len(data) > 10:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(Unavailable, match="no space left"):
        with store.writer("big", desc(b"z" * 100)) as w:
            w.write(b"z" * 100)
    monkeypatch.undo()
    assert list(store.walk()) == [] and list(store.walk_ingests()) == []


def test_bad_digest_text_is_invalid(store):
    from nerdpy.errors import InvalidArgument

    with pytest.raises(InvalidArgument):
        store.has("sha256:xyz")


def test_prune_ingests_spares_owned_and_resumable_refs(store):
    with store.writer("pull-abc") as w:
        w.write(b"partial")
    with store.writer("load-123") as w:
        w.write(b"partial")
    assert store.prune_ingests(older_than_s=3600, any_age=("load-",)) == 1
    assert [ref for ref, _, _ in store.walk_ingests()] == ["pull-abc"]
    with store.writer("pull-abc") as w:  # owned right now: never removed
        assert store.prune_ingests(older_than_s=0) == 0
        w.truncate(0)
    assert store.prune_ingests(older_than_s=0) == 1
