"""Compose: `compose up -d --wait` then `compose down` of a 5-service app (a
user network, one named volume, one healthcheck), nerdpy compose vs
podman-compose (from PyPI, driving podman), alternating runs, medians and ratio.

    python -m bench.compose [--user nerdpytest] [-n 5] [--podman-compose PATH]

podman-compose gets podman's flags for this host (host notes) through its
--podman-args; both tools use their own isolated stores and the local registry.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.common import BenchEnv, Cmd, as_user, compare  # noqa: E402

APP = """\
services:
  db:
    image: {image}
    stop_signal: SIGKILL
    command: ["sh", "-c", "touch /data/ready; exec sleep 600"]
    volumes: ["data:/data"]
    networks: [backend]
    healthcheck:
      test: ["CMD-SHELL", "test -f /data/ready"]
      interval: 1s
      timeout: 2s
      retries: 30
  cache:
    image: {image}
    stop_signal: SIGKILL
    command: ["sleep", "600"]
    networks: [backend]
  api:
    image: {image}
    stop_signal: SIGKILL
    command: ["sleep", "600"]
    networks: [backend]
    depends_on:
      db: {{condition: service_healthy}}
      cache: {{condition: service_started}}
  worker:
    image: {image}
    stop_signal: SIGKILL
    command: ["sleep", "600"]
    networks: [backend]
    depends_on: [cache]
  web:
    image: {image}
    stop_signal: SIGKILL
    command: ["sleep", "600"]
    networks: [backend]
    depends_on: [api]
networks:
  backend: {{}}
volumes:
  data: {{}}
"""


def _project(env: BenchEnv) -> Path:
    directory = env.base / "app"
    directory.mkdir()
    (directory / "compose.yaml").write_text(APP.format(image=env.image()))
    if env.user:
        shutil.chown(directory, env.user, env.user)
    directory.chmod(0o755)
    return directory


def _podman_compose(env: BenchEnv, exe: str, compose_file: Path, *args: str) -> Cmd:
    podman = env.podman()
    global_args = " ".join(podman.argv[podman.argv.index("podman") + 1:])
    run_args = [] if env.user else ["--podman-run-args", "--ulimit nofile=1024:1024 --ulimit nproc=1024:1024"]
    argv = (exe, "--podman-args", global_args, *run_args, "--in-pod", "false", "-f", str(compose_file),
            "-p", "benchapp", *args)
    inner = Cmd(argv, {"CONTAINERS_REGISTRIES_CONF": str(env.base / "registries.conf")})
    return as_user(inner, env.user)


def _sh(cmd: Cmd, *more: Cmd) -> Cmd:
    """Several commands as one timed run (up, then down)."""
    import shlex

    parts = []
    for c in (cmd, *more):
        prefix = " ".join(f"{k}={shlex.quote(v)}" for k, v in c.env.items())
        parts.append(f"{prefix} {' '.join(map(shlex.quote, c.argv))}".strip())
    return Cmd(("sh", "-ec", " && ".join(parts)), {})


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.compose")
    parser.add_argument("--user", help="run both tools as this unprivileged user")
    parser.add_argument("-n", type=int, default=5)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--podman-compose", default=shutil.which("podman-compose") or "podman-compose")
    opts = parser.parse_args(argv)
    with BenchEnv(user=opts.user, python=opts.python) as env:
        env.pull_both()
        app = _project(env)
        compose_file = app / "compose.yaml"
        nerd = ("compose", "-f", str(compose_file), "-p", "benchapp")
        n_up = env.nerdpy(*nerd, "up", "-d", "--wait", "--wait-timeout", "60")
        n_down = env.nerdpy(*nerd, "down", "-v", "-t", "0")
        p_up = _podman_compose(env, opts.podman_compose, compose_file, "up", "-d", "--wait", "--wait-timeout", "60")
        p_down = _podman_compose(env, opts.podman_compose, compose_file, "down", "-v", "-t", "0")
        compare("compose up -d --wait", n_up, p_up, n=opts.n, setup=(n_down, p_down))
        compare("compose down -v", n_down, p_down, n=opts.n, setup=(n_up, p_up))
        compare("up --wait + down (total)", _sh(n_up, n_down), _sh(p_up, p_down), n=opts.n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
