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

import threading
from nerdpy.records import record
from typing import Any, Callable

from nerdpy.config import Settings
from nerdpy.content import Descriptor
from nerdpy.content.store import ContentStore
from nerdpy.errors import (DataCorrupted, InvalidArgument, NerdpyError, NotFound, NotImplementedYet,
                           PermissionDenied, Unauthenticated, Unavailable)
from nerdpy.images import manifest as mf
from nerdpy.images.platform import Platform, host_platform

_GENERIC_TYPES = ("", "application/json", "application/octet-stream", "text/plain")
_ATTEMPTS = 3  # per blob: a dropped connection resumes from the bytes already written
_NESTING = 4
# Small reads: an interrupted read loses its partial chunk, so this bounds what a resume refetches.
_READ_SIZE = 256 * 1024


@record
class Progress:
    """One progress event; `id` is the short layer digest (12 hex) or "" for the image."""

    id: str
    status: str  # Pulling fs layer, Downloading, Verifying Checksum, Download complete, Extracting, Pull complete, Already exists
    current: int = 0
    total: int = 0


ProgressFn = Callable[[Progress], None]


class _Interrupted(Unavailable):
    """The body stopped mid-way: worth resuming from the bytes already written."""


def _silent(_: Progress) -> None:
    return None


@record
class Resolved:
    """What a reference points at in the registry."""

    target: Descriptor  # the tag's manifest or index
    manifest_desc: Descriptor  # the platform's manifest
    manifest: mf.Manifest


@record
class PullResult:
    reference: str  # normalised, e.g. docker.io/library/busybox:latest
    familiar: str  # as Docker shows it: busybox:latest
    digest: str  # of the tag's manifest or index
    image: Any  # the ImageStore's Image
    up_to_date: bool


def short_id(digest: str) -> str:
    return digest.split(":", 1)[-1][:12]


def make_client(settings: Settings, registry: str, endpoint: Any = None) -> Any:
    """A RegistryClient for `registry` (or a mirror's `endpoint`) with the user's stored credentials."""
    from nerdpy.remotes.client import RegistryClient
    from nerdpy.remotes.credentials import CredentialStore
    from nerdpy.remotes.hosts import endpoint_for
    from nerdpy.remotes.mirrors import insecure_registries
    from nerdpy.remotes.transport import transport_for

    if endpoint is None:
        endpoint = endpoint_for(registry, insecure_registries(settings))
    creds = None
    if settings.docker_config_dir is not None:
        creds = CredentialStore(settings.docker_config_dir / "config.json").get(endpoint.name)
    return RegistryClient(endpoint, creds, transport=transport_for(settings, endpoint))


def _media_type(body: bytes, declared: str, what: str) -> str:
    """The document's type; rejects ambiguous documents (CVE-2021-41190)."""
    import json

    media_type = mf.detect_media_type(body, None if declared in _GENERIC_TYPES else declared)
    doc = json.loads(body)
    if media_type in mf.INDEX_TYPES and ("config" in doc or "layers" in doc):
        raise DataCorrupted(f"malformed index for {what}: it also has config/layers")
    if media_type in mf.MANIFEST_TYPES and "manifests" in doc:
        raise DataCorrupted(f"malformed manifest for {what}: it also has manifests")
    if media_type not in mf.MANIFEST_TYPES + mf.INDEX_TYPES:
        raise InvalidArgument(f"unsupported manifest media type {media_type!r} for {what}")
    return media_type


