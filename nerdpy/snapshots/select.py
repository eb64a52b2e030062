"""Choose the store's snapshotter once and remember it.

Order when probing: overlay (a real test mount, in the user namespace when
rootless), fuse-overlayfs (needs /dev/fuse), native. The choice is written to
`<data_root>/snapshots/driver` (the name on one line; `nerdpy info` reads it)
under `snapshots/driver.lock`, so two first commands agree. A later
`--storage-driver` that differs from the recorded one is refused: layers
unpacked for one driver are unreadable by another.
"""

from __future__ import annotations

import os
from pathlib import Path

from nerdpy.config import STORAGE_DRIVERS, Settings
from nerdpy.errors import Conflict, DataCorrupted, Unavailable
from nerdpy.locks import file_lock
from nerdpy.paths import private_dirs, write_private
from nerdpy.snapshots import Snapshotter
from nerdpy.snapshots.isolated import run_isolated

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from nerdpy.snapshots.store import SnapshotStore


def driver_class(name: str) -> type[SnapshotStore]:
    if name == "native":
        from nerdpy.snapshots.native import NativeSnapshotter

        return NativeSnapshotter
    from nerdpy.snapshots.overlay import FuseOverlaySnapshotter, OverlaySnapshotter

    return OverlaySnapshotter if name == "overlay" else FuseOverlaySnapshotter


def recorded_driver(snapshots_dir: Path) -> str | None:
    try:
        name = (snapshots_dir / "driver").read_text().strip()
    except FileNotFoundError:
        return None
    if name not in STORAGE_DRIVERS:
        raise DataCorrupted(f"{snapshots_dir / 'driver'} names unknown driver {name!r}")
    return name


def select_driver(settings: Settings) -> Snapshotter:
    snaps = settings.layout.snapshots_dir
    # Unpacked trees hold setuid binaries: keep other host users out (CVE-2021-41091).
    private_dirs(snaps)
    storage, forced = None, settings.storage_driver
    if settings.storage_opts:  # parsed only when given: `run` does not import the options module
        from nerdpy.snapshots import options

        storage = options.parse(settings.storage_opts)
        forced = options.effective_driver(forced, storage)
    name = recorded_driver(snaps)
    if name is None:
        with file_lock(snaps / "driver.lock"):
            name = recorded_driver(snaps) or _choose(forced, snaps, storage)
    if forced and forced != name:
        raise Conflict(
            f"the store in {settings.layout.data_root} uses storage driver {name}, not {forced}",
            hint=f"drop --storage-driver (or overlay.mount_program), or use another --data-root for {forced}")
    snapshotter = driver_class(name)(settings.layout.data_root)
    if storage is not None:
        options.check(name, storage)
        snapshotter.configure(storage)
    return snapshotter


def _choose(forced: str | None, snaps: Path, storage: Any = None) -> str:
    candidates = [forced] if forced else list(STORAGE_DRIVERS)
    reasons = []
    for name in candidates:
        problem = probe(name, snaps, storage)
        if problem is None:
            tmp = snaps / f".driver.{os.getpid()}"
            write_private(tmp, name + "\n")
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
            os.replace(tmp, snaps / "driver")
            return name
        reasons.append(f"{name}: {problem}")
    raise Unavailable(f"storage driver unusable ({'; '.join(reasons)})",
                      hint="run `nerdpy info`, or choose --storage-driver native")


def probe(name: str, where: Path, storage: Any = None) -> str | None:
    """None if driver `name` works on the filesystem of `where`, else why not."""
    if name == "native":
        return None
    import shutil  # probing is rare (once per store); `run` does not pay for shutil

    from nerdpy.linux.which import find_executable

    if name == "fuse-overlayfs":
        if not (storage is not None and storage.mount_program) and not find_executable("fuse-overlayfs"):
            return "fuse-overlayfs is not installed"
        if not os.access("/dev/fuse", os.R_OK | os.W_OK):
            return "/dev/fuse is not accessible"
    import tempfile

    test = Path(tempfile.mkdtemp(prefix="probe-", dir=where))
    try:
        return run_isolated(lambda: _try_mount(name, test, storage))
    except Unavailable as exc:
        return str(exc)
    finally:
        shutil.rmtree(test, ignore_errors=True)


def _try_mount(name: str, test: Path, storage: Any = None) -> str | None:
    from nerdpy.snapshots import Kind
    from nerdpy.snapshots.mount import mount_all, unmount_all

    # The same layout and options a real snapshot gets: test/fs is the upper dir.
    for sub in ("lower", "fs", "work", "merged"):
        (test / sub).mkdir()
    (test / "lower" / "gone").write_text("x")
    cls = driver_class(name)
    snapshotter = cls.__new__(cls)
    if storage is not None:
        snapshotter.configure(storage)
    mounts = snapshotter._mounts(test, Kind.ACTIVE, [test / "lower"])
    try:
        mount_all(mounts, test / "merged")
    except Unavailable as exc:
        return str(exc).split(": ", 1)[-1]
    try:
        (test / "merged" / "new").write_text("y")
        os.unlink(test / "merged" / "gone")  # must leave a whiteout in the upper dir
        if not (test / "fs" / "new").exists() or os.path.exists(test / "merged" / "gone"):
            return "writes do not reach the upper directory"
    except OSError as exc:
        return f"test write failed: {exc.strerror}"
    finally:
        unmount_all(test / "merged")
    return None
