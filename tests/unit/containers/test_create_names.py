"""Generated names: a conflict with an existing container draws again, as Docker does."""

from __future__ import annotations

from pathlib import Path

from nerdpy.config import Settings
from nerdpy.containers import CreateOptions, create, names
from nerdpy.containers.record import build_record
from nerdpy.containers.store import ContainerStore, new_id
from nerdpy.paths import Layout


def test_a_generated_name_that_is_taken_is_drawn_again(tmp_path: Path, monkeypatch):
    settings = Settings(layout=Layout(tmp_path / "data", tmp_path / "run", tmp_path / "cfg"),
                        rootless=False, host_uid=0, host_gid=0)
    store = ContainerStore(settings)
    opts = CreateOptions(rootfs=str(tmp_path), command=["true"])
    store.add(build_record(settings, opts, None, "taken_name", new_id()))
    draws = iter(["taken_name", "taken_name", "free_name"])
    monkeypatch.setattr(names, "random_name", lambda: next(draws))
    record = create._add_with_random_name(settings, store, opts, None, new_id())
    assert record.name == "free_name"
    assert sorted(c.name for c in store.list()) == ["free_name", "taken_name"]
