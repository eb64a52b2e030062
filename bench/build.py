"""Build: `nerdpy build` vs `podman build`, alternating, medians and ratios.

* "build cold (4 stages)"   a 4-stage Dockerfile with COPY and RUN steps, --no-cache
                            (base image present in both stores)
* "build cached (4 stages)" the same build again with nothing changed

Podman uses the overlay driver (`--storage-driver overlay`: a new rootless store
would otherwise pick vfs here and copy every layer, an unfair peer).

    python -m bench.build [--user nerdpytest] [-n 5] [--python /opt/nerdpy-dev-venv/bin/python]
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

from bench.common import BenchEnv, compare, timed  # noqa: E402

DOCKERFILE = """\
FROM {image} AS deps
COPY deps/ /deps/
RUN cat /deps/* > /deps.all && mkdir -p /out && cp /deps.all /out/

FROM {image} AS build
COPY src/ /src/
RUN for f in /src/*; do md5sum $f; done > /build.sum

FROM {image} AS test
COPY --from=build /build.sum /
RUN test -s /build.sum && echo ok > /tested

FROM {image}
WORKDIR /app
COPY --from=deps /out ./deps/
COPY --from=build /build.sum ./
COPY --from=test /tested ./
RUN ls -R /app > /app/listing
CMD ["ls", "/app"]
"""


def make_context(root: Path, image: str, user: str | None) -> Path:
    ctx = root / "ctx"
    for sub, count in (("deps", 50), ("src", 200)):
        (ctx / sub).mkdir(parents=True)
        for i in range(count):
            (ctx / sub / f"f{i:03}.txt").write_text(f"{sub} {i}\n" * 40)
    (ctx / "Dockerfile").write_text(DOCKERFILE.format(image=image))
    for path in [ctx, *ctx.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
        if user:
            shutil.chown(path, user, user)
    return ctx


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.build", description=__doc__.split("\n")[0])
    parser.add_argument("--user", help="run both tools as this unprivileged user")
    parser.add_argument("-n", type=int, default=5, help="timed runs per tool (default 5)")
    parser.add_argument("--python", default=sys.executable, help="python that runs nerdpy (readable by --user)")
    opts = parser.parse_args(argv)
    with BenchEnv(user=opts.user, python=opts.python) as env:
        podman = ("--storage-driver", "overlay")
        timed(env.nerdpy("pull", env.image()))
        timed(env.podman(*podman, "pull", "-q", env.image()))
        ctx = str(make_context(env.base, env.image(), opts.user))
        results = [
            compare("build cold (4 stages)", env.nerdpy("build", "-q", "--no-cache", "-t", "b:cold", ctx),
                    env.podman(*podman, "build", "-q", "--no-cache", "--pull=never", "-t", "b:cold", ctx),
                    n=opts.n),
            compare("build cached (4 stages)", env.nerdpy("build", "-q", "-t", "b:cached", ctx),
                    env.podman(*podman, "build", "-q", "--pull=never", "-t", "b:cached", ctx), n=opts.n),
        ]
    for r in results:
        print(f"{r.name}: nerdpy {r.nerdpy_median:.3f}s podman {r.podman_median:.3f}s ratio {r.ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
