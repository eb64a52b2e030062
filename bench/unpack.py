"""Layer unpack: nerdpy vs podman, cold store, side by side (issue 3's benchmark).

The image: one ~100 MB layer of 25,000 small files (4 kB, in 250 dirs) and one
100 MB layer of four 25 MB files; random bytes, gzip. Both tools pull it from the
same local registry into an emptied store before every timed run, so each run
downloads (localhost) and unpacks both layers:

* "pull, cold store": `nerdpy pull` vs `podman pull` (podman has no unpack-only
  command; its pull always downloads and applies).
* "unpack only": nerdpy with the blobs already in its content store and the
  snapshots removed, timing `unpack()` alone (process start-up included) -- a
  lower bound of nerdpy's share, compared with the same podman cold pull.

    python -m bench.unpack [--user tester] [-n 3] [--python .venv/bin/python] [--tmpfs]

`--tmpfs` puts both stores on /dev/shm: on a busy VM the disk's write-back stalls
dominate (and swing by 4x between runs); tmpfs shows what the software costs.

"Emptied" means moved aside (renamed into <base>/trash, deleted when the run ends),
never deleted between timed runs: ext4 will not reuse an inode freed in the last
~30 s and scans past each such inode on every create, so creating 20,000 files
right after deleting 20,000 cost 5-6 s of kernel CPU here instead of 0.3 s, for
both tools alike, and that artifact, not the tools, decided the on-disk ratio.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.common import BenchEnv, Cmd, Result, as_user, compare  # noqa: E402

SMALL_DIRS, SMALL_PER_DIR, SMALL_SIZE = 250, 100, 4000
BIG_FILES, BIG_SIZE = 4, 25_000_000


def bench_image():  # type: ignore[no-untyped-def]
    from tests.fixtures import images

    rnd = random.Random(3)
    small = images.LayerSpec()
    for d in range(SMALL_DIRS):
        small.dir(f"/usr/share/d{d:03d}")
        for f in range(SMALL_PER_DIR):
            small.file(f"/usr/share/d{d:03d}/f{f:03d}", rnd.randbytes(SMALL_SIZE))
    big = images.LayerSpec()
    for i in range(BIG_FILES):
        big.file(f"/opt/big{i}", rnd.randbytes(BIG_SIZE))
    return images.build_image([small, big])


class TmpfsBenchEnv(BenchEnv):
    """The same harness with every store under /dev/shm."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        shutil.rmtree(self.base, ignore_errors=True)
        self.base = Path(tempfile.mkdtemp(prefix="npbench-", dir="/dev/shm"))
        self.base.chmod(0o755)


def move_stores_aside(env: BenchEnv, nerdpy_store: bool = True) -> Cmd:
    """Move podman's store (and nerdpy's data root entries) into a fresh trash dir."""
    base = env.base
    script = f"t={base}/trash/$(date +%s%N) && mkdir -p $t/p {base}/nd && "
    if nerdpy_store:
        script += f"find {base}/nd -mindepth 1 -maxdepth 1 -exec mv -t $t/ {{}} + && "
    script += f"for d in pd pr; do if [ -e {base}/$d ]; then mv {base}/$d $t/p/; fi; done"
    return as_user(Cmd(("sh", "-c", script)), env.user)


def _reset(env: BenchEnv) -> list[Cmd]:
    return [move_stores_aside(env)]


def _helper(env: BenchEnv, *args: str) -> Cmd:
    return env.nerdpy("unshare", env.python, "-m", "bench.unpack", *args)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.unpack", description=__doc__)
    parser.add_argument("--user", help="run both tools as this unprivileged user")
    parser.add_argument("-n", type=int, default=3, help="timed runs per tool and case (default 3)")
    parser.add_argument("--python", default=sys.executable, help="python that runs nerdpy")
    parser.add_argument("--tmpfs", action="store_true", help="keep both stores on /dev/shm")
    parser.add_argument("--wipe-snapshots", metavar="REF", help=argparse.SUPPRESS)
    parser.add_argument("--unpack", metavar="REF", help=argparse.SUPPRESS)
    opts = parser.parse_args(argv)
    if opts.wipe_snapshots or opts.unpack:
        return _inside(opts.wipe_snapshots, opts.unpack)
    from tests.fixtures import images

    results: list[Result] = []
    env_class = TmpfsBenchEnv if opts.tmpfs else BenchEnv
    with env_class(user=opts.user, python=opts.python) as env:
        images.push(env.registry, "bench/unpack", "latest", bench_image())
        ref = f"{env.registry}/bench/unpack:latest"
        reset = _reset(env)
        results.append(compare("pull 2x100 MB, cold store", env.nerdpy("pull", "-q", ref),
                               env.podman("pull", "-q", ref), n=opts.n, warmup=1, setup=reset))
        Path(env.base / "nd").mkdir(exist_ok=True)
        for cmd in reset:
            import subprocess

            subprocess.run(cmd.argv, env={**__import__("os").environ, **cmd.env}, capture_output=True)
        from bench.common import timed

        timed(env.nerdpy("pull", "-q", ref))
        results.append(compare("unpack only (nerdpy)", _helper(env, "--unpack", ref),
                               env.podman("pull", "-q", ref), n=opts.n, warmup=1,
                               setup=[_helper(env, "--wipe-snapshots", ref),
                                      move_stores_aside(env, nerdpy_store=False)]))
    print()
    for r in results:
        print(r.line())
    return 0


def _inside(wipe_ref: str | None, unpack_ref: str | None) -> int:
    """Runs in nerdpy's namespace: drop the image's snapshots, or time unpack()."""
    from nerdpy.config import load_settings
    from nerdpy.images.store import ImageStore
    from nerdpy.images.unpack import unpack
    from nerdpy.snapshots import get_snapshotter

    settings = load_settings()
    if wipe_ref:  # rename each snapshot's dir aside first: remove() then deletes no file (see above)
        snapshotter = get_snapshotter(settings)
        trash = settings.layout.data_root.parent / "trash" / f"snapshots-{time.time_ns()}"
        trash.mkdir(parents=True)
        for info in reversed(list(snapshotter.walk())):
            snap_dir = Path(snapshotter.upper_dir(info.key)).parent
            snap_dir.rename(trash / snap_dir.name)
            snapshotter.remove(info.key)
        return 0
    image = ImageStore(settings).get(unpack_ref or "")
    start = time.perf_counter()
    unpack(settings, image)
    print(f"unpack {time.perf_counter() - start:.3f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
