"""Local image commands, nerdpy vs podman, alternating runs, each load into a store
the image was just removed from:

* "load 2 MB docker-archive"     the busybox fixture (`load -i`)
* "load 100 MB docker-archive"   busybox + one 100 MB incompressible layer
* "import 2 MB rootfs tar"       a busybox root filesystem (`import FILE NAME`)
* "images"                       listing, image present
* "save 100 MB"                  `save -o` of the big image

    python -m bench.images [--user tester] [-n 5] [--python .venv/bin/python]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path
from typing import Sequence

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.common import BenchEnv, Cmd, as_user, compare, timed  # noqa: E402


def _inputs(env: BenchEnv) -> dict[str, Path]:
    from tests.fixtures import images as fx

    files = {
        "small": fx.write_docker_archive(env.base / "small.tar", fx.busybox_image(), ["bench-small:1"]),
        "big": fx.write_docker_archive(
            env.base / "big.tar",
            fx.build_image([fx.busybox_rootfs(), fx.LayerSpec().file("/big", os.urandom(100 << 20))],
                           compression=None),
            ["bench-big:1"]),
    }
    rootfs = env.base / "rootfs.tar"
    rootfs.write_bytes(fx.busybox_rootfs().tar_bytes())
    files["rootfs"] = rootfs
    for path in files.values():
        path.chmod(0o644)
        if env.user:
            shutil.chown(path, env.user, env.user)
    return files


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.images")
    parser.add_argument("--user", help="run both tools as this unprivileged user")
    parser.add_argument("-n", type=int, default=5, help="timed runs per tool (default 5)")
    parser.add_argument("--python", default=sys.executable, help="python that runs nerdpy (readable by --user)")
    opts = parser.parse_args(argv)
    with BenchEnv(user=opts.user, python=opts.python) as env:
        files = _inputs(env)
        out = env.base / "out"
        out.mkdir(mode=0o777)
        out.chmod(0o777)
        for label, key, name in (("load 2 MB docker-archive", "small", "bench-small:1"),
                                 ("load 100 MB docker-archive", "big", "bench-big:1")):
            reset = [env.nerdpy("rmi", "-f", name), env.podman("rmi", "-f", name)]
            compare(label, env.nerdpy("load", "-i", str(files[key])), env.podman("load", "-q", "-i", str(files[key])),
                    n=opts.n, setup=reset)
        compare("import 2 MB rootfs tar", env.nerdpy("import", str(files["rootfs"]), "bench-imp:1"),
                env.podman("import", "-q", str(files["rootfs"]), "bench-imp:1"), n=opts.n,
                setup=[env.nerdpy("rmi", "-f", "bench-imp:1"), env.podman("rmi", "-f", "bench-imp:1")])
        for cmd in (env.nerdpy("load", "-i", str(files["big"])), env.podman("load", "-q", "-i", str(files["big"]))):
            timed(cmd)  # the load comparisons end with the image removed from one store
        compare("images", env.nerdpy("images"), env.podman("images"), n=opts.n)
        compare("save 100 MB", env.nerdpy("save", "-o", str(out / "n.tar"), "bench-big:1"),
                env.podman("save", "-q", "-o", str(out / "p.tar"), "bench-big:1"), n=opts.n,
                setup=[as_user(Cmd(("rm", "-f", str(out / "n.tar"), str(out / "p.tar"))), env.user)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
