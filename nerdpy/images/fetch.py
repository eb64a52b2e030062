"""Fetching an image's blobs into the content store: config and layers in parallel
(bounded threads), each through the store's writer under the ref `pull-<digest>`
shared by every process, resumed with an HTTP Range after a dropped connection or
a killed pull, digest-verified before it becomes visible."""

from __future__ import annotations

import threading

from nerdpy.content import Descriptor
from nerdpy.content.store import ContentStore
from nerdpy.errors import DataCorrupted, Unavailable
from nerdpy.images import manifest as mf
from nerdpy.images.progress import Progress, short_id, silent

TYPE_CHECKING = False
if TYPE_CHECKING:
    from nerdpy.images.progress import ProgressFn
    from typing import Any, Callable

_ATTEMPTS = 3  # per blob: a dropped connection resumes from the bytes already written
# Small reads: an interrupted read loses its partial chunk, so this bounds what a resume refetches.
_READ_SIZE = 256 * 1024


class _Interrupted(Unavailable):
    """The body stopped mid-way: worth resuming from the bytes already written."""


class Fetcher:
    """Downloads blobs into the content store; one instance per pull, shared by threads."""

    def __init__(self, client: Any, store: ContentStore, repo: str, progress: ProgressFn) -> None:
        self.client = client
        self.store = store
        self.repo = repo
        self.progress = progress
        self.cancelled = threading.Event()
        self.downloaded: set[str] = set()

    def fetch(self, desc: Descriptor, show: bool = True) -> None:
        report = self.progress if show else silent
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


def fetch_all(fetcher: Fetcher, manifest: mf.Manifest, workers: int,
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
