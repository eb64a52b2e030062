"""Push: upload an image's blobs and manifest to its registry.

For each blob: HEAD first (skip what the registry has), then a cross-repository
mount when another name of the image lives in the same registry, else an
upload — monolithic (POST + one PUT streaming the file) for small blobs,
chunked (PATCH per chunk with Content-Range, then PUT) for large ones. The
manifest goes last, byte-for-byte as stored, so its digest stays the same.
An index goes after every child manifest (pushed by digest) that is here;
children only the registry has are left alone, children nobody has fail the push.
"""

from __future__ import annotations

import threading
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

from nerdpy.config import Settings
from nerdpy.content import Descriptor
from nerdpy.content.store import ContentStore
from nerdpy.errors import NotFound, Unavailable
from nerdpy.images import manifest as mf
from nerdpy.images.platform import Platform, format_platform, matches
from nerdpy.images.client import make_client
from nerdpy.images.progress import Progress, short_id, silent
from nerdpy.records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from nerdpy.images.progress import ProgressFn
    from typing import Any

CHUNKED_ABOVE = 16 << 20  # blobs larger than this are sent in chunks
CHUNK_SIZE = 8 << 20


@record
class PushResult:
    reference: str
    tag: str
    digest: str
    size: int
    skipped_platforms: tuple[str, ...] = ()  # index children only the registry has
    note: str = ""  # set when only the one platform present was pushed, as Docker does


class _Uploader:
    def __init__(self, client: Any, store: ContentStore, repo: str, mount_from: str | None,
                 progress: ProgressFn, chunk_size: int, chunked_above: int) -> None:
        self.client = client
        self.store = store
        self.repo = repo
        self.mount_from = mount_from
        self.progress = progress
        self.chunk_size = chunk_size
        self.chunked_above = chunked_above
        self.cancelled = threading.Event()

    def upload(self, desc: Descriptor, show: bool) -> None:
        report = self.progress if show else silent
        sid = short_id(desc.digest)
        from nerdpy.remotes.client import push_scope

        if self.client.blob_exists(self.repo, desc.digest, push_scope(self.repo)):
            report(Progress(sid, "Layer already exists", desc.size, desc.size))
            return
        location = self.client.start_upload(self.repo, desc.digest, self.mount_from)
        if location is None:
            report(Progress(sid, f"Mounted from {self.mount_from}", desc.size, desc.size))
            return
        report(Progress(sid, "Pushing", 0, desc.size))
        with self.store.open(desc.digest) as f:
            if desc.size <= self.chunked_above:
                self.client.finish_upload(self.repo, location, desc.digest, f)
            else:
                self._chunked(f, location, desc, sid, report)
        report(Progress(sid, "Pushed", desc.size, desc.size))

    def _chunked(self, f: Any, location: str, desc: Descriptor, sid: str, report: ProgressFn) -> None:
        sent = 0
        while True:
            if self.cancelled.is_set():
                raise Unavailable("push cancelled")
            chunk = f.read(self.chunk_size)
            if not chunk:
                break
            location = self.client.upload_chunk(self.repo, location, chunk, sent)
            sent += len(chunk)
            report(Progress(sid, "Pushing", sent, desc.size))
        self.client.finish_upload(self.repo, location, desc.digest, None)


def _mount_source(image: Any, domain: str, repo: str) -> str | None:
    """Another repository of the same registry that holds this image (for a cross-repo mount)."""
    from nerdpy import reference

    for name in image.names:
        other = reference.parse(name, default_tag=False)
        if other.domain == domain and other.path != repo:
            return other.path
    return None


def _upload_all(uploader: _Uploader, manifest: mf.Manifest, workers: int) -> None:
    """Layers and config in parallel; the first failure cancels the rest."""
    for layer in manifest.layers:
        uploader.progress(Progress(short_id(layer.digest), "Preparing", 0, layer.size))
    jobs = [(layer, True) for layer in manifest.layers] + [(manifest.config, False)]
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(jobs)))) as pool:
        futures = [pool.submit(uploader.upload, desc, show) for desc, show in jobs]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        failed = [error for f in done if (error := f.exception()) is not None]
        if failed:
            uploader.cancelled.set()
            wait(futures)
            raise failed[0]


def _complete(store: ContentStore, child: Descriptor) -> bool:
    """Is this platform manifest here with its config and every layer?"""
    if child.media_type not in mf.MANIFEST_TYPES or not store.has(child.digest):
        return False
    manifest = mf.parse_manifest(store.read_bytes(child.digest, mf.MANIFEST_MAX), child.media_type)
    return all(store.has(d.digest) for d in (manifest.config, *manifest.layers))


