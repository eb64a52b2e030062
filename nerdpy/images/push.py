"""Push: upload an image's blobs and manifest to its registry.

For each blob: HEAD first (skip what the registry has), then a cross-repository
mount when another name of the image lives in the same registry, else an
upload — monolithic (POST + one PUT streaming the file) for small blobs,
chunked (PATCH per chunk with Content-Range, then PUT) for large ones. The
manifest goes last, byte-for-byte as stored, so its digest stays the same.
"""

from __future__ import annotations

import threading
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import Any

from nerdpy.config import Settings
from nerdpy.content import Descriptor
from nerdpy.content.store import ContentStore
from nerdpy.errors import Unavailable
from nerdpy.images import manifest as mf
from nerdpy.images.pull import Progress, ProgressFn, _silent, make_client, short_id
from nerdpy.records import record

CHUNKED_ABOVE = 16 << 20  # blobs larger than this are sent in chunks
CHUNK_SIZE = 8 << 20


@record
class PushResult:
    reference: str
    tag: str
    digest: str
    size: int


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
        report = self.progress if show else _silent
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


def push(settings: Settings, text: str, progress: ProgressFn = _silent, workers: int = 4,
         chunk_size: int = CHUNK_SIZE, chunked_above: int = CHUNKED_ABOVE) -> PushResult:
    from nerdpy import reference
    from nerdpy.images.store import ImageStore

    ref = reference.parse(text)
    images = ImageStore(settings)
    image = images.get(str(ref))
    store = images.content
    manifest_desc = image.manifest_descriptor
    body = store.read_bytes(manifest_desc.digest, mf.MANIFEST_MAX)
    manifest = mf.parse_manifest(body, manifest_desc.media_type)
    client = make_client(settings, ref.domain)
    uploader = _Uploader(client, store, ref.path, _mount_source(image, ref.domain, ref.path), progress,
                         chunk_size, chunked_above)
    try:
        for layer in manifest.layers:
            progress(Progress(short_id(layer.digest), "Preparing", 0, layer.size))
        jobs = [(layer, True) for layer in manifest.layers] + [(manifest.config, False)]
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(jobs)))) as pool:
            futures = [pool.submit(uploader.upload, desc, show) for desc, show in jobs]
            done, _ = wait(futures, return_when=FIRST_EXCEPTION)
            failed = [f for f in done if f.exception() is not None]
            if failed:
                uploader.cancelled.set()
                wait(futures)
                raise failed[0].exception()  # type: ignore[misc]
        tag = ref.tag or ref.digest or "latest"
        digest = client.put_manifest(ref.path, tag, body, manifest_desc.media_type)
    finally:
        client.close()
    return PushResult(str(ref), tag, digest, len(body))
