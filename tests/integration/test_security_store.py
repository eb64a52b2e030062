"""Security promise: what nerdpy stores is private to its owner (issue 12, finding 1).

Another local user — neither the store's owner nor root — must not read `-e`
secrets from config.json or meta.db(-wal), list or read a container's rootfs, a
volume's contents or the content store, nor run a setuid file a rootful
container wrote into its rootfs or a volume. The store here sits in a 0755
directory, as /var/lib/nerdpy sits in /var/lib and ~/.local/share/nerdpy often
does in a 0755 home, so only nerdpy's own modes keep the other user out.

As root the test switches to the user `nerdpyother` (.ci/run and helpers/test
create it) and really tries. Run unprivileged, the suite cannot switch user, so
it checks the same promise by stat: no directory nerdpy keeps has group/other
bits, no record file either.
"""

from __future__ import annotations

import os
import pwd
import sqlite3
import stat
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

from tests.conftest import Nerdpy

pytestmark = [pytest.mark.integration, pytest.requires("runc", "newuidmap", "busybox")]

OTHER = "nerdpyother"
# Trees whose modes are the container's, and files bind-mounted into it (0644 as in Docker).
CONTAINER_OWNED = {"fs", "work", "_data", "rootfs"}
BIND_MOUNTED = {"hosts", "hostname", "resolv.conf"}


@pytest.fixture(scope="module")
def exposed(busybox_tar: Path):
    """A nerdpy whose data root's parent is 0755 and with a running container
    that holds a secret and wrote setuid copies of busybox (rootfs and volume)."""
    base = Path(tempfile.mkdtemp(prefix="npsec-", dir="/tmp"))
    os.chmod(base, 0o755)
    np = Nerdpy(data_root=base / "d", runtime_root=base / "r")
    np("load", "-i", busybox_tar, timeout=120)
    secret = f"hunter2-{uuid.uuid4().hex}"
    name = f"sec-{uuid.uuid4().hex[:8]}"
    np("run", "-d", "--name", name, "-e", f"SECRET={secret}", "-v", f"{name}:/vol", "busybox:latest",
       "sh", "-c", "cp /bin/busybox /suid && chmod 4755 /suid && cp /bin/busybox /vol/suid && chmod 4755 /vol/suid"
       " && echo private > /vol/data && touch /ready && exec sleep 600")
    cid = np("inspect", "-f", "{{.Id}}", name).stdout.strip()
    np("exec", name, "sh", "-c", "for i in $(seq 50); do [ -e /ready ] && exit 0; sleep 0.1; done; exit 1")
    yield np, cid, name, secret
    np.cleanup()
    subprocess.run(["rm", "-rf", str(base)], check=False)


def _loose(top: Path) -> list[str]:
    """Directories and record files below `top` that group or others can reach."""
    found, device = [], top.lstat().st_dev
    if top.lstat().st_mode & 0o077:
        found.append(f"{top} {oct(top.lstat().st_mode)}")
    for dirpath, dirnames, filenames in os.walk(top):
        for d in list(dirnames):
            st = os.lstat(os.path.join(dirpath, d))
            if st.st_dev == device and d not in CONTAINER_OWNED and stat.S_IMODE(st.st_mode) & 0o077:
                found.append(f"{dirpath}/{d} {oct(st.st_mode)}")
            if st.st_dev != device or d in CONTAINER_OWNED or (d == "runc" and dirpath == str(top)):
                dirnames.remove(d)  # mounts, container trees, and the OCI runtime's own (0700 at its root)
        for f in filenames:
            st = os.lstat(os.path.join(dirpath, f))
            if stat.S_ISREG(st.st_mode) and f not in BIND_MOUNTED and st.st_dev == device and st.st_mode & 0o077:
                found.append(f"{dirpath}/{f} {oct(st.st_mode)}")
    return found


def test_no_directory_or_record_file_is_open_to_others(exposed):
    np, *_ = exposed
    assert _loose(np.data_root) == []
    assert _loose(np.runtime_root) == []
    volume = np.data_root / "volumes"
    assert stat.S_IMODE(next(volume.iterdir()).joinpath("_data").stat().st_mode) == 0o755  # as containers need it


def _as_other(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["runuser", "-u", OTHER, "--", *cmd], capture_output=True, text=True, timeout=30,
                          cwd="/tmp", check=False)


@pytest.requires("root")  # switching user needs root; unprivileged, the stat test above holds the promise
def test_another_user_cannot_read_or_run_what_the_store_holds(exposed):
    np, cid, name, secret = exposed
    try:
        pwd.getpwnam(OTHER)
    except KeyError:
        pytest.fail(f"user {OTHER} missing: .ci/run and helpers/test create it")
    cdir = np.data_root / "containers" / cid
    rootfs = cdir / "rootfs"
    data = np.data_root / "volumes" / name / "_data"
    assert secret in (cdir / "config.json").read_text()  # the secret really is there for the owner
    for path in (cdir / "config.json", np.data_root / "meta.db", np.data_root / "meta.db-wal"):
        result = _as_other("cat", str(path))
        assert result.returncode != 0 and secret not in result.stdout, path
    grep = _as_other("grep", "-rl", secret, str(np.data_root))
    assert grep.stdout == "", grep.stdout
    for listing in (rootfs, data, np.data_root / "content" / "blobs" / "sha256"):
        result = _as_other("ls", str(listing))
        assert result.returncode != 0 and "suid" not in result.stdout and result.stdout == "", listing
    assert _as_other("cat", str(data / "data")).returncode != 0
    for suid in (rootfs / "suid", data / "suid"):
        result = _as_other(str(suid), "id", "-u")
        assert result.returncode != 0 and result.stdout.strip() != "0", (suid, result.stdout)


def test_an_older_store_is_tightened_once(exposed):
    np, cid, *_ = exposed
    config = np.data_root / "containers" / cid / "config.json"
    meta = np.data_root / "meta.db"
    for path, mode in ((np.data_root, 0o755), (config.parent, 0o755), (config, 0o644), (meta, 0o644)):
        os.chmod(path, mode)  # what nerdpy before the fix left behind
    with sqlite3.connect(meta) as conn:
        conn.execute("DELETE FROM schema_versions WHERE domain = 'private-store'")
    np("ps")
    for path in (np.data_root, config.parent):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
    for path in (config, meta):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    # Recorded: the next command does not walk the store again.
    os.chmod(config, 0o640)
    np("ps")
    assert stat.S_IMODE(config.stat().st_mode) == 0o640
    os.chmod(config, 0o600)