def _platform_name(child: Descriptor) -> str:
    plat = dict(child.platform or {})
    parts = [str(plat.get(k) or "") for k in ("os", "architecture", "variant")]
    return "/".join(p for p in parts if p) or child.digest


def _index_children(client: Any, store: ContentStore, repo: str,
                    index: mf.Index) -> tuple[list[Descriptor], list[str], list[str]]:
    """(children to push, platforms only the registry has, platforms nobody has)."""
    push, skipped, missing = [], [], []
    for child in index.manifests:
        if _complete(store, child):
            push.append(child)
        elif client.manifest_exists(repo, child.digest):
            skipped.append(_platform_name(child))
        else:
            missing.append(_platform_name(child))
    return push, skipped, missing


def _incomplete(what: str, present: list[Descriptor], missing: list[str]) -> Descriptor:
    """An index with platforms neither here nor in the registry can't go as it is
    (the registry would refuse it, or keep a broken one). As Docker: with exactly
    one platform here, that platform is pushed alone; with several, the user picks."""
    if len(present) == 1:
        return present[0]
    raise NotFound(f"cannot push {what}: platform(s) {', '.join(missing)} of its index are not present "
                   "locally nor in the registry",
                   hint="pull or load those platforms first, or push one platform with --platform")


def _top(store: ContentStore, image: Any, platform: Platform | None) -> Descriptor:
    """What goes under the tag: the index, or with `platform` that platform's manifest only."""
    target = image.target
    if platform is None:
        return target if target.media_type in mf.INDEX_TYPES else image.manifest_descriptor
    if target.media_type in mf.INDEX_TYPES:
        index = mf.parse_index(store.read_bytes(target.digest, mf.MANIFEST_MAX), target.media_type)
        child = mf.choose_manifest(index, platform)
        if not _complete(store, child):
            raise NotFound(f"platform {format_platform(platform)} of {image.name} is not present locally",
                           hint=f"pull it first: nerdpy pull --platform {format_platform(platform)} ...")
        return Descriptor(child.media_type, child.digest, child.size)
    if not matches(platform, image.platform):
        raise NotFound(f"{image.name} is {format_platform(image.platform)}, not {format_platform(platform)}")
    return image.manifest_descriptor


def push(settings: Settings, text: str, progress: ProgressFn = silent, workers: int = 4,
         chunk_size: int = CHUNK_SIZE, chunked_above: int = CHUNKED_ABOVE,
         platform: Platform | None = None) -> PushResult:
    """Push one name. A name whose target is an index pushes every platform manifest
    present here, then the index itself, byte for byte; with `platform`, only that
    platform's manifest goes under the tag (Docker's `push --platform`)."""
    from nerdpy import reference
    from nerdpy.images.store import ImageStore

    ref = reference.parse(text)
    images = ImageStore(settings)
    image = images.find(str(ref))
    if image is None:
        raise NotFound(f"An image does not exist locally with the tag: {ref.familiar()}")
    store = images.content
    top = _top(store, image, platform)
    body = store.read_bytes(top.digest, mf.MANIFEST_MAX)
    client = make_client(settings, ref.domain)
    uploader = _Uploader(client, store, ref.path, _mount_source(image, ref.domain, ref.path), progress,
                         chunk_size, chunked_above)
    skipped: list[str] = []
    note = ""
    try:
        if top.media_type in mf.INDEX_TYPES:
            children, skipped, missing = _index_children(client, store, ref.path, mf.parse_index(body, top.media_type))
            if missing:
                single = _incomplete(ref.familiar(), children, missing)
                note = ("Not all multiplatform-content is present and only the available single-platform image "
                        f"was pushed\n{top.digest} -> {single.digest}")
                top, children, skipped = Descriptor(single.media_type, single.digest, single.size), [], []
                body = store.read_bytes(top.digest, mf.MANIFEST_MAX)
        if top.media_type in mf.INDEX_TYPES:
            for child in children:
                child_body = store.read_bytes(child.digest, mf.MANIFEST_MAX)
                _upload_all(uploader, mf.parse_manifest(child_body, child.media_type), workers)
                client.put_manifest(ref.path, child.digest, child_body, child.media_type)
        else:
            _upload_all(uploader, mf.parse_manifest(body, top.media_type), workers)
        tag = ref.tag or ref.digest or "latest"
        digest = client.put_manifest(ref.path, tag, body, top.media_type)
    finally:
        client.close()
    return PushResult(str(ref), tag, digest, len(body), tuple(skipped), note)
