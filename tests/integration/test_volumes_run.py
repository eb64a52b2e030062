"""Volumes through `nerdpy run` itself (containers area's command, volumes contract)."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest

from tests.conftest import requires

pytestmark = [pytest.mark.integration, requires("runc", "busybox", "userns")]


@pytest.fixture(scope="module")
def seeded_image(nerdpy, images, tmp_path_factory: pytest.TempPathFactory) -> str:
    """busybox plus /var/seed (a file owned by uid 7) declared as a VOLUME."""
    probe = nerdpy("run", "--help", check=False)
    if probe.returncode != 0:
        pytest.skip(f"nerdpy run is not available yet: {probe.stderr.strip()[:200]}")
    seed = images.LayerSpec().dir("/var").dir("/var/seed", mode=0o750, uid=7, gid=7)
    seed.file("/var/seed/greeting", "from the image\n", uid=7, gid=7)
    image = images.build_image([images.busybox_rootfs(), seed], config={"Volumes": {"/var/seed": {}}})
    path = tmp_path_factory.mktemp("seeded") / "seeded.tar"
    images.write_docker_archive(path, image, ["volseed:latest"])
    nerdpy("load", "-i", path, timeout=120)
    return "volseed:latest"


def _ls(nerdpy) -> set[str]:
    return set(nerdpy("volume", "ls", "-q").stdout.split())


def test_named_volume_persists_and_is_in_use(nerdpy, seeded_image: str) -> None:
    name = "runvol" + uuid.uuid4().hex[:6]
    nerdpy("run", "--rm", "-v", f"{name}:/data", seeded_image, "sh", "-c", "echo kept > /data/f")
    assert nerdpy("run", "--rm", "-v", f"{name}:/data", seeded_image, "cat", "/data/f").stdout == "kept\n"
    cid = nerdpy("create", "-v", f"{name}:/data", seeded_image, "true").stdout.strip()
    busy = nerdpy("volume", "rm", name, check=False)
    assert busy.returncode != 0 and "in use" in busy.stderr
    assert name not in nerdpy("volume", "ls", "-q", "-f", "dangling=true").stdout.split()
    nerdpy("rm", cid)
    assert nerdpy("volume", "rm", name).stdout.split() == [name]


def test_image_volume_prefilled_and_removed_with_rm_v(nerdpy, seeded_image: str) -> None:
    before = _ls(nerdpy)
    cid = nerdpy("create", seeded_image, "sh", "-c", "cat /var/seed/greeting; stat -c %u:%a /var/seed").stdout.strip()
    out = nerdpy("start", "-a", cid).stdout
    assert out == "from the image\n7:750\n"
    (anon,) = _ls(nerdpy) - before
    nerdpy("rm", "-v", cid)
    assert anon not in _ls(nerdpy)


def test_run_rm_keeps_named_and_drops_anonymous(nerdpy, seeded_image: str) -> None:
    name = "kept" + uuid.uuid4().hex[:6]
    before = _ls(nerdpy)
    nerdpy("run", "--rm", "-v", f"{name}:/n", "-v", "/anon", seeded_image, "true")
    assert _ls(nerdpy) - before == {name}
    nerdpy("volume", "rm", name)


def test_bind_mount_owners_both_ways(nerdpy, seeded_image: str, tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    host = tmp_path / "ws"
    host.mkdir()
    (host / "in").write_text("hi\n")
    out = nerdpy("run", "--rm", "-v", f"{host}:/ws", seeded_image, "sh", "-c",
                 "cat /ws/in; stat -c %u /ws/in; echo y > /ws/out").stdout
    assert out == "hi\n0\n"
    assert (host / "out").stat().st_uid == os.getuid()


def test_mount_flag_errors_are_one_line(nerdpy, seeded_image: str, tmp_path: Path) -> None:
    for args, message in (
        (["--mount", f"type=bind,source={tmp_path}/missing,target=/m"], "bind source path does not exist"),
        (["-v", "rel/dir:/x"], "is relative"),
        (["-v", "/h:x"], "must be absolute"),
        (["-v", "b@d:/x"], "invalid characters"),
    ):
        result = nerdpy("run", "--rm", *args, seeded_image, "true", check=False)
        assert result.returncode == 125 and message in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@requires("rootless")
def test_keep_id(nerdpy, seeded_image: str, tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    host = tmp_path / "ci"
    host.mkdir()
    out = nerdpy("run", "--rm", "--userns=keep-id", "-v", f"{host}:/ci", seeded_image, "sh", "-c",
                 "id -u; touch /ci/made; stat -c %u /ci/made").stdout.split()
    assert out == [str(os.getuid()), str(os.getuid())]
    assert (host / "made").stat().st_uid == os.getuid()


def test_volume_inspect_matches_run(nerdpy, seeded_image: str) -> None:
    name = "insp" + uuid.uuid4().hex[:6]
    nerdpy("run", "--rm", "-v", f"{name}:/d", seeded_image, "touch", "/d/x")
    (info,) = json.loads(nerdpy("volume", "inspect", name).stdout)
    assert (Path(info["Mountpoint"]) / "x").stat().st_uid == os.getuid()
    nerdpy("volume", "rm", name)


def test_local_driver_tmpfs_and_bind_volumes(nerdpy, seeded_image: str, tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    tv, bv = "tmpv" + uuid.uuid4().hex[:6], "bindv" + uuid.uuid4().hex[:6]
    nerdpy("volume", "create", "-o", "type=tmpfs", "-o", "device=tmpfs", "-o", "o=size=2m,mode=0755", tv)
    out = nerdpy("run", "--rm", "-v", f"{tv}:/t", seeded_image, "sh", "-c", "grep ' /t ' /proc/mounts").stdout
    assert out.startswith("tmpfs /t tmpfs") and "size=2048k" in out
    host = tmp_path / "dev"
    host.mkdir()
    nerdpy("volume", "create", "--opt", "type=none", "--opt", f"device={host}", "--opt", "o=bind", bv)
    nerdpy("run", "--rm", "-v", f"{bv}:/b", seeded_image, "touch", "/b/through")
    assert (host / "through").exists() and (host / "through").stat().st_uid == os.getuid()
    nerdpy("volume", "rm", tv, bv)
    assert host.is_dir() and (host / "through").exists(), "removing a bind volume leaves its device alone"
    bad = nerdpy("volume", "create", "-o", "type=none", "-o", f"device={tmp_path}/nope", "-o", "o=bind", "x" + bv,
                 check=False)
    assert bad.returncode == 125 and "not an existing directory" in bad.stderr


def test_volumes_from_by_name(nerdpy, seeded_image: str) -> None:
    name = "vf" + uuid.uuid4().hex[:6]
    src = nerdpy("create", "--name", name, "-v", "/shared", seeded_image, "true").stdout.strip()
    nerdpy("start", "-a", src)
    nerdpy("run", "--rm", "--volumes-from", name, seeded_image, "sh", "-c", "echo via > /shared/f")
    out = nerdpy("run", "--rm", "--volumes-from", f"{name}:ro", seeded_image, "sh", "-c",
                 "cat /shared/f; touch /shared/g 2>/dev/null || echo ro").stdout
    assert out == "via\nro\n"
    missing = nerdpy("run", "--rm", "--volumes-from", "no-such-container", seeded_image, "true", check=False)
    assert missing.returncode == 125 and "no-such-container" in missing.stderr
    before = set(nerdpy("volume", "ls", "-q").stdout.split())
    nerdpy("rm", "-v", src)
    # Its two anonymous volumes (/shared and the image's /var/seed) go with it.
    assert len(before - set(nerdpy("volume", "ls", "-q").stdout.split())) == 2


@requires("root")
def test_keep_id_is_refused_as_root(nerdpy, seeded_image: str) -> None:
    result = nerdpy("run", "--rm", "--userns=keep-id", seeded_image, "true", check=False)
    assert result.returncode == 125
    assert result.stderr.strip() == ("Error: --userns=keep-id is only for rootless use; hint: as root, use --user")
    bad = nerdpy("run", "--rm", "--userns=private", seeded_image, "true", check=False)
    assert bad.returncode == 125 and "unsupported --userns mode 'private'" in bad.stderr