def _fetch_manifest(client: Any, store: ContentStore, repo: str, reference: str,
                    expected: Descriptor | None, what: str) -> tuple[Descriptor, bytes]:
    if expected is not None and expected.size > mf.MANIFEST_MAX:
        raise DataCorrupted(f"manifest {expected.digest} of {what} declares {expected.size} bytes, "
                            f"over the {mf.MANIFEST_MAX}-byte limit", hint="the registry serves a hostile index")
    if expected is not None and store.has(expected.digest):
        body = store.read_bytes(expected.digest, mf.MANIFEST_MAX)
        return expected, body
    limit = expected.size if expected is not None else mf.MANIFEST_MAX
    body, declared, digest = client.get_manifest(repo, reference, what, max_size=limit)
    if expected is not None:
        if digest != expected.digest or len(body) != expected.size:
            raise DataCorrupted(f"manifest {expected.digest} of {what} does not match its descriptor")
        declared = expected.media_type or declared
    media_type = _media_type(body, declared, what)
    store.add_bytes(body, digest)
    return Descriptor(media_type, digest, len(body)), body


def resolve(client: Any, store: ContentStore, repo: str, reference: str, want: Platform,
            what: str) -> Resolved:
    """Tag or digest -> manifest (stored), narrowing indexes to `want`."""
    target, body = _fetch_manifest(client, store, repo, reference, None, what)
    desc = target
    for _ in range(_NESTING):
        if desc.media_type in mf.INDEX_TYPES:
            child = mf.choose_manifest(mf.parse_index(body, desc.media_type), want)
            if child.urls:
                child = Descriptor(child.media_type, child.digest, child.size)
            desc, body = _fetch_manifest(client, store, repo, child.digest, child, what)
            continue
        manifest = mf.parse_manifest(body, desc.media_type)
        if len(manifest.layers) == 0:
            raise DataCorrupted(f"malformed manifest for {what}: no layers")
        if manifest.config.size > mf.CONFIG_MAX:
            raise DataCorrupted(f"image config of {what} declares {manifest.config.size} bytes, "
                                f"over the {mf.CONFIG_MAX}-byte limit", hint="the registry serves a hostile manifest")
        return Resolved(target, desc, manifest)
    raise DataCorrupted(f"indexes of {what} are nested too deeply")


class _Fetcher:
    """Downloads blobs into the content store; one instance per pull, shared by threads."""

    def __init__(self, client: Any, store: ContentStore, repo: str, progress: ProgressFn) -> None:
        self.client = client
        self.store = store
        self.repo = repo
        self.progress = progress
        self.cancelled = threading.Event()
        self.downloaded: set[str] = set()

    def fetch(self, desc: Descriptor, show: bool = True) -> None:
        report = self.progress if show else _silent
        sid = short_id(desc.digest)
        if self.store.has(desc.digest):
            report(Progress(sid, "Already exists"))
            return
        stopped: _Interrupted | None = None
        with self.store.writer(f"pull-{desc.digest}", desc) as w:
            if w.exists:  # another pull committed it while we waited for the ref
                w.discard()
                report(Progress(sid, "Already exists"))
                return
            stopped = None if self._complete(w, desc) else self._download_with_retries(w, desc, sid, report)
            if stopped is None:
                report(Progress(sid, "Verifying Checksum", w.offset, desc.size))
                try:
                    w.commit()
                except DataCorrupted:
                    raise DataCorrupted(
                        f"blob {desc.digest} from {self.client.endpoint.name}/{self.repo} does not match its digest",
                        hint="the registry served corrupt data; nothing was stored") from None
        if stopped is not None:  # raised outside the writer: the partial bytes stay for a resume
            raise Unavailable(stopped.message, hint="pull again to resume")
        self.downloaded.add(desc.digest)
        report(Progress(sid, "Download complete", desc.size, desc.size))

    @staticmethod
    def _complete(w: Any, desc: Descriptor) -> bool:
        """An ingest that already holds the whole blob (a pull killed between its last
        byte and the commit): verified here rather than asking the registry for bytes
        past the end; a wrong digest drops it and the blob is fetched from zero."""
        if w.offset != desc.size:
            return False
        if w.digest() == desc.digest:
            return True
        w.truncate(0)
        return False

    def _download_with_retries(self, w: Any, desc: Descriptor, sid: str,
                               report: ProgressFn) -> "_Interrupted | None":
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                self._download(w, desc, sid, report)
                return None
            except _Interrupted as exc:
                if attempt == _ATTEMPTS or self.cancelled.is_set():
                    return exc
        return None

    def _download(self, w: Any, desc: Descriptor, sid: str, report: ProgressFn) -> None:
        import requests

        try:
            resp, start = self.client.open_blob(self.repo, desc.digest, w.offset)
        except Unavailable as exc:  # registry gone mid-pull: keep what we have
            raise _Interrupted(exc.message) from None
        with resp:
            if start != w.offset:
                w.truncate(start)
            report(Progress(sid, "Downloading", w.offset, desc.size))
            try:
                for chunk in resp.iter_content(_READ_SIZE):
                    if self.cancelled.is_set():
                        raise _Interrupted("pull cancelled")
                    w.write(chunk)
                    report(Progress(sid, "Downloading", w.offset, desc.size))
            except requests.RequestException as exc:
                raise _Interrupted(f"download of {desc.digest} was interrupted: {type(exc).__name__}") from None
        if w.offset < desc.size:
            raise _Interrupted(f"download of {desc.digest} ended early at {w.offset} of {desc.size} bytes")


