"""Recovery of pulls (issue 18): a pull killed after a layer's last byte but before
its commit never blocks later pulls, and stale ingests are reclaimed by prune."""

from __future__ import annotations

import hashlib
import os
import signal
import time

import pytest

from tests.integration.registry_fake import fake  # noqa: F401 - fixture
from tests.integration.test_registry_misbehaving import blob_path

pytestmark = pytest.mark.integration


def chunk_aligned_image(images):
    """One uncompressed layer padded with zeros (after tar's end blocks, still a valid
    tar) to 1 MiB: the client's reads end exactly at the blob's end, so with the fake's
    stall it holds every byte and waits for one more that never comes."""
    tar = images.LayerSpec().file("/payload", os.urandom(300 * 1024)).tar_bytes()
    padded = tar + bytes((1 << 20) - len(tar))
    return images.build_image([images.make_layer(padded, None)])


def ingest_of(np, digest: str):
    """The ingest directory of `pull-<digest>`, or None."""
    root = np.data_root / "content" / "ingest"
    for ref in root.glob("*/ref") if root.exists() else ():
        try:
            if ref.read_text() == f"pull-{digest}":
                return ref.parent
        except OSError:
            continue
    return None


def kill_after_last_byte(np, fake, reference: str, layer) -> os.PathLike:
    """Start a pull, SIGKILL it once the layer's every byte is in its ingest."""
    fake.stall_blob = layer.digest
    proc = np.popen("pull", "-q", reference)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            found = ingest_of(np, layer.digest)
            if found is not None and (found / "data").exists() and (found / "data").stat().st_size == layer.size:
                break
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.02)
        else:
            raise AssertionError("the pull never received the whole layer")
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        fake.released.set()
        fake.stall_blob = ""
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert not blob_path(np, layer.digest).exists(), "killed before the commit"
    return found


@pytest.mark.parametrize("damage", ["intact", "corrupt"])
def test_pull_killed_after_the_last_byte_then_pull_succeeds(nerdpy, images, fake, damage):
    img = chunk_aligned_image(images)
    layer = img.layers[0]
    repo = f"recover/{damage}"
    fake.add(repo, "v1", img)
    reference = f"{fake.address}/{repo}:v1"
    ingest = kill_after_last_byte(nerdpy, fake, reference, layer)
    if damage == "corrupt":  # same size, other bytes: verified, dropped, fetched again
        data = ingest / "data"
        data.write_bytes(bytes(b ^ 0xFF for b in data.read_bytes()))
    out = nerdpy("pull", reference).stdout
    assert f"Digest: {img.digest}" in out
    assert hashlib.sha256(blob_path(nerdpy, layer.digest).read_bytes()).hexdigest() == layer.digest.split(":")[1]
    assert ingest_of(nerdpy, layer.digest) is None
    full_gets = [s for s in fake.requests_for(f"/blobs/{layer.digest}") if not s.headers.get("Range")]
    # intact: the stalled GET was the only download; corrupt: one more, from zero
    assert len(full_gets) == (1 if damage == "intact" else 2)
    nerdpy("rmi", reference)


def test_system_prune_reclaims_killed_pulls_and_lock_files(fresh_nerdpy, images, fake):
    np = fresh_nerdpy
    ingest_dir = np.data_root / "content" / "ingest"
    img = chunk_aligned_image(images)
    fake.add("recover/prune", "v1", img)
    np("pull", "-q", f"{fake.address}/recover/prune:v1")
    assert not list(ingest_dir.glob("*.lock")), "a finished ingest keeps no lock file"
    np("rmi", f"{fake.address}/recover/prune:v1")
    # A killed pull leaves its bytes: df counts them as reclaimable, system prune removes them.
    other = chunk_aligned_image(images)
    fake.add("recover/prune2", "v1", other)
    kill_after_last_byte(np, fake, f"{fake.address}/recover/prune2:v1", other.layers[0])
    (ingest_dir / ("0" * 32 + ".lock")).write_bytes(b"")  # as a killed writer leaves one
    rows = np("system", "df", "--format", "{{.Type}}={{.Reclaimable}}").stdout.splitlines()
    assert "Images=1.049MB (100%)" in rows, rows  # 1 MiB, in Docker's decimal units
    np("system", "prune", "-f")
    assert ingest_of(np, other.layers[0].digest) is None
    assert not list(ingest_dir.glob("*.lock")), sorted(p.name for p in ingest_dir.iterdir())
    np("pull", "-q", f"{fake.address}/recover/prune2:v1")
