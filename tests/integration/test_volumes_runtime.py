"""Volumes and mounts in real containers: real runc, in nerdpy's rootless namespace.

Until `nerdpy run` exists these tests drive the volumes contract the way the
container code will (resolve_mounts -> populate -> to_oci -> runc), from a
helper that runs inside the namespace (`nerdpy unshare python THIS_FILE JOB`):
the mounts, the volume store, the ownership and the id maps are all real.
Each test passes as root and as an unprivileged user.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IS_ROOT, requires

pytestmark = [pytest.mark.integration, requires("runc", "busybox", "userns")]

BUSYBOX = "/bin/busybox"
APPLETS = ("sh", "cat", "ls", "id", "stat", "touch", "echo", "mkdir", "test", "grep", "mount", "rm", "true", "chown")
CAPS = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID",
        "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_MKNOD", "CAP_AUDIT_WRITE", "CAP_SETFCAP"]


# ------------------------------------------------------------ the in-namespace helper


def _base_spec(rootfs: str, args: list[str], uid: int, gid: int) -> dict[str, Any]:
    caps = {k: CAPS for k in ("bounding", "effective", "permitted")}
    return {
        "ociVersion": "1.0.2",
        "process": {"terminal": False, "user": {"uid": uid, "gid": gid}, "args": args, "cwd": "/",
                    "env": ["PATH=/bin"], "capabilities": caps},
        "root": {"path": rootfs, "readonly": False},
        "hostname": "voltest",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755", "size=65536k"]},
            {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
        ],
        "linux": {"namespaces": [{"type": t} for t in ("pid", "ipc", "uts", "mount", "network")]},
    }


def _helper(job: dict[str, Any]) -> int:
    """Runs inside the rootless namespace: resolve, populate, run runc, release."""
    from nerdpy.config import load_settings
    from nerdpy.volumes import populate, release, resolve_mounts, to_oci

    settings = load_settings()
    cid = job["id"]
    if job.get("release") is not None:
        print(json.dumps(release(settings, cid, job["release"])))
        return 0
    mounts = resolve_mounts(settings, cid, job.get("v", []), job.get("mount", []), job.get("tmpfs", []),
                            job.get("image_volumes", {}), job.get("volumes_from", []))
    uid, gid = job.get("user", (0, 0))
    owner = (uid, gid)
    if job.get("keep_id") and settings.rootless:
        from nerdpy.volumes.keepid import keep_id_owner, keep_id_user

        uid, gid = keep_id_user(settings)
        owner = keep_id_owner(settings, uid, gid)
    populate(mounts, Path(job["rootfs"]), *owner)
    spec = _base_spec(job["rootfs"], job["args"], uid, gid)
    spec["mounts"] += [to_oci(m) for m in mounts]
    if job.get("host_network"):
        spec["linux"]["namespaces"] = [ns for ns in spec["linux"]["namespaces"] if ns["type"] != "network"]
    if job.get("keep_id"):
        from nerdpy.volumes.keepid import apply_keep_id

        apply_keep_id(spec, settings)
    bundle = Path(job["bundle"])
    (bundle / "config.json").write_text(json.dumps(spec))
    runc_root = settings.layout.runtime_root / "runc-voltest"
    proc = subprocess.run(["runc", "--root", str(runc_root), "run", "--bundle", str(bundle), cid],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    return proc.returncode


if __name__ == "__main__":
    sys.exit(_helper(json.loads(sys.argv[1])))


# ------------------------------------------------------------ test side


@pytest.fixture(scope="module")
def rootfs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A busybox rootfs with image content at /var/seed (owned by uid 7 where we can chown)."""
    root = tmp_path_factory.mktemp("rootfs") / "rootfs"
    for d in ("bin", "proc", "dev", "sys", "etc", "tmp", "var/seed/sub"):
        (root / d).mkdir(parents=True, exist_ok=True)
    shutil.copy2(BUSYBOX, root / "bin" / "busybox")
    for applet in APPLETS:
        os.symlink("busybox", root / "bin" / applet)
    (root / "var" / "seed" / "greeting").write_text("from the image\n")
    (root / "var" / "seed" / "sub" / "deep").write_text("deep\n")
    (root / "etc" / "passwd").write_text("root:x:0:0:root:/:/bin/sh\n")
    os.chmod(root, 0o755)
    return root


