"""The read-only init layer: mount points made once at create, confined, in a
snapshot between the image and the container's writable layer.

The hostile image plants symlinks where runc mounts: /etc/hosts, /etc/hostname
and /etc/resolv.conf point at a host canary directory (absolute, `../` and
/proc/self/root forms), a volume destination points at `/`, a tmpfs and a file
bind destination point into the canary. Nothing may appear in the canary.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import tarfile
import uuid
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.requires("runc", "newuidmap", "busybox")]

SCRIPT = ("set -e; [ ! -L /etc/hosts ] && [ ! -L /etc/hostname ] && [ ! -L /etc/resolv.conf ]; "
          "grep -q localhost /etc/hosts; cat /etc/hostname; test -f /etc/resolv.conf; "
          "echo vol > /data/in-volume; echo tmp > /scratch/in-tmpfs; cat /etc/motd; "
          "test ! -e /in-volume; echo mine > /created-by-container")


def _hostile_image(images, canary: Path):
    up = "../" * 12
    layer = (images.LayerSpec()
             .symlink("/etc/hosts", f"{canary}/hosts")
             .symlink("/etc/resolv.conf", f"{up}{str(canary).lstrip('/')}/resolv.conf")
             .symlink("/etc/hostname", f"/proc/self/root{canary}/hostname")
             .symlink("/etc/motd", f"{canary}/motd")
             .symlink("/data", "/")
             .symlink("/scratch", f"{up}{str(canary).lstrip('/')}"))
    return images.build_image([images.busybox_rootfs(), layer], config={"Cmd": ["sh", "-c", SCRIPT]})


@pytest.fixture
def hostile(nerdpy, images, tmp_path):
    """(image name, canary dir, a host file to bind) with the hostile image loaded."""
    canary = tmp_path / "canary"
    canary.mkdir()
    (canary / "hosts").write_text("canary\n")
    name = f"hostile-{uuid.uuid4().hex[:8]}:latest"
    archive = images.write_docker_archive(tmp_path / "hostile.tar", _hostile_image(images, canary), [name])
    nerdpy("load", "-i", archive)
    motd = tmp_path / "motd.txt"
    motd.write_text("bound file\n")
    return name, canary, motd


def _snapshots(nerdpy, cid: str) -> dict[str, tuple]:
    """key -> (id, kind, parent, updated) of the container's snapshots."""
    with sqlite3.connect(f"file:{nerdpy.data_root / 'meta.db'}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT key, id, kind, parent, updated FROM snapshots WHERE key LIKE ?", (cid + "%",))
        return {r[0]: tuple(r[1:]) for r in rows}


def _assert_canary_untouched(canary: Path) -> None:
    assert sorted(os.listdir(canary)) == ["hosts"]
    assert (canary / "hosts").read_text() == "canary\n"


def _run_args(image: str, motd: Path, volume: str) -> list[str]:
    return ["--network", "none", "--hostname", "initbox", "-v", f"{volume}:/data", "--tmpfs", "/scratch",
            "-v", f"{motd}:/etc/motd:ro", image]


def test_init_layer_confines_mounts_and_stays_out_of_diff(nerdpy, hostile, tmp_path):
    image, canary, motd = hostile
    name, volume = f"init-{uuid.uuid4().hex[:8]}", f"initvol-{uuid.uuid4().hex[:8]}"
    cid = nerdpy("create", "--name", name, *_run_args(image, motd, volume)).stdout.strip()
    snaps = _snapshots(nerdpy, cid)
    assert snaps[cid + "-init"][1] == "committed" and snaps[cid][2] == cid + "-init", snaps
    assert cid + "-init.active" not in snaps
    out = nerdpy("start", "-a", name)
    assert out.stdout.splitlines() == ["initbox", "bound file"], out
    _assert_canary_untouched(canary)
    # Docker's diff: only what the container changed, none of the init layer's entries.
    assert nerdpy("diff", name).stdout.splitlines() == ["A /created-by-container"]
    # Restarts reuse the init layer and still write nothing of it into the container's layer.
    nerdpy("start", "-a", name)
    assert _snapshots(nerdpy, cid)[cid + "-init"] == snaps[cid + "-init"]
    assert nerdpy("diff", name).stdout.splitlines() == ["A /created-by-container"]
    assert nerdpy("run", "--rm", "--network", "none", "-v", f"{volume}:/v", "--entrypoint", "cat", image,
                  "/v/in-volume").stdout == "vol\n"
    # commit: the new layer holds the container's file only.
    committed = f"initcommit-{uuid.uuid4().hex[:8]}:latest"
    nerdpy("commit", name, committed)
    assert _last_layer_names(nerdpy, committed, tmp_path) == ["created-by-container"]
    nerdpy("rmi", committed)
    # export shows the whole filesystem, the init layer's plain files included (as Docker does).
    nerdpy("export", "-o", tmp_path / "export.tar", name)
    with tarfile.open(tmp_path / "export.tar") as tar:
        hosts = tar.getmember("etc/hosts")
        assert hosts.isfile() and hosts.size == 0
    nerdpy("rm", "-v", name)
    assert _snapshots(nerdpy, cid) == {}
    nerdpy("volume", "rm", volume)
    _assert_canary_untouched(canary)


