"""Shared fixtures for the images unit tests: an ImageStore in a temp dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from nerdpy.config import Settings
from nerdpy.content import Descriptor
from nerdpy.images.store import ImageStore
from nerdpy.paths import Layout

from tests.fixtures import images as fx


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    layout = Layout(tmp_path / "data", tmp_path / "run", tmp_path / "cfg")
    return Settings(layout=layout, rootless=False, host_uid=0, host_gid=0)


@pytest.fixture
def store(settings: Settings) -> ImageStore:
    return ImageStore(settings)


@pytest.fixture
def add_image():
    return _add_image


def _add_image(store: ImageStore, target, name: str | None = "busybox:latest"):
    """Put a fixture image/index's blobs into the content store and record it."""
    for digest, data in target.blobs().items():
        store.content.add_bytes(data, digest)
    blob = target.manifest if isinstance(target, fx.Image) else target.index
    desc = Descriptor(blob.media_type, blob.digest, blob.size)
    return store.put(name, desc)
