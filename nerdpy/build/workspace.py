"""The stores a build works in: base images, step snapshots, layers, read-only views.

Snapshots of build steps are committed under the chain ID of the layers below
them, the same key `unpack` uses, so a built image runs without unpacking and a
step whose layer already exists shares its snapshot. Active snapshots and views
are named `build-...` and removed on every path out (a killed build leaves them
to `reap`, run at the start of the next build).
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from nerdpy.config import Settings
from nerdpy.images.assemble import Layer, store_layer
from nerdpy.images.image import Image, chain_ids
from nerdpy.images.store import ImageStore

PREFIX = "build-"


def chain_of(parent: str | None, diff_id: str) -> str:
    return chain_ids([parent, diff_id])[1] if parent else diff_id


class Workspace:
    def __init__(self, settings: Settings) -> None:
        from nerdpy.snapshots import get_snapshotter

        self.settings = settings
        self.images = ImageStore(settings)
        self.snapshotter = get_snapshotter(settings)
        self.scratch_dir = Path(settings.layout.runtime_root) / "build"
        self.scratch_dir.mkdir(parents=True, exist_ok=True, mode=0o700)

    # -- base images ------------------------------------------------------------
    def image(self, ref: str, pull: bool, platform: str = "") -> Image:
        from nerdpy.images.platform import parse_platform
        from nerdpy.images.pull import pull as pull_image

        found = None if pull else self.images.find(ref)
        if found is None:
            found = pull_image(self.settings, ref, parse_platform(platform) if platform else None).image
        return found

    def unpacked(self, image: Image) -> str | None:
        from nerdpy.images.unpack import unpack

        return unpack(self.settings, image) or None

    # -- snapshots ----------------------------------------------------------------
    def has_snapshot(self, key: str) -> bool:
        try:
            self.snapshotter.stat(key)
            return True
        except Exception:  # noqa: BLE001 - any lookup failure is "not there"
            return False

    def _key(self) -> str:
        return f"{PREFIX}{os.getpid()}-{secrets.token_hex(6)}"

    @contextmanager
    def mounted(self, parent: str | None, readonly: bool = False) -> Iterator[tuple[str, str]]:
        """A new active snapshot (or a view) on `parent`, mounted: yields (key, path)."""
        from nerdpy.snapshots.mount import mount_all, unmount_all

        key = self._key()
        mounts = (self.snapshotter.view(key, parent) if readonly else self.snapshotter.prepare(key, parent))
        target = tempfile.mkdtemp(prefix=f"root-{os.getpid()}-", dir=self.scratch_dir)
        try:
            mount_all(mounts, target)
            try:
                yield key, target
            finally:
                unmount_all(target)
        except BaseException:
            self.remove(key)
            raise
        finally:
            os.rmdir(target)
        if readonly:
            self.remove(key)

    def remove(self, key: str) -> None:
        try:
            self.snapshotter.remove(key)
        except Exception:  # noqa: BLE001 - already gone
            pass

    def finish(self, key: str, parent: str | None, produce: Callable[[BinaryIO], None] | None = None,
               layer: Layer | None = None, epoch: int | None = None) -> tuple[Layer, str]:
        """Turn active snapshot `key` into a committed one; returns (layer, chain ID).

        The layer is the snapshot's diff (`produce` None) or given (a COPY's tar, already
        applied). A snapshot for the same chain already committed is reused.
        """
        from nerdpy.snapshots.diff import write_diff

        try:
            if layer is None:
                produce = produce or (lambda out: write_diff(self.snapshotter, key, out))
                layer = store_layer(self.images, produce if epoch is None else _clamped(produce, epoch))
            chain = chain_of(parent, layer.diff_id)
            if self.has_snapshot(chain):
                self.remove(key)
            else:
                self.snapshotter.commit(chain, key)
            return layer, chain
        except BaseException:
            self.remove(key)
            raise

    def apply(self, parent: str | None, layer: Layer) -> str:
        """Commit a snapshot holding `layer` on `parent` (a COPY's tar); returns its chain ID."""
        from nerdpy.images.unpack import layer_options
        from nerdpy.snapshots.apply import apply_to_snapshot

        chain = chain_of(parent, layer.diff_id)
        if self.has_snapshot(chain):
            return chain
        key = self._key()
        self.snapshotter.prepare(key, parent)
        try:
            with self.images.content.open(layer.descriptor.digest) as src:
                apply_to_snapshot(self.snapshotter, key, src, layer_options(self.settings))
            self.snapshotter.commit(chain, key)
        except BaseException:
            self.remove(key)
            raise
        return chain

    def reap(self) -> None:
        """Clean up after builds that died (killed, host crash), found by the pid in the
        names: RUN containers and networks first, then mounts and scratch dirs, then the
        snapshots (removed only once nothing runs on or mounts them)."""
        stale = [i.key for i in self.snapshotter.walk() if i.key.startswith(PREFIX) and _dead(i.key[len(PREFIX):])]
        for key in stale:
            self._stop_step(key)
        for entry in os.listdir(self.scratch_dir):
            kind, _, rest = entry.partition("-")
            if kind in ("root", "empty", "context") and _dead(rest):
                from nerdpy.snapshots.mount import unmount_all

                try:
                    unmount_all(self.scratch_dir / entry)
                except Exception:  # noqa: BLE001 - not mounted
                    pass
                shutil.rmtree(self.scratch_dir / entry, ignore_errors=True)
        for key in stale:
            self.remove(key)

    def _stop_step(self, key: str) -> None:
        import subprocess

        from nerdpy.network import teardown
        from nerdpy.runtime import find_runtime

        binary = find_runtime(self.settings.runtime, self.settings.rootless) or self.settings.runtime
        subprocess.run([binary, "--root", str(self.settings.layout.runc_root), "delete", "--force", key],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        try:
            teardown(self.settings, key.removeprefix(PREFIX))
        except Exception:  # noqa: BLE001 - a step without a network
            pass
        shutil.rmtree(self.scratch_dir / key.removeprefix(PREFIX), ignore_errors=True)

    @contextmanager
    def empty_dir(self) -> Iterator[str]:
        path = tempfile.mkdtemp(prefix=f"empty-{os.getpid()}-", dir=self.scratch_dir)
        try:
            yield path
        finally:
            shutil.rmtree(path, ignore_errors=True)


def _dead(name: str) -> bool:
    """Whether the build whose pid starts `name` (`<pid>-<random>`) is gone."""
    pid = name.split("-", 1)[0]
    return pid.isdigit() and int(pid) != os.getpid() and not Path(f"/proc/{pid}").exists()


def _clamped(produce: Callable[[BinaryIO], None], epoch: int) -> Callable[[BinaryIO], None]:
    """The same tar with mtimes clamped to SOURCE_DATE_EPOCH and no atime/ctime records
    (BuildKit's rewrite-timestamp): a RUN step's layer is then reproducible."""
    import tarfile

    def rewrite(out: BinaryIO) -> None:
        with tempfile.TemporaryFile() as spool:
            produce(spool)
            spool.seek(0)
            with tarfile.open(fileobj=spool, mode="r|") as src, \
                    tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as dst:
                for info in src:
                    info.mtime = min(int(info.mtime), epoch)
                    info.pax_headers = {k: v for k, v in info.pax_headers.items()
                                        if k not in ("atime", "ctime", "mtime")}
                    dst.addfile(info, src.extractfile(info) if info.isreg() else None)

    return rewrite
