"""nerdpy pull vs podman pull from the same local registry (issue 5's benchmark).

Cases: a 1 MB image (busybox), 5 incompressible 40 MB layers, 20,000 small files,
and pulling an image that is already present. Runs alternate between the tools;
before every timed run of the first three cases both stores are emptied (nerdpy:
its data root removed; podman: `rmi -af`). Prints medians and nerdpy/podman ratios.

    python -m bench.pull [--user tester] [-n 5] [--python .venv/bin/python] [--present-only]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Sequence

from bench.common import BenchEnv, Cmd, Result, compare

REPO = Path(__file__).resolve().parent.parent


def push_fixtures(env: BenchEnv) -> dict[str, str]:
    """Push the benchmark images; returns case name -> reference."""
    from tests.fixtures import images

    big = [images.make_layer(images.LayerSpec().file(f"/big{i}", os.urandom(40 << 20))) for i in range(5)]
    images.push(env.registry, "bench/large", "latest", images.build_image(big))
    many = images.LayerSpec()
    for i in range(20_000):
        many.file(f"/files/{i // 1000:02d}/f{i:05d}", f"file {i}\n")
    images.push(env.registry, "bench/many", "latest", images.build_image([images.busybox_rootfs(), many]))
    return {
        "1 MB image": env.image("busybox"),
        "5 x 40 MB layers": f"{env.registry}/bench/large:latest",
        "20,000 small files": f"{env.registry}/bench/many:latest",
    }


def _reset(env: BenchEnv) -> list[Cmd]:
    """Empty both stores by moving them aside, not deleting (see bench.unpack: creating
    20,000 files right after deleting 20,000 costs both tools seconds of ext4 CPU)."""
    from bench.unpack import move_stores_aside

    return [move_stores_aside(env)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pull", description=__doc__)
    parser.add_argument("--user", help="run both tools as this unprivileged user")
    parser.add_argument("-n", type=int, default=5, help="timed runs per tool and case (default 5)")
    parser.add_argument("--python", default=sys.executable, help="python that runs nerdpy")
    parser.add_argument("--present-only", action="store_true",
                        help="only the already-present case (skips pushing the large fixtures)")
    opts = parser.parse_args(argv)
    results: list[Result] = []
    with BenchEnv(user=opts.user, python=opts.python) as env:
        cases = {} if opts.present_only else push_fixtures(env)
        reset = _reset(env)
        for name, ref in cases.items():
            results.append(compare(name, env.nerdpy("pull", "-q", ref), env.podman("pull", "-q", ref),
                                   n=opts.n, warmup=1, setup=reset))
        env.pull_both()
        ref = env.image("busybox")
        results.append(compare("already present", env.nerdpy("pull", "-q", ref), env.podman("pull", "-q", ref),
                               n=max(opts.n, 10), warmup=1))
    print()
    for r in results:
        print(r.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