class Runner:
    def __init__(self, nerdpy, rootfs: Path, tmp: Path) -> None:
        self.nerdpy, self.rootfs, self.tmp = nerdpy, rootfs, tmp

    def job(self, **job: Any) -> subprocess.CompletedProcess[str]:
        job.setdefault("id", "vt" + uuid.uuid4().hex[:10])
        bundle = self.tmp / job["id"]
        bundle.mkdir(exist_ok=True)
        job.update(bundle=str(bundle), rootfs=str(self.rootfs))
        cmd = [sys.executable, __file__, json.dumps(job)]
        if IS_ROOT:
            env = {**self.nerdpy.env}
            return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=90)
        return self.nerdpy("unshare", *cmd, check=False, timeout=90)

    def run(self, *args: str, **job: Any) -> str:
        result = self.job(args=list(args), **job)
        assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
        return result.stdout

    def release(self, cid: str, remove_anonymous: bool) -> list[str]:
        result = self.job(id=cid, release=remove_anonymous)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)


@pytest.fixture
def runner(nerdpy, rootfs: Path, tmp_path: Path) -> Runner:
    tmp_path.chmod(0o755)
    return Runner(nerdpy, rootfs, tmp_path)


def _volume_ls(nerdpy, *args: str) -> list[str]:
    return nerdpy("volume", "ls", "-q", *args).stdout.split()


def test_named_volume_persists_across_containers(runner: Runner, nerdpy) -> None:
    name = "persist" + uuid.uuid4().hex[:6]
    runner.run("sh", "-c", "echo kept > /data/f", v=[f"{name}:/data"], id="w" + name)
    assert runner.run("cat", "/data/f", v=[f"{name}:/data"], id="r" + name) == "kept\n"
    assert name in _volume_ls(nerdpy)
    # Owned by the container's root: the invoking user on the host.
    mountpoint = json.loads(nerdpy("volume", "inspect", name).stdout)[0]["Mountpoint"]
    assert os.stat(Path(mountpoint) / "f").st_uid == os.getuid()
    # In use: rm refuses, until both containers are released.
    busy = nerdpy("volume", "rm", name, check=False)
    assert busy.returncode != 0 and "in use" in busy.stderr and len(busy.stderr.strip().splitlines()) == 1
    runner.release("w" + name, True)
    runner.release("r" + name, True)
    assert nerdpy("volume", "rm", name).stdout.split() == [name]


def test_image_volume_is_prefilled_and_anonymous(runner: Runner, nerdpy) -> None:
    cid = "img" + uuid.uuid4().hex[:8]
    out = runner.run("sh", "-c", "cat /var/seed/greeting /var/seed/sub/deep; echo new > /var/seed/added",
                     image_volumes={"/var/seed": {}}, id=cid)
    assert out == "from the image\ndeep\n"
    anon = [v for v in _volume_ls(nerdpy, "--filter", "label=com.docker.volume.anonymous") if len(v) == 64]
    assert anon, "the image VOLUME became an anonymous volume"
    removed = runner.release(cid, True)
    assert len(removed) == 1 and removed[0] in anon
    assert removed[0] not in _volume_ls(nerdpy)


def test_bind_mount_both_ways_with_host_owners(runner: Runner, tmp_path: Path) -> None:
    host = tmp_path / "work"
    host.mkdir()
    (host / "from-host").write_text("hi\n")
    out = runner.run("sh", "-c", "cat /w/from-host; stat -c %u /w/from-host; echo x > /w/from-ctr; mkdir /w/d",
                     v=[f"{host}:/w"])
    assert out == "hi\n0\n", "the host user's file is root's inside"
    for path in (host / "from-ctr", host / "d"):
        assert path.stat().st_uid == os.getuid(), "container root's files belong to the invoking user"
    created = tmp_path / "made" / "by" / "v"
    runner.run("touch", "/m/f", v=[f"{created}:/m"])
    assert (created / "f").exists() and created.stat().st_uid == os.getuid()


def test_readonly_bind_and_tmpfs(runner: Runner, tmp_path: Path) -> None:
    host = tmp_path / "ro"
    host.mkdir()
    result = runner.job(args=["sh", "-c", "touch /r/x"], mount=[f"type=bind,source={host},target=/r,readonly"])
    assert result.returncode != 0 and not (host / "x").exists()
    out = runner.run("sh", "-c", "grep ' /t ' /proc/mounts", tmpfs=["/t:size=1m,mode=1777"])
    assert "tmpfs /t tmpfs" in out and "size=1024k" in out and "nosuid" in out and "noexec" in out


