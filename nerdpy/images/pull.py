"""Pull: resolve a reference at its registry, fetch what is missing, record the image.

Order: manifest (an index is narrowed to one platform), then the config and the
missing layers in parallel (bounded threads; the caller has already joined the
rootless namespace, so threads are allowed). Each blob goes through the content
store's writer under the ref `pull-<digest>`, shared by every process: a second
concurrent pull waits for the first and then finds the blob committed; a killed
pull leaves its partial bytes there and the next pull resumes with an HTTP Range.
A connection dropped mid-blob is resumed in the same pull (bounded attempts).
Every byte is digest-verified before it becomes visible. Foreign-layer `urls`
are never followed; such layers come from the registry or not at all. When the
snapshots area provides `unpack`, layer k is unpacked as soon as layers 0..k are
stored, while later layers still download.

Limits, as containerd's: a manifest or index is at most 4 MiB (MANIFEST_MAX), an
image config 8 MiB (CONFIG_MAX). A descriptor declaring more is refused before
any byte is fetched, and no body is read past its declared size (the content
store's writer refuses the excess), so a hostile registry cannot make a pull
download more than the descriptors announce.
"""

from __future__ import annotations


from nerdpy.config import Settings
from nerdpy.content.store import ContentStore
from nerdpy.errors import InvalidArgument, NerdpyError, NotFound, PermissionDenied, Unauthenticated, Unavailable
from nerdpy.images.platform import Platform, host_platform
from nerdpy.images.progress import silent
from nerdpy.records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from nerdpy.images.progress import ProgressFn
    from typing import Any
    from nerdpy.images.resolve import Resolved


@record
class PullResult:
    reference: str  # normalised, e.g. docker.io/library/busybox:latest
    familiar: str  # as Docker shows it: busybox:latest
    digest: str  # of the tag's manifest or index
    image: Any  # the ImageStore's Image
    up_to_date: bool


def pull(settings: Settings, text: str, platform: Platform | None = None,
         progress: ProgressFn = silent, workers: int = 3) -> PullResult:
    """Pull `text` (a reference) for `platform` (default: this host) into the stores."""
    from nerdpy import reference
    from nerdpy.images.store import ImageStore

    ref = reference.parse(text)
    want = platform or host_platform()
    what = ref.familiar()
    images = ImageStore(settings)
    present = _present_and_current(settings, images, ref, want)
    if present is not None:
        return PullResult(str(ref), what, present.target.digest, present, True)
    from nerdpy.remotes.mirrors import pull_sources

    sources = pull_sources(settings, ref.domain, ref.path, bool(ref.digest))
    for n, source in enumerate(sources):
        try:
            got = _pull_from(settings, images, source, ref, want, progress, workers)
            break
        except _MIRROR_FALLBACK as exc:
            if not source.mirror:
                raise
            _mirror_failed(source, sources[n + 1], exc)
    if isinstance(got, PullResult):
        return got
    from nerdpy.images.early_unpack import unpack_rest

    resolved, image, early = got
    for k in range(len(resolved.manifest.layers)):  # the layers early unpack did not take
        early.extracting(k)
    unpack_rest(settings, image)
    for k in range(len(resolved.manifest.layers)):
        early.report(k)
    return PullResult(str(ref), what, resolved.target.digest, image, False)


# A mirror's failure hands over to the next source (Docker falls back on connection errors,
# 5xx, unknown manifests and refused credentials); corrupt data from it does not.
_MIRROR_FALLBACK = (Unavailable, NotFound, InvalidArgument, PermissionDenied, Unauthenticated)


def _mirror_failed(source: Any, following: Any, exc: NerdpyError) -> None:
    import logging

    logging.getLogger("nerdpy.remotes").warning(
        "WARNING: mirror %s failed (%s); pulling from %s", source.endpoint.name, exc.message,
        following.endpoint.name)


def _pull_from(settings: Settings, images: Any, source: Any, ref: Any, want: Platform,
               progress: ProgressFn, workers: int) -> Any:
    """Resolve and fetch from one source: a PullResult when nothing was missing, else
    (resolved, image, early unpacker)."""
    # Here, not at the top: an up-to-date pull (answered by the probe) needs none of it.
    from nerdpy.images.client import make_client
    from nerdpy.images.early_unpack import EarlyUnpack
    from nerdpy.images.fetch import Fetcher, fetch_all
    from nerdpy.images.resolve import resolve

    what = ref.familiar()
    store = images.content
    client = make_client(settings, ref.domain, source.endpoint)
    try:
        # Shared gc.lock from the first blob until the image row exists: a concurrent GC
        # must not sweep what we are about to reference.
        with images.ingest_guard():
            resolved = resolve(client, store, source.repo, ref.digest or ref.tag or "latest", want, what)
            image = _existing(images, store, str(ref), resolved)
            if image is not None:
                return PullResult(str(ref), what, resolved.target.digest, image, True)
            fetcher = Fetcher(client, store, source.repo, progress)
            early = EarlyUnpack(settings, store, resolved.manifest, fetcher)
            fetch_all(fetcher, resolved.manifest, workers, early)
            image = images.put(str(ref), resolved.target, want)
    finally:
        client.close()
    return resolved, image, early


def _present_and_current(settings: Settings, images: Any, ref: Any, want: Platform) -> Any:
    """The stored image when it is complete and the registry still gives its digest for `ref`.

    One manifest HEAD over the standard library (nerdpy.remotes.probe), so an
    up-to-date pull never imports requests; None sends the pull down the full path."""
    from nerdpy.images.platform import matches

    image = images.find(str(ref))
    if image is None or not matches(want, image.platform):
        return None
    try:
        wanted = [image.manifest.config, *image.manifest.layers]
    except NerdpyError:
        return None
    if not all(images.content.has(d.digest) for d in wanted):
        return None
    from nerdpy.remotes.mirrors import pull_sources
    from nerdpy.remotes.probe import head_manifest_digest
    from nerdpy.remotes.transport import transport_for

    for source in pull_sources(settings, ref.domain, ref.path, bool(ref.digest)):
        digest = head_manifest_digest(source.endpoint, transport_for(settings, source.endpoint), source.repo,
                                      ref.digest or ref.tag or "latest")
        if digest is not None:
            return image if digest == image.target.digest else None
    return None


def _existing(images: Any, store: ContentStore, name: str, resolved: Resolved) -> Any:
    """The stored image when `name` already points at this target with all its blobs."""
    try:
        image = images.get(name)
    except NotFound:
        return None
    if (image.target.digest, image.manifest_descriptor.digest) != (
            resolved.target.digest, resolved.manifest_desc.digest):
        return None
    wanted = [resolved.manifest.config, *resolved.manifest.layers]
    return image if all(store.has(d.digest) for d in wanted) else None
