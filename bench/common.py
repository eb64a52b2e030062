"""Benchmark harness: nerdpy against podman, same operation, alternating runs.

Not a test. Each benchmark builds a `BenchEnv` (isolated stores for both tools, a
local docker-registry holding the test busybox image, optionally an unprivileged
user) and calls `compare()`:

    with BenchEnv(user="tester") as env:
        env.pull_both("busybox")                       # warm both stores
        compare("run --rm true", env.nerdpy("run", "--rm", env.image("busybox"), "true"),
                env.podman("run", "--rm", env.image("busybox"), "true"), n=10)

Runs alternate (n, p, n, p, ...) so drift in host load hits both tools alike;
we report medians and the nerdpy/podman ratio. Podman runs rootless as
../shared/host-notes.md says: `--runtime runc --cgroup-manager cgroupfs`, an
isolated --root/--runroot, and a registries.conf marking the local registry insecure.

CLI: python -m bench.common [--user USER] [-n N] [--] ARGS...
    times `nerdpy ARGS` vs `podman ARGS`; "{image}" in ARGS becomes the local busybox.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


@dataclass(frozen=True)
class Cmd:
    """A command line plus the environment it needs."""

    argv: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    name: str
    nerdpy: tuple[float, ...]  # seconds per run
    podman: tuple[float, ...]

    @property
    def nerdpy_median(self) -> float:
        return statistics.median(self.nerdpy)

    @property
    def podman_median(self) -> float:
        return statistics.median(self.podman)

    @property
    def ratio(self) -> float:
        """nerdpy / podman: below 1 means nerdpy is faster."""
        return self.nerdpy_median / self.podman_median

    def line(self) -> str:
        return (f"{self.name:<28} nerdpy {self.nerdpy_median * 1000:8.1f} ms   podman "
                f"{self.podman_median * 1000:8.1f} ms   ratio {self.ratio:5.2f}   (n={len(self.nerdpy)})")


def timed(cmd: Cmd, timeout: float = 300) -> float:
    """Wall time of one run; raises with the output when the command fails."""
    start = time.perf_counter()
    proc = subprocess.run(cmd.argv, env={**os.environ, **cmd.env}, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL, cwd="/tmp")
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd.argv)} exited {proc.returncode}:\n{proc.stderr[-2000:]}")
    return elapsed


def compare(name: str, nerdpy: Cmd, podman: Cmd, n: int = 10, warmup: int = 1,
            setup: Sequence[Cmd] = (), quiet: bool = False) -> Result:
    """Run nerdpy and podman alternately n times (after `warmup` untimed rounds).

    `setup` commands run (untimed) before every timed run of either tool, e.g. to
    remove a container name so `run --name` can be repeated.
    """
    for _ in range(warmup):
        for cmd in (nerdpy, podman):
            _run_setup(setup)
            timed(cmd)
    times: dict[str, list[float]] = {"n": [], "p": []}
    for _ in range(n):
        for key, cmd in (("n", nerdpy), ("p", podman)):
            _run_setup(setup)
            times[key].append(timed(cmd))
    result = Result(name, tuple(times["n"]), tuple(times["p"]))
    if not quiet:
        print(result.line(), flush=True)
    return result


def _run_setup(setup: Sequence[Cmd]) -> None:
    for cmd in setup:
        subprocess.run(cmd.argv, env={**os.environ, **cmd.env}, capture_output=True, timeout=120, cwd="/tmp")


def as_user(cmd: Cmd, user: str | None) -> Cmd:
    """The same command run as `user` (runuser, no XDG_RUNTIME_DIR, as under su)."""
    if user is None:
        return cmd
    env_args = [f"{k}={v}" for k, v in sorted(cmd.env.items())]
    argv = ("runuser", "-u", user, "--", "env", "-u", "XDG_RUNTIME_DIR", *env_args, *cmd.argv)
    return Cmd(argv, {})


def registries_conf(path: Path, registry: str) -> Path:
    path.write_text(
        'unqualified-search-registries = []\n'
        f'[[registry]]\nlocation = "{registry}"\ninsecure = true\n'
    )
    return path


def _fresh_bytecode() -> None:
    """nerdpy runs from this tree (PYTHONPATH): compile it first, as an install
    would. Another user cannot write `__pycache__` here, so stale bytecode
    would be recompiled on every timed run and charged to nerdpy."""
    import compileall

    if not compileall.compile_dir(str(REPO / "nerdpy"), quiet=1):
        print("bench: warning: could not compile nerdpy's bytecode; times include compiling", file=sys.stderr)


class BenchEnv:
    """Isolated nerdpy + podman stores, a local registry with busybox, an optional user."""

    def __init__(self, user: str | None = None, python: str | None = None) -> None:
        self.user = user
        self.python = python or sys.executable
        self.base = Path(tempfile.mkdtemp(prefix="npbench-", dir="/tmp"))
        self._registry = None
        self.registry = ""

    def __enter__(self) -> "BenchEnv":
        from tests.fixtures import images

        if self.user:
            shutil.chown(self.base, self.user, self.user)
        for sub in ("nd", "nr", "pd", "pr", "pt"):
            (self.base / sub).mkdir(mode=0o700)
            if self.user:
                shutil.chown(self.base / sub, self.user, self.user)
        registries_conf(self.base / "registries.conf", "placeholder")
        _fresh_bytecode()
        self._registry = images.LocalRegistry(self.base / "registry").start()
        self.registry = self._registry.address
        registries_conf(self.base / "registries.conf", self.registry)
        (self.base / "registries.conf").chmod(0o644)
        images.push(self.registry, "library/busybox", "latest", images.busybox_image())
        return self

    def image(self, name: str = "busybox") -> str:
        return f"{self.registry}/library/{name}:latest"

    def nerdpy(self, *args: str) -> Cmd:
        env = {"NERDPY_DATA_ROOT": str(self.base / "nd"), "NERDPY_RUNTIME_ROOT": str(self.base / "nr"),
               "NERDPY_CONFIG": str(self.base / "none.toml"), "NERDPY_INSECURE_REGISTRY": self.registry,
               "PYTHONPATH": str(REPO)}
        return as_user(Cmd((self.python, "-m", "nerdpy", *args), env), self.user)

    def podman(self, *args: str) -> Cmd:
        argv = ("podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs", "--events-backend", "file",
                "--root", str(self.base / "pd"), "--runroot", str(self.base / "pr"),
                "--tmpdir", str(self.base / "pt"), *args)
        env = {"CONTAINERS_REGISTRIES_CONF": str(self.base / "registries.conf")}
        return as_user(Cmd(argv, env), self.user)

    def pull_both(self, name: str = "busybox") -> None:
        timed(self.nerdpy("pull", self.image(name)))
        timed(self.podman("pull", "-q", self.image(name)))

    def __exit__(self, *exc: object) -> None:
        if self.user:  # stores hold subuid-owned files: delete them inside each tool's namespace
            subprocess.run(self.podman("unshare", "rm", "-rf", str(self.base / "pd"), str(self.base / "pr")).argv,
                           capture_output=True, timeout=300)
            subprocess.run(self.nerdpy("unshare", "rm", "-rf", str(self.base / "nd")).argv,
                           capture_output=True, timeout=300)
        holder = self.base / "nr" / "holder.pid"
        if holder.exists():
            try:
                os.kill(int(holder.read_text().split()[0]), 9)
            except (OSError, ValueError):
                pass
        if self._registry:
            self._registry.stop()
        shutil.rmtree(self.base, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.common", description="time nerdpy ARGS vs podman ARGS")
    parser.add_argument("--user", help="run both tools as this unprivileged user")
    parser.add_argument("-n", type=int, default=10, help="timed runs per tool (default 10)")
    parser.add_argument("--pull", action="store_true", help="pull the local busybox into both stores first")
    parser.add_argument("--python", default=sys.executable, help="python that runs nerdpy (readable by --user)")
    parser.add_argument("args", nargs="+", help='command arguments; "{image}" is the local busybox')
    opts = parser.parse_args(argv)
    with BenchEnv(user=opts.user, python=opts.python) as env:
        if opts.pull:
            env.pull_both()
        args = [a.replace("{image}", env.image()) for a in opts.args]
        compare(" ".join(opts.args), env.nerdpy(*args), env.podman(*args), n=opts.n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