def test_mount_refuses_missing_source_and_bad_flags(runner: Runner, tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    result = runner.job(args=["true"], mount=[f"type=bind,source={missing},target=/m"])
    assert result.returncode != 0 and "bind source path does not exist" in result.stderr
    assert not missing.exists()


def test_U_chowns_the_source_to_the_container_user(runner: Runner, tmp_path: Path) -> None:
    host = tmp_path / "owned"
    host.mkdir()
    (host / "f").write_text("x")
    out = runner.run("sh", "-c", "stat -c %u:%g /o /o/f", v=[f"{host}:/o:U"], user=(1000, 1000))
    assert out.split() == ["1000:1000", "1000:1000"]
    # On the host: uid 1000 of the container is a subordinate id (rootless) or 1000 itself (root).
    expected = 1000 if IS_ROOT else _subuid_of(1000)
    assert host.stat().st_uid == expected


def _subuid_of(inside: int) -> int:
    from nerdpy.userns.subids import rootless_mapping

    mapping = rootless_mapping(os.getuid(), os.getgid())
    for r in mapping.uids:
        if r.inside <= inside < r.inside + r.count:
            return r.outside + inside - r.inside
    raise AssertionError("unmapped")


@requires("rootless")
def test_keep_id_maps_the_invoking_user_to_itself(runner: Runner, tmp_path: Path) -> None:
    host = tmp_path / "ci"
    host.mkdir()
    (host / "mine").write_text("x")
    # Host network: sysfs cannot be mounted in the new user namespace, apply_keep_id binds /sys.
    out = runner.run("sh", "-c", "id -u; id -g; stat -c %u /ws/mine; touch /ws/made",
                     v=[f"{host}:/ws"], keep_id=True, host_network=True)
    assert out.split() == [str(os.getuid()), str(os.getgid()), str(os.getuid())]
    assert (host / "made").stat().st_uid == os.getuid()
    assert (host / "made").stat().st_gid == os.getgid()


@requires("root")
def test_keep_id_is_refused_as_root(runner: Runner) -> None:
    result = runner.job(args=["true"], keep_id=True)
    assert result.returncode != 0 and "only supported in rootless mode" in result.stderr


def test_volume_with_other_users_files_is_removable(runner: Runner, nerdpy) -> None:
    name = "subuid" + uuid.uuid4().hex[:6]
    cid = "o" + name
    runner.run("sh", "-c", "mkdir /d/dir && echo x > /d/dir/f", v=[f"{name}:/d"], user=(0, 0), id=cid)
    runner.run("chown", "-R", "1000:1000", "/d/dir",
               v=[f"{name}:/d"], id="c" + name)
    runner.release(cid, False)
    runner.release("c" + name, False)
    mountpoint = Path(json.loads(nerdpy("volume", "inspect", name).stdout)[0]["Mountpoint"])
    assert (mountpoint / "dir").stat().st_uid == (1000 if IS_ROOT else _subuid_of(1000))
    assert nerdpy("volume", "rm", name).stdout.split() == [name]
    assert not mountpoint.exists()


def test_volumes_from_shares_mounts_and_mode(runner: Runner, tmp_path: Path) -> None:
    name = "shared" + uuid.uuid4().hex[:6]
    src = "s" + name
    host = tmp_path / "b"
    runner.run("sh", "-c", "echo one > /v/f", v=[f"{name}:/v", f"{host}:/b"], id=src)
    out = runner.run("sh", "-c", "cat /v/f; touch /v/g 2>/dev/null && echo writable || echo readonly; test -d /b && echo bind",
                     volumes_from=[f"{src}:ro"], id="d" + name)
    assert out.split() == ["one", "readonly", "bind"]
    runner.release("d" + name, True)
    runner.release(src, True)


@requires("rootless")
def test_keep_id_with_U_gives_the_mount_back_to_the_user(runner: Runner, nerdpy, tmp_path: Path) -> None:
    host = tmp_path / "ws"
    host.mkdir()
    (host / "f").write_text("x")
    nerdpy("unshare", "chown", "-R", "5:5", str(host))  # now a subordinate id's, as a container's user would leave it
    assert host.stat().st_uid == _subuid_of(5)
    out = runner.run("stat", "-c", "%u", "/ws/f", v=[f"{host}:/ws:U"], keep_id=True, host_network=True)
    assert out.split() == [str(os.getuid())]
    assert (host / "f").stat().st_uid == os.getuid() and host.stat().st_gid == os.getgid()


def test_readonly_bind_is_recursive(runner: Runner, nerdpy, tmp_path: Path) -> None:
    host = tmp_path / "tree"
    (host / "sub").mkdir(parents=True)
    nerdpy.unshare("mount", "-t", "tmpfs", "tmpfs", str(host / "sub"))
    try:
        result = runner.job(args=["sh", "-c", "touch /t/sub/x"], v=[f"{host}:/t:ro"])
        assert result.returncode != 0 and "Read-only file system" in result.stderr + result.stdout
        writable = runner.run("sh", "-c", "touch /t/sub/x && echo ok", v=[f"{host}:/t"])
        assert writable == "ok\n"
    finally:
        nerdpy.unshare("umount", "-l", str(host / "sub"), check=False)
