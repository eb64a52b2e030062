"""Volume use cases: filters, prune rules, stale-use sweep."""

from __future__ import annotations

from pathlib import Path

import pytest

from nerdpy.api import volumes as api
from nerdpy.config import Settings
from nerdpy.errors import Conflict, InvalidArgument
from nerdpy.paths import Layout
from nerdpy.volumes import resolve_mounts
from nerdpy.volumes.store import VolumeStore


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    layout = Layout(tmp_path / "data", tmp_path / "run", tmp_path / "cfg")
    return Settings(layout=layout, rootless=False, host_uid=0, host_gid=0)


@pytest.fixture
def live(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    containers: set[str] = set()
    monkeypatch.setattr(api, "_existing_containers", lambda settings: set(containers))
    return containers


def names(vols) -> list[str]:
    return [v.name for v in vols]


def test_filters(settings: Settings, live: set[str]) -> None:
    api.create(settings, "alpha", labels={"tier": "db", "x": ""})
    api.create(settings, "beta", labels={"tier": "web"})
    live.add("c1")
    resolve_mounts(settings, "c1", ["beta:/b"])
    assert names(api.list_volumes(settings, ["label=tier=db"])) == ["alpha"]
    assert names(api.list_volumes(settings, ["label=tier"])) == ["alpha", "beta"]
    assert names(api.list_volumes(settings, ["label=tier", "label=x"])) == ["alpha"]
    assert names(api.list_volumes(settings, ["label!=x"])) == ["beta"]
    assert names(api.list_volumes(settings, ["name=lph"])) == ["alpha"]
    assert names(api.list_volumes(settings, ["name=alpha", "name=beta"])) == ["alpha", "beta"]
    assert names(api.list_volumes(settings, ["dangling=true"])) == ["alpha"]
    assert names(api.list_volumes(settings, ["dangling=false"])) == ["beta"]
    assert names(api.list_volumes(settings, ["driver=local", "dangling=1"])) == ["alpha"]
    with pytest.raises(InvalidArgument):
        api.list_volumes(settings, ["size=1"])


def test_prune_anonymous_only_unless_all(settings: Settings, live: set[str]) -> None:
    api.create(settings, "named")
    live.add("c1")
    mounts = resolve_mounts(settings, "c1", ["/busy"])
    busy = mounts[0].volume
    free = resolve_mounts(settings, "c2", ["/free"])[0].volume
    from nerdpy.volumes import release

    release(settings, "c2", remove_anonymous=False)
    (Path(VolumeStore(settings).path(free)) / "blob").write_bytes(b"x" * 1500)
    report = api.prune(settings)
    assert report.deleted == (free,) and report.reclaimed == 1500
    assert api.prune(settings, all_volumes=True).deleted == ("named",)
    assert names(api.list_volumes(settings)) == [busy]
    with pytest.raises(Conflict):
        api.remove(settings, busy)


def test_prune_label_filters_and_all_filter(settings: Settings, live: set[str]) -> None:
    api.create(settings, "keep1", labels={"keep": "1"})
    api.create(settings, "drop1")
    assert api.prune(settings, ["label!=keep"], all_volumes=True).deleted == ("drop1",)
    assert api.prune(settings, ["all=true", "label=keep=1"]).deleted == ("keep1",)
    with pytest.raises(InvalidArgument):
        api.prune(settings, ["dangling=true"])


def test_stale_uses_are_swept_only_when_old(settings: Settings, live: set[str], monkeypatch) -> None:
    resolve_mounts(settings, "ghost", ["haunted:/h"])
    # Young: the container record may not be written yet, so the use stands.
    with pytest.raises(Conflict):
        api.remove(settings, "haunted")
    store = VolumeStore(settings)
    store.db.conn.execute("UPDATE volume_users SET since = since - 1000")
    api.remove(settings, "haunted")
    assert store.find("haunted") is None


def test_sweep_keeps_uses_of_existing_containers(settings: Settings, live: set[str]) -> None:
    live.add("real")
    resolve_mounts(settings, "real", ["kept:/k"])
    VolumeStore(settings).db.conn.execute("UPDATE volume_users SET since = since - 1000")
    assert api.list_volumes(settings)[0].users == ("real",)


def test_no_container_store_means_no_sweep(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "_existing_containers", lambda settings: None)
    resolve_mounts(settings, "ghost", ["held:/h"])
    VolumeStore(settings).db.conn.execute("UPDATE volume_users SET since = since - 1000")
    with pytest.raises(Conflict):
        api.remove(settings, "held")


def test_create_validates_and_nameless_is_not_anonymous(settings: Settings) -> None:
    with pytest.raises(InvalidArgument):
        api.create(settings, "bad/name")
    vol = api.create(settings, None)
    assert len(vol.name) == 64 and not vol.anonymous
