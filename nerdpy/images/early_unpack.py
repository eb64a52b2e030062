"""Unpacking layer k of an image being pulled while layers k+1.. still download;
then the rest once the image is recorded (unpack is idempotent per chain ID)."""

from __future__ import annotations


from nerdpy.config import Settings
from nerdpy.content import Descriptor
from nerdpy.content.store import ContentStore
from nerdpy.errors import NotImplementedYet
from nerdpy.images import manifest as mf
from nerdpy.images.fetch import Fetcher
from nerdpy.images.progress import Progress, short_id
from nerdpy.records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable


@record
class _Prefix:
    """The first layers of an image being pulled: what `unpack` needs to apply them early."""

    id: str
    layers: list[Descriptor]
    diff_ids: list[str]
    chain_ids: list[str]
    content: ContentStore


class EarlyUnpack:
    """Unpack layer k while layers k+1.. still download (unpack is idempotent per chain ID)."""

    def __init__(self, settings: Settings, store: ContentStore, manifest: mf.Manifest,
                 fetcher: Fetcher) -> None:
        self.settings = settings
        self.store = store
        self.manifest = manifest
        self.fetcher = fetcher
        self.unpack = _unpack_function()
        self.reported: set[str] = set()
        self._ids: tuple[list[str], list[str]] | None = None

    def __call__(self, k: int) -> None:
        if self.unpack is None:
            return
        if self._ids is None:
            from nerdpy.images.image import chain_ids

            config = mf.parse_config(self.store.read_bytes(self.manifest.config.digest, mf.CONFIG_MAX))
            diff_ids = [str(d) for d in config["rootfs"]["diff_ids"]]
            if len(diff_ids) != len(self.manifest.layers):
                self.unpack = None  # the image store refuses this image with a clear error
                return
            self._ids = (diff_ids, chain_ids(diff_ids))
        diff_ids, chains = self._ids
        prefix = _Prefix(self.manifest.config.digest, list(self.manifest.layers[:k + 1]), diff_ids[:k + 1],
                         chains[:k + 1], self.store)
        self.extracting(k)
        try:
            self.unpack(self.settings, prefix)
        except NotImplementedYet:
            self.unpack = None
            return
        self.report(k)

    def extracting(self, k: int) -> None:
        """Docker's "Extracting" between "Download complete" and "Pull complete"."""
        layer = self.manifest.layers[k]
        if layer.digest in self.fetcher.downloaded and layer.digest not in self.reported:
            self.fetcher.progress(Progress(short_id(layer.digest), "Extracting", 0, 0))

    def report(self, k: int) -> None:
        layer = self.manifest.layers[k]
        if layer.digest in self.fetcher.downloaded and layer.digest not in self.reported:
            self.reported.add(layer.digest)
            self.fetcher.progress(Progress(short_id(layer.digest), "Pull complete", layer.size, layer.size))


def _unpack_function() -> Callable[[Settings, Any], str] | None:
    try:
        from nerdpy.images.unpack import unpack
    except ImportError:  # the snapshots area may not provide it yet: pull works without
        return None
    return unpack


def unpack_rest(settings: Settings, image: Any) -> None:
    """Unpack into snapshots when the snapshots area provides it (a no-op for early-unpacked layers)."""
    unpack = _unpack_function()
    if unpack is None:
        return
    try:
        unpack(settings, image)
    except NotImplementedYet:
        return
