"""`images` SIZE, `image inspect` .Size/.VirtualSize and `history` sizes are uncompressed, as Docker's:
measured by load (docker-archive), by the unpack after pull, and exact for import."""

from __future__ import annotations

import gzip
import json
import uuid

import pytest

from tests.conftest import requires
from tests.fixtures import images as fx

pytestmark = [pytest.mark.integration, requires("busybox", "userns", "newuidmap")]


def docker_human(size: int) -> str:
    """go-units HumanSizeWithPrecision(size, 3), written independently of nerdpy's."""
    units = ["B", "kB", "MB", "GB"]
    value, i = float(size), 0
    while value >= 1000 and i < len(units) - 1:
        value, i = value / 1000, i + 1
    return f"{value:.3g}{units[i]}"


def _image() -> fx.Image:
    # Zeros compress ~1000:1, so compressed and uncompressed sizes cannot be confused.
    return fx.build_image([fx.busybox_rootfs(), fx.LayerSpec().file("/zeros", b"\0" * 3_000_000)])


def _check_sizes(nerdpy, ref: str, img: fx.Image) -> None:
    want = sum(len(layer.tar) for layer in img.layers)
    assert want > 2 * sum(layer.size for layer in img.layers)
    [doc] = json.loads(nerdpy("image", "inspect", ref).stdout)
    assert (doc["Size"], doc["VirtualSize"]) == (want, want)
    assert nerdpy("images", "--format", "{{.Size}}", ref).stdout == docker_human(want) + "\n"
    assert nerdpy("images", ref).stdout.splitlines()[1].split()[-1] == docker_human(want)
    history = nerdpy("history", "--format", "{{.Size}}", ref).stdout.split()
    assert history == [docker_human(len(layer.tar)) for layer in reversed(img.layers)]


def test_loaded_image_shows_uncompressed_size(nerdpy, tmp_path):
    img = _image()
    name = f"size-load-{uuid.uuid4().hex[:8]}:v1"
    archive = fx.write_docker_archive(tmp_path / "img.tar", img, [name])
    nerdpy("load", "-i", archive)
    _check_sizes(nerdpy, name, img)
    nerdpy("rmi", name)


def test_pulled_image_shows_uncompressed_size(nerdpy, registry):
    img = _image()
    repo = f"size-pull-{uuid.uuid4().hex[:8]}"
    fx.push(registry, repo, "v1", img)
    nerdpy("pull", "-q", f"{registry}/{repo}:v1")
    _check_sizes(nerdpy, f"{registry}/{repo}:v1", img)
    nerdpy("rmi", f"{registry}/{repo}:v1")


def test_imported_image_size_is_the_tar_size(nerdpy, tmp_path):
    img = _image()
    tar = img.layers[1].tar
    (tmp_path / "rootfs.tar.gz").write_bytes(gzip.compress(tar))
    name = f"size-import-{uuid.uuid4().hex[:8]}:v1"
    nerdpy("import", tmp_path / "rootfs.tar.gz", name)
    assert nerdpy("image", "inspect", "--format", "{{.Size}}", name).stdout.strip() == str(len(tar))
    nerdpy("rmi", name)