def fetch_all(fetcher: _Fetcher, manifest: mf.Manifest, workers: int,
              on_layer: Callable[[int], None] | None = None) -> None:
    """Config and layers, in parallel; the first failure cancels the rest.

    `on_layer(k)` runs in this thread as soon as the config and layers 0..k are
    stored, in order, while later layers still download (pipelined unpack).
    """
    # Here, not at the top: concurrent.futures pulls in logging (~9 ms) that an
    # up-to-date pull never needs.
    from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

    for layer in manifest.layers:
        if not fetcher.store.has(layer.digest):
            fetcher.progress(Progress(short_id(layer.digest), "Pulling fs layer", 0, layer.size))
    jobs = [(manifest.config, False)] + [(layer, True) for layer in manifest.layers]
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(jobs)))) as pool:
        try:
            futures = [pool.submit(fetcher.fetch, desc, show) for desc, show in jobs]
            if on_layer is not None:
                futures[0].result()
                for k, future in enumerate(futures[1:]):
                    future.result()
                    on_layer(k)
            done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        except BaseException:  # a failure, or Ctrl-C: let the workers stop at their next chunk
            fetcher.cancelled.set()
            raise
        failed = [f for f in done if f.exception() is not None]
        if failed:
            fetcher.cancelled.set()
            wait(futures)
            raise failed[0].exception()  # type: ignore[misc]


@record
class _Prefix:
    """The first layers of an image being pulled: what `unpack` needs to apply them early."""

    id: str
    layers: list[Descriptor]
    diff_ids: list[str]
    chain_ids: list[str]
    content: ContentStore


class _EarlyUnpack:
    """Unpack layer k while layers k+1.. still download (unpack is idempotent per chain ID)."""

    def __init__(self, settings: Settings, store: ContentStore, manifest: mf.Manifest,
                 fetcher: _Fetcher) -> None:
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


def pull(settings: Settings, text: str, platform: Platform | None = None,
         progress: ProgressFn = _silent, workers: int = 3) -> PullResult:
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
    resolved, image, early = got
    for k in range(len(resolved.manifest.layers)):  # the layers early unpack did not take
        early.extracting(k)
    _unpack(settings, image)
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
            fetcher = _Fetcher(client, store, source.repo, progress)
            early = _EarlyUnpack(settings, store, resolved.manifest, fetcher)
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


def _unpack_function() -> Callable[[Settings, Any], str] | None:
    try:
        from nerdpy.images.unpack import unpack
    except ImportError:  # the snapshots area may not provide it yet: pull works without
        return None
    return unpack


def _unpack(settings: Settings, image: Any) -> None:
    """Unpack into snapshots when the snapshots area provides it (a no-op for early-unpacked layers)."""
    unpack = _unpack_function()
    if unpack is None:
        return
    try:
        unpack(settings, image)
    except NotImplementedYet:
        return
