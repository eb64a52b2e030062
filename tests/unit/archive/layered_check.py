"""Apply layer stacks two ways and print both merged trees (run in a private mount namespace).

Way 1 (containerd's): each layer applied through a mounted overlay of the layers below.
Way 2 (Docker's, nerdpy's default): each layer written straight into its upper dir
with nerdpy.archive.layered resolving paths through the lower dirs.
Both stacks are then mounted read-only and their trees printed as JSON; the test
compares them. Usage: python -m tests.unit.archive.layered_check WORKDIR CASE...
"""

from __future__ import annotations

import io
import json
import os
import sys

from nerdpy.archive import ApplyOptions, Whiteouts
from nerdpy.archive.apply import apply_layer, in_user_namespace
from nerdpy.linux import libc
from tests.unit.archive.layered_cases import CASES
from tests.unit.archive.tarbuild import snapshot_tree


def _mount(target: str, uppers: list[str], work: str | None = None) -> None:
    opts = ["index=off"] + (["userxattr"] if in_user_namespace() else [])
    if work is None:
        opts.append("lowerdir=" + ":".join(reversed(uppers)))
    else:
        opts += [f"upperdir={uppers[-1]}", f"workdir={work}", "lowerdir=" + ":".join(reversed(uppers[:-1]))]
    libc.mount("overlay", target, "overlay", 0, ",".join(opts))


def _stack(base: str, layers: list[bytes], direct: bool) -> dict:
    xattr = "user.overlay.opaque" if in_user_namespace() else "trusted.overlay.opaque"
    uppers: list[str] = []
    for i, layer in enumerate(layers):
        upper, work, merged = (os.path.join(base, f"{kind}{i}") for kind in ("fs", "work", "mnt"))
        for d in (upper, work, merged):
            os.mkdir(d)
        uppers.append(upper)
        if i == 0:
            apply_layer(io.BytesIO(layer), upper, ApplyOptions(in_userns=True))
        elif direct:
            opts = ApplyOptions(in_userns=True, whiteouts=Whiteouts.OVERLAY, opaque_xattr=xattr,
                                lowers=tuple(reversed(uppers[:-1])))
            apply_layer(io.BytesIO(layer), upper, opts)
        else:
            _mount(merged, uppers, work)
            try:
                apply_layer(io.BytesIO(layer), merged, ApplyOptions(in_userns=True))
            finally:
                libc.umount(merged)
    view = os.path.join(base, "view")
    os.mkdir(view)
    if len(uppers) == 1:
        uppers = uppers + uppers
    _mount(view, uppers)
    try:
        return {k: list(v) for k, v in snapshot_tree(view).items()}  # type: ignore[arg-type]
    finally:
        libc.umount(view)


def main(argv: list[str]) -> int:
    libc.mount(None, "/", None, libc.MS_REC | libc.MS_PRIVATE)
    work, names = argv[0], argv[1:]
    out = {}
    for name in names:
        layers = CASES[name]()
        trees = []
        for way, direct in (("mount", False), ("direct", True)):
            base = os.path.join(work, f"{name}-{way}")
            os.mkdir(base)
            trees.append(_stack(base, layers, direct))
        out[name] = trees
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
