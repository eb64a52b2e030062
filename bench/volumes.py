"""Volumes: what mounts add to `run`, nerdpy vs podman, alternating runs.

* "run, no mounts"            the baseline
* "run -v named:/d"           named volume (created on the warm-up run)
* "run -v dir:/w"             bind mount of a host directory
* "run -v dir:/w:U"           bind mount chowned to the container user (1000 files)
* "volume ls"                 a volume command (the store is opened and swept)

    python -m bench.volumes [--user tester] [-n 10] [--python .venv/bin/python]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Sequence

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.common import BenchEnv, compare  # noqa: E402


def _workspace(env: BenchEnv, files: int) -> Path:
    work = env.base / "ws"
    work.mkdir(exist_ok=True)
    for i in range(files):
        (work / f"f{i:04d}").write_text("x")
    if env.user:
        for path in [work, *work.iterdir()]:
            shutil.chown(path, env.user, env.user)
    work.chmod(0o755)
    return work


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.volumes")
    parser.add_argument("--user", help="run both tools as this unprivileged user")
    parser.add_argument("-n", type=int, default=10)
    parser.add_argument("--python", default=sys.executable)
    opts = parser.parse_args(argv)
    with BenchEnv(user=opts.user, python=opts.python) as env:
        env.pull_both()
        image = env.image()
        work = _workspace(env, 1000)
        cases: list[tuple[str, tuple[str, ...]]] = [
            ("run, no mounts", ("run", "--rm", image, "true")),
            ("run -v named:/d", ("run", "--rm", "-v", "benchvol:/d", image, "true")),
            ("run -v dir:/w", ("run", "--rm", "-v", f"{work}:/w", image, "true")),
            ("run -v dir:/w:U (1000 files)", ("run", "--rm", "--user", "1000:1000", "-v", f"{work}:/w:U", image, "true")),
        ]
        # Rootful podman asks for rlimits root cannot hold here (host notes): clamp them.
        limits = () if opts.user else ("--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024")
        for name, args in cases:
            compare(name, env.nerdpy(*args), env.podman(args[0], *limits, *args[1:]), n=opts.n)
        compare("volume ls", env.nerdpy("volume", "ls"), env.podman("volume", "ls"), n=opts.n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
