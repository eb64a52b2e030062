"""resolve_mounts / release over a real sqlite store in a temp dir."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nerdpy.config import Settings
from nerdpy.errors import Conflict, InvalidArgument
from nerdpy.paths import Layout
from nerdpy.volumes import release, resolve_mounts, to_oci
from nerdpy.volumes.store import ANONYMOUS_LABEL, VolumeStore


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    layout = Layout(tmp_path / "data", tmp_path / "run", tmp_path / "cfg")
    return Settings(layout=layout, rootless=False, host_uid=0, host_gid=0)


def by_dest(mounts):
    return {m.destination: m for m in mounts}


def test_named_anonymous_bind_tmpfs_and_image_volumes(settings: Settings, tmp_path: Path) -> None:
    host = tmp_path / "host"
    mounts = resolve_mounts(
        settings, "c1", [f"{host}:/h:ro", "named:/n", "/anon"], ["type=tmpfs,target=/t,tmpfs-size=1k"],
        ["/run:exec"], {"/img": {}, "/n": {}},
    )
    m = by_dest(mounts)
    assert set(m) == {"/h", "/n", "/anon", "/t", "/run", "/img"}
    assert host.is_dir(), "-v creates a missing host directory"
    assert m["/h"].source == str(host) and m["/h"].read_only and m["/h"].volume is None
    assert m["/n"].volume == "named" and not m["/n"].anonymous
    assert m["/n"].source == str(settings.layout.volumes_dir / "named" / "_data")
    assert m["/anon"].anonymous and m["/img"].anonymous and m["/img"].copy_up
    assert to_oci(m["/t"]) == {"destination": "/t", "type": "tmpfs", "source": "tmpfs",
                               "options": ["noexec", "nosuid", "nodev", "size=1024"]}
    assert to_oci(m["/n"])["options"] == ["rbind", "rprivate", "rw"]
    store = VolumeStore(settings)
    assert store.get("named").users == ("c1",)
    anon = store.get(m["/anon"].volume)
    assert anon.anonymous and ANONYMOUS_LABEL in anon.labels


def test_mounts_are_sorted_parents_first(settings: Settings) -> None:
    mounts = resolve_mounts(settings, "c1", ["/a/b/c", "/a", "/z", "/a/b"])
    assert [m.destination for m in mounts] == ["/a", "/z", "/a/b", "/a/b/c"]


def test_duplicate_destination_is_an_error_and_creates_nothing(settings: Settings) -> None:
    with pytest.raises(InvalidArgument, match="Duplicate mount point: /x"):
        resolve_mounts(settings, "c1", ["one1:/x"], ["type=volume,source=two2,target=/x"])
    assert VolumeStore(settings).list() == []


def test_mount_refuses_missing_bind_source_before_creating_volumes(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match="bind source path does not exist"):
        resolve_mounts(settings, "c1", ["early:/e"], [f"type=bind,source={tmp_path}/missing,target=/m"])
    assert VolumeStore(settings).list() == []
    assert not (tmp_path / "missing").exists()


def test_explicit_mount_overrides_image_volume(settings: Settings) -> None:
    mounts = resolve_mounts(settings, "c1", ["mine:/data"], image_volumes={"/data": {}})
    assert [m.volume for m in mounts] == ["mine"]


def test_release_removes_only_anonymous_and_only_with_flag(settings: Settings) -> None:
    mounts = resolve_mounts(settings, "c1", ["keep:/k", "/anon"])
    anon = by_dest(mounts)["/anon"].volume
    assert release(settings, "c1", remove_anonymous=False) == []
    store = VolumeStore(settings)
    assert store.get(anon).users == () and store.get("keep").users == ()
    resolve_mounts(settings, "c2", [f"{anon}:/again"])
    release(settings, "c2", remove_anonymous=True)
    assert store.find(anon) is None and store.find("keep") is not None
    assert not (settings.layout.volumes_dir / anon).exists()


def test_in_use_volume_cannot_be_removed(settings: Settings) -> None:
    resolve_mounts(settings, "c1", ["busy:/b"])
    with pytest.raises(Conflict, match="volume is in use"):
        VolumeStore(settings).remove("busy")
    release(settings, "c1", remove_anonymous=True)
    VolumeStore(settings).remove("busy")
    assert VolumeStore(settings).find("busy") is None


def test_anonymous_shared_by_volumes_from_survives_first_release(settings: Settings) -> None:
    mounts = resolve_mounts(settings, "src", ["/shared"])
    name = mounts[0].volume
    got = resolve_mounts(settings, "dst", volumes_from=["source-name:ro"], lookup_container=lambda ref: "src")
    assert got[0].volume == name and got[0].read_only
    assert release(settings, "src", remove_anonymous=True) == []
    assert release(settings, "dst", remove_anonymous=True) == [name]


def test_volumes_from_yields_to_explicit_mounts_and_skips_tmpfs(settings: Settings) -> None:
    resolve_mounts(settings, "src", ["aa:/a", "bb:/b"], tmpfs_args=["/t"])
    got = by_dest(resolve_mounts(settings, "dst", ["cc:/b"], volumes_from=["src"]))
    assert set(got) == {"/a", "/b"} and got["/b"].volume == "cc" and not got["/a"].read_only


def test_no_flags_needs_no_database(settings: Settings) -> None:
    assert resolve_mounts(settings, "c1") == []
    assert not settings.layout.meta_db.exists()


def test_readonly_bind_repeats_locked_flags(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    # A source mounted nosuid,nodev: a read-only remount in a user namespace must keep those flags.
    import nerdpy.volumes.resolve as resolve_mod

    class Flags:
        f_flag = os.ST_NOSUID | os.ST_NODEV

    monkeypatch.setattr(resolve_mod.os, "statvfs", lambda path: Flags)
    (m,) = resolve_mounts(settings, "c1", mount_args=["type=bind,source=/proc,target=/p,readonly"])
    assert m.options == ("rbind", "rprivate", "ro", "rro", "nosuid", "nodev")
    (rw,) = resolve_mounts(settings, "c2", mount_args=["type=bind,source=/proc,target=/p"])
    assert rw.options == ("rbind", "rprivate", "rw")


def test_volume_create_conflicting_options(settings: Settings) -> None:
    store = VolumeStore(settings)
    store.create("optv", options={"type": "tmpfs", "device": "tmpfs"})
    assert store.create("optv").name == "optv"  # idempotent without options
    with pytest.raises(Conflict):
        store.create("optv", options={"type": "tmpfs", "device": "tmpfs", "o": "size=1m"})
    with pytest.raises(InvalidArgument, match="invalid option key"):
        store.create("other", options={"bogus": "1"})


def test_readonly_tmpfs_mount(settings: Settings) -> None:
    (m,) = resolve_mounts(settings, "c1", mount_args=["type=tmpfs,target=/t,readonly"])
    assert m.options == ("noexec", "nosuid", "nodev", "ro")


def test_inspect_mount_is_dockers_shape(settings: Settings, tmp_path: Path) -> None:
    from nerdpy.volumes import inspect_mount

    m = by_dest(resolve_mounts(settings, "c1", ["vv:/v:ro", f"{tmp_path}:/b", f"{tmp_path}:/r:ro", "nv:/n", "/a"],
                               ["type=tmpfs,target=/t", "type=volume,src=mv,dst=/m"]))
    assert inspect_mount(m["/v"]) == {"Type": "volume", "Name": "vv", "Source": m["/v"].source, "Destination": "/v",
                                      "Driver": "local", "Mode": "ro", "RW": False, "Propagation": ""}
    assert inspect_mount(m["/b"]) == {"Type": "bind", "Source": str(tmp_path), "Destination": "/b", "Mode": "",
                                      "RW": True, "Propagation": "rprivate"}
    assert inspect_mount(m["/t"])["Type"] == "tmpfs"
    # Mode is `-v`'s MODES as written; moby's setBindModeIfNull makes a named volume's "z"; --mount has none.
    assert {d: inspect_mount(m[d])["Mode"] for d in ("/r", "/n", "/a", "/m")} == {"/r": "ro", "/n": "z", "/a": "",
                                                                                   "/m": ""}
