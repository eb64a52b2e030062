"""`--output`: besides the image in the store, write it as a docker/OCI archive
(`type=docker|oci`), its filesystem as a directory (`type=local`) or as a tar
(`type=tar`). `dest=-` streams archives to the stream the caller gave."""

from __future__ import annotations

import os
import shutil
import tarfile
from typing import Any

from nerdpy.build.options import Output
from nerdpy.config import Settings
from nerdpy.errors import InvalidArgument
from nerdpy.images.image import Image


def export(settings: Settings, image: Image, out: Output, stream: Any = None) -> None:
    if out.type in ("docker", "oci"):
        from nerdpy.images.save import SaveItem, save
        from nerdpy.images.store import ImageStore

        item = SaveItem(image, tuple(n for n in image.names))
        _write(out, stream, lambda f: save(ImageStore(settings), [item], f))
        return
    if out.type not in ("local", "tar"):
        raise InvalidArgument(f"unsupported output type {out.type!r}", hint="use image, local, tar, oci or docker")
    from nerdpy.build.workspace import Workspace

    ws = Workspace(settings)
    chain = ws.unpacked(image)
    if chain is None:
        with ws.empty_dir() as path:
            _tree(out, stream, path)
        return
    with ws.mounted(chain, readonly=True) as (_, path):
        _tree(out, stream, path)


def _tree(out: Output, stream: Any, root: str) -> None:
    if out.type == "local":
        if not out.dest or out.dest == "-":
            raise InvalidArgument("output type local needs dest=<directory>")
        os.makedirs(out.dest, exist_ok=True)
        shutil.copytree(root, out.dest, symlinks=True, dirs_exist_ok=True)
        return

    def write(f: Any) -> None:
        with tarfile.open(fileobj=f, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            for name in sorted(os.listdir(root)):
                tar.add(os.path.join(root, name), arcname=name)

    _write(out, stream, write)


def _write(out: Output, stream: Any, produce: Any) -> None:
    if out.dest in ("", "-"):
        if stream is None:
            raise InvalidArgument(f"output type {out.type} needs dest=<file> (or dest=- with a redirected stdout)")
        produce(stream)
        return
    fd = os.open(out.dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    with os.fdopen(fd, "wb") as f:
        produce(f)
