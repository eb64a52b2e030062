"""Where nerdpy keeps things on disk: one `Layout` for root mode and rootless mode.

On-disk layout (rootless; root uses /var/lib/nerdpy, /run/nerdpy, /etc/nerdpy)::

    <data_root>/                       $XDG_DATA_HOME/nerdpy       persistent
        meta.db                        sqlite (WAL): images, containers, volumes, networks
        meta.db.reserve                1 MiB given up on a full disk so rm/rmi/prune can still write
        content/blobs/sha256/<hex>     content store, immutable once committed
        content/ingest/<ref>/          partial downloads (resumable), one lock per ref
        snapshots/<driver>/            snapshotter state, one driver per store
        containers/<id>/               bundle (config.json), logs, hosts, hostname, resolv.conf
        volumes/<name>/_data           named volumes
        locks/                         fcntl lock files (gc.lock, unpack-<chainid>.lock, ...)
    <runtime_root>/                    $XDG_RUNTIME_DIR/nerdpy     tmpfs, gone at reboot
        holder.pid                     pid + start time of the user-namespace holder
        holder.lock                    serialises creating the holder
        runc/                          the OCI runtime's --root
        shims/<id>/                    shim pid, attach socket, exit record (short paths)
        netns/                         network-namespace state
    <config_dir>/config.toml           settings (see nerdpy.config)

Lock rules: all locks are flock(2) on files in locks/ (nerdpy.locks.file_lock),
taken in this order and never the other way round: gc.lock (shared by anything
that writes new content, exclusive for garbage collection, which only try-locks
what follows) -> ingest refs -> unpack-<chainid> -> container-<id>. sqlite
transactions are short and never held across a lock wait.

This module is pure: callers hand in identity and environment; it reads nothing.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from nerdpy.records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Mapping

APP = "nerdpy"
ROOT_DATA = Path("/var/lib/nerdpy")
ROOT_RUNTIME = Path("/run/nerdpy")
ROOT_CONFIG = Path("/etc/nerdpy")


@record
class Layout:
    """The three roots and every well-known path below them."""

    data_root: Path
    runtime_root: Path
    config_dir: Path

    @property
    def meta_db(self) -> Path:
        return self.data_root / "meta.db"

    @property
    def content_dir(self) -> Path:
        return self.data_root / "content"

    @property
    def snapshots_dir(self) -> Path:
        return self.data_root / "snapshots"

    @property
    def containers_dir(self) -> Path:
        return self.data_root / "containers"

    @property
    def volumes_dir(self) -> Path:
        return self.data_root / "volumes"

    @property
    def locks_dir(self) -> Path:
        return self.data_root / "locks"

    @property
    def runc_root(self) -> Path:
        return self.runtime_root / "runc"

    @property
    def shims_dir(self) -> Path:
        return self.runtime_root / "shims"

    @property
    def netns_dir(self) -> Path:
        return self.runtime_root / "netns"

    @property
    def holder_pidfile(self) -> Path:
        return self.runtime_root / "holder.pid"

    @property
    def holder_lock(self) -> Path:
        return self.runtime_root / "holder.lock"

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"


def root_layout() -> Layout:
    return Layout(ROOT_DATA, ROOT_RUNTIME, ROOT_CONFIG)


def rootless_layout(uid: int, env: Mapping[str, str], run_user: Path = Path("/run/user")) -> Layout:
    """XDG locations for an unprivileged user.

    The runtime root must be the same for every command of one user, whether
    its session has XDG_RUNTIME_DIR or not (`su`, `sudo -u`, cron, CI jobs):
    two roots would mean two user namespaces and containers `exec` cannot reach.
    So logind's /run/user/UID comes first whenever it exists and is ours, then
    XDG_RUNTIME_DIR, then a private directory under the temp dir."""
    data = _xdg_dir(env, "XDG_DATA_HOME", uid, ".local/share") / APP
    config = _xdg_dir(env, "XDG_CONFIG_HOME", uid, ".config") / APP
    xdg_runtime = env.get("XDG_RUNTIME_DIR", "")
    if _usable_private_dir(run_user / str(uid)):
        runtime = run_user / str(uid) / APP
    elif xdg_runtime and _usable_private_dir(Path(xdg_runtime)):
        runtime = Path(xdg_runtime) / APP
    else:
        # As podman does: a per-user directory under the temp dir, 0700 and ours.
        runtime = Path(env.get("TMPDIR", "/tmp")) / f"{APP}-run-{uid}" / APP
    return Layout(data, runtime, config)


def _xdg_dir(env: Mapping[str, str], variable: str, uid: int, default: str) -> Path:
    """The XDG Base Directory rule: the variable when it is an absolute path,
    else ~/<default>. (What platformdirs answers, without its ~6 ms import on
    every command: tests/unit/test_paths.py checks the two agree.)"""
    value = env.get(variable, "")
    if os.path.isabs(value):
        return Path(value)
    home = env.get("HOME", "")
    if not os.path.isabs(home):
        import pwd

        try:
            home = pwd.getpwuid(uid).pw_dir
        except KeyError:  # a uid without a passwd entry (some CI containers)
            home = os.path.expanduser("~")
    return Path(home, default)


def _usable_private_dir(path: Path) -> bool:
    # getuid(), not the host uid: inside the rootless namespace both read as 0.
    try:
        st = path.stat()
    except OSError:
        return False
    return st.st_uid == os.getuid() and os.access(path, os.W_OK | os.X_OK)


def ensure_private_dir(path: Path, uid: int | None = None) -> Path:
    """Create `path` (and parents) 0700, refusing a directory someone else owns
    or a symlink planted in its place (the runtime fallback lives in /tmp)."""
    owner = os.getuid() if uid is None else uid
    try:
        private_dirs(path)
        st: os.stat_result | None = os.lstat(path)
    except OSError:  # e.g. a dangling symlink planted in /tmp: mkdir says EEXIST, lstat...
        st = None
    if st is None or not stat.S_ISDIR(st.st_mode) or st.st_uid != owner:
        from nerdpy.errors import PermissionDenied

        raise PermissionDenied(
            f"{path} is not a private directory owned by uid {owner}",
            hint=f"remove {path} and try again",
        )
    if st.st_mode & 0o077:
        os.chmod(path, 0o700)
    return path


def private_dirs(path: Path) -> Path:
    """`mkdir -p` where every directory it creates is 0700 (Path.mkdir's
    `parents=True` makes the parents 0777 & ~umask: world-readable under 022).
    One failing mkdir when `path` exists, as cheap as `exist_ok=True`."""
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        return path
    except FileNotFoundError:
        private_dirs(path.parent)
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass
    return path


def write_private(path: str | Path, data: str | bytes) -> None:
    """Write a record file 0600 (Path.write_text creates 0666 & ~umask).
    O_NOFOLLOW: the temp names callers pass are never meant to be links."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
    try:
        view = data.encode() if isinstance(data, str) else data
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)
