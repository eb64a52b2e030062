"""Containers: `run` latency, `ps` with many containers, helper memory — nerdpy vs podman.

* "run --rm --network none true"   the bare container round trip
* "run --rm true"                  with the default network (slirp4netns rootless)
* "run -d sleep 1000"              detached start (containers removed afterwards)
* "exec true" / "logs" / "stop"    day-to-day commands on a running container (stop -t 0
                                   of a fresh `run -d` each time)
* "ps -a (100 containers)"         listing cost with 100 created containers, and the same
                                   under Docker's group spelling ("container ps -a"): both
                                   take the fast path, so they must cost the same
* "images" / "image ls"            image listing, short and group spelling
* "network ls"                     network listing (a group spelling only)
* helper USS                       private memory (Private_Clean + Private_Dirty of
                                   /proc/PID/smaps_rollup) of the per-container helper
                                   processes with 10 containers running: nerdpy's
                                   shims (+ slirp4netns) vs podman's conmon (+ slirp4netns)

    python -m bench.run [--user tester] [-n 10] [--python .venv/bin/python] [--quick] [--cli]

`--cli` runs only the command-line cases (run -d, the listings under each spelling):
the before/after check of a change to command parsing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Sequence

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.common import BenchEnv, Cmd, compare, timed  # noqa: E402


def _run(cmd: Cmd) -> str:
    proc = subprocess.run(cmd.argv, env={**os.environ, **cmd.env}, capture_output=True, text=True, timeout=600,
                          stdin=subprocess.DEVNULL, cwd="/tmp")
    return proc.stdout


def uss_kb(pid: int) -> int:
    total = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith(("Private_Clean:", "Private_Dirty:")):
                    total += int(line.split()[1])
    except OSError:
        return 0
    return total


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def helper_pids(marker: str, helper_names: tuple[str, ...]) -> list[int]:
    """Processes whose command line mentions `marker` and looks like a helper."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            cmd = _cmdline(int(entry))
            if marker in cmd and any(name in cmd for name in helper_names):
                pids.append(int(entry))
    return pids


def slirp_pids() -> dict[int, str]:
    return {int(e): _cmdline(int(e)) for e in os.listdir("/proc") if e.isdigit() and "slirp4netns" in _cmdline(int(e))}


def measure_helpers(env: BenchEnv, count: int, limits: tuple[str, ...]) -> None:
    image = env.image()
    before = set(slirp_pids())
    for _ in range(count):
        timed(env.nerdpy("run", "-d", image, "sleep", "1000"))
    shims = helper_pids(str(env.base / "nr"), ("nerdpy.shim",))
    n_slirp = [p for p in slirp_pids() if p not in before]
    before = set(slirp_pids())
    for _ in range(count):
        timed(env.podman("run", *limits, "-d", image, "sleep", "1000"))
    conmons = helper_pids(str(env.base / "p"), ("conmon",))
    p_slirp = [p for p in slirp_pids() if p not in before]
    for label, helpers, slirps in (("nerdpy shim", shims, n_slirp), ("podman conmon", conmons, p_slirp)):
        sizes = [uss_kb(p) for p in helpers]
        slirp = [uss_kb(p) for p in slirps]
        med = statistics.median(sizes) if sizes else 0
        smed = statistics.median(slirp) if slirp else 0
        print(f"helper USS {label:<14} n={len(sizes):3d} median {med / 1024:6.2f} MB   "
              f"slirp4netns n={len(slirp):3d} median {smed / 1024:6.2f} MB   per container {(med + smed) / 1024:6.2f} MB",
              flush=True)
    _run(env.nerdpy("rm", "-f", *_run(env.nerdpy("ps", "-aq")).split()))
    _run(env.podman("rm", "-f", "-t", "0", "--all"))


def _remove_all(env: BenchEnv) -> None:
    _run(env.nerdpy("rm", "-f", *_run(env.nerdpy("ps", "-aq")).split()))
    _run(env.podman("rm", "-f", "-t", "0", "--all"))


def listings(env: BenchEnv, image: str, limits: tuple[str, ...], many: int, n: int) -> None:
    """The listings under Docker's short and group spellings, with `many` created containers."""
    for _ in range(many):
        _run(env.nerdpy("create", image, "true"))
        _run(env.podman("create", *limits, image, "true"))
    for words in (("ps", "-a"), ("container", "ps", "-a")):
        compare(f"{' '.join(words)} ({many} containers)", env.nerdpy(*words), env.podman(*words), n=n)
    for words in (("images",), ("image", "ls"), ("network", "ls")):
        compare(" ".join(words), env.nerdpy(*words), env.podman(*words), n=n)
    _remove_all(env)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run")
    parser.add_argument("--user", help="run both tools as this unprivileged user")
    parser.add_argument("-n", type=int, default=10)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--quick", action="store_true", help="fewer containers for ps and USS")
    parser.add_argument("--cli", action="store_true", help="only run -d and the listings under each spelling")
    opts = parser.parse_args(argv)
    many, helpers = (20, 4) if opts.quick else (100, 10)
    # Rootful podman asks for rlimits root cannot hold here (host notes): clamp them.
    limits = () if opts.user else ("--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024")
    with BenchEnv(user=opts.user, python=opts.python) as env:
        env.pull_both()
        image = env.image()
        if opts.cli:
            compare("run -d sleep 1000", env.nerdpy("run", "-d", image, "sleep", "1000"),
                    env.podman("run", *limits, "-d", image, "sleep", "1000"), n=opts.n)
            _remove_all(env)
            listings(env, image, limits, many, opts.n)
            return 0
        compare("run --rm --network none true", env.nerdpy("run", "--rm", "--network", "none", image, "true"),
                env.podman("run", *limits, "--rm", "--network", "none", image, "true"), n=opts.n)
        compare("run --rm true", env.nerdpy("run", "--rm", image, "true"),
                env.podman("run", *limits, "--rm", image, "true"), n=opts.n)
        compare("run -d sleep 1000", env.nerdpy("run", "-d", image, "sleep", "1000"),
                env.podman("run", *limits, "-d", image, "sleep", "1000"), n=opts.n)
        _remove_all(env)
        mine = _run(env.nerdpy("run", "-d", image, "sleep", "1000")).strip()
        theirs = _run(env.podman("run", *limits, "-d", image, "sleep", "1000")).strip()
        compare("exec true", env.nerdpy("exec", mine, "true"), env.podman("exec", theirs, "true"), n=opts.n)
        compare("logs", env.nerdpy("logs", mine), env.podman("logs", theirs), n=opts.n)
        compare("stop -t 0", env.nerdpy("stop", "-t", "0", mine), env.podman("stop", "-t", "0", theirs), n=opts.n,
                setup=(env.nerdpy("start", mine), env.podman("start", theirs)))
        _run(env.nerdpy("rm", "-f", mine))
        _run(env.podman("rm", "-f", "-t", "0", theirs))
        listings(env, image, limits, many, opts.n)
        measure_helpers(env, helpers, limits)
    return 0


if __name__ == "__main__":
    sys.exit(main())