def _last_layer_names(nerdpy, image: str, tmp_path: Path) -> list[str]:
    saved = tmp_path / "saved.tar"
    nerdpy("save", "-o", saved, image)
    with tarfile.open(saved) as outer:
        manifest = json.load(outer.extractfile("manifest.json"))
        data = outer.extractfile(manifest[0]["Layers"][-1]).read()
    with tarfile.open(fileobj=io.BytesIO(data)) as layer:
        return sorted(m.name for m in layer.getmembers())


def _make_old_style(nerdpy, cid: str) -> None:
    """What a container created before init layers looks like: its layer sits on the image."""
    with sqlite3.connect(nerdpy.data_root / "meta.db") as db:
        (image_top,) = db.execute("SELECT parent FROM snapshots WHERE key = ?", (cid + "-init",)).fetchone()
        db.execute("UPDATE snapshots SET parent = ? WHERE key = ?", (image_top, cid))
        db.execute("DELETE FROM snapshots WHERE key = ?", (cid + "-init",))


def test_container_without_init_layer_still_starts_and_is_removed(nerdpy, hostile):
    image, canary, motd = hostile
    name, volume = f"oldstyle-{uuid.uuid4().hex[:8]}", f"oldvol-{uuid.uuid4().hex[:8]}"
    cid = nerdpy("create", "--name", name, *_run_args(image, motd, volume)).stdout.strip()
    _make_old_style(nerdpy, cid)
    assert set(_snapshots(nerdpy, cid)) == {cid}
    out = nerdpy("start", "-a", name)
    assert out.stdout.splitlines() == ["initbox", "bound file"], out
    _assert_canary_untouched(canary)
    nerdpy("rm", "-v", name)
    assert _snapshots(nerdpy, cid) == {}
    nerdpy("volume", "rm", volume)


@pytest.mark.parametrize("driver", [
    "native",
    pytest.param("fuse-overlayfs", marks=pytest.requires("root", "fuse-overlayfs")),  # /dev/fuse is root's here
])
def test_init_layer_with_other_drivers(fresh_nerdpy, images, tmp_path, driver):
    canary = tmp_path / "canary"
    canary.mkdir()
    (canary / "hosts").write_text("canary\n")
    archive = images.write_docker_archive(tmp_path / "h.tar", _hostile_image(images, canary), ["hostile:1"])
    env = {"NERDPY_STORAGE_DRIVER": driver}
    fresh_nerdpy("load", "-i", archive, env=env)
    motd = tmp_path / "motd.txt"
    motd.write_text("bound file\n")
    out = fresh_nerdpy("run", "--rm", *_run_args("hostile:1", motd, "v1"), env=env)
    assert out.stdout.splitlines() == ["initbox", "bound file"], out
    _assert_canary_untouched(canary)
    with sqlite3.connect(f"file:{fresh_nerdpy.data_root / 'meta.db'}?mode=ro", uri=True) as db:
        assert db.execute("SELECT DISTINCT driver FROM snapshots").fetchall() == [(driver,)]


def test_prune_reclaims_layers_of_vanished_containers(nerdpy, busybox_image):
    """A `run --rm` whose detached cleanup was killed leaves layers without a record."""
    cid = nerdpy("create", busybox_image, "true").stdout.strip()
    with sqlite3.connect(nerdpy.data_root / "meta.db") as db:
        db.execute("DELETE FROM containers WHERE id = ?", (cid,))
    assert set(_snapshots(nerdpy, cid)) == {cid, cid + "-init"}
    assert (nerdpy.data_root / "containers" / cid).is_dir()
    nerdpy("container", "prune", "-f")
    assert _snapshots(nerdpy, cid) == {}
    assert not (nerdpy.data_root / "containers" / cid).exists()


def test_image_gc_leaves_a_containers_init_layer_alone(nerdpy, busybox_image):
    """`create` commits `<id>-init` a moment before it builds the writable layer
    on it: a concurrent image prune must not take (or trip over) that layer."""
    cid = nerdpy("create", busybox_image, "true").stdout.strip()
    with sqlite3.connect(nerdpy.data_root / "meta.db") as db:  # the moment before the writable layer
        db.execute("DELETE FROM snapshots WHERE key = ?", (cid,))
    nerdpy("image", "prune", "-f")
    assert set(_snapshots(nerdpy, cid)) == {cid + "-init"}
    nerdpy("rm", "-f", cid)
    assert _snapshots(nerdpy, cid) == {}
