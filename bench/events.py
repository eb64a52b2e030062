"""`events --since ... --until ...` over a journal of 10,000 entries: nerdpy vs
podman with its file backend (`--events-backend file`), alternating runs.

    python -m bench.events [--user USER] [--python PY] [-n N] [--entries N]

Each tool first writes its own events by doing the same few things (create and
remove a container, tag and untag an image, create and remove a volume); those
lines, in each tool's own format, are then repeated into a journal of
`--entries` lines, 0.3 ms apart, ending a second ago. Both queries cover the
whole journal and stop at its end (nerdpy: --until now; podman: --stream=false),
so both print every entry; the counts are checked once before timing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.common import BenchEnv, Cmd, compare, timed


def _seed(env: BenchEnv, tool: str) -> None:
    run = env.nerdpy if tool == "nerdpy" else env.podman
    image, name, tag, volume = env.image(), f"bench-ev-{tool}", f"bench-ev-{tool}:t", f"benchev{tool}"
    for argv in (("create", "--name", name, image, "true"), ("rm", name), ("tag", image, tag), ("rmi", tag),
                 ("volume", "create", volume), ("volume", "rm", volume)):
        timed(run(*argv))


def _journal(env: BenchEnv, tool: str) -> Path:
    if tool == "nerdpy":
        return env.base / "nr" / "events" / "events.jsonl"
    found = sorted((env.base / "pt").rglob("events.log")) + sorted((env.base / "pr").rglob("events.log"))
    if not found:
        raise RuntimeError("podman wrote no events.log under its --tmpdir or --runroot")
    return found[0]


def _go_time(ns: int) -> str:
    seconds, nanos = divmod(ns, 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{nanos:09d}Z"


def _fill(path: Path, tool: str, entries: int, end_ns: int, step_ns: int) -> None:
    """Rewrite `path` with `entries` lines cycled from the ones the tool wrote,
    restamped in order up to `end_ns`, keeping the file's owner and mode."""
    seed = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    if not seed:
        raise RuntimeError(f"{tool} wrote no events to {path}")
    lines = []
    for i in range(entries):
        event = dict(seed[i % len(seed)])
        stamp = end_ns - (entries - i) * step_ns
        if tool == "nerdpy":
            event["time"], event["timeNano"] = stamp // 1_000_000_000, stamp
        else:
            event["Time"] = _go_time(stamp)
        lines.append(json.dumps(event, separators=(",", ":")))
    info = path.stat()
    tmp = path.with_name(path.name + ".bench")
    tmp.write_text("\n".join(lines) + "\n")
    os.chmod(tmp, info.st_mode & 0o777)
    os.chown(tmp, info.st_uid, info.st_gid)
    os.replace(tmp, path)


def _count(cmd: Cmd) -> int:
    out = subprocess.run(cmd.argv, env={**os.environ, **cmd.env}, capture_output=True, text=True, timeout=300,
                         stdin=subprocess.DEVNULL, cwd="/tmp", check=True).stdout
    return len(out.splitlines())


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.events")
    parser.add_argument("--user", help="run both tools as this unprivileged user")
    parser.add_argument("--python", default=sys.executable, help="python that runs nerdpy (readable by --user)")
    parser.add_argument("-n", type=int, default=10, help="timed runs per tool (default 10)")
    parser.add_argument("--entries", type=int, default=10_000, help="journal entries (default 10000)")
    opts = parser.parse_args()
    if shutil.which("podman") is None:
        print("bench.events: podman is not installed", file=sys.stderr)
        return 1
    with BenchEnv(user=opts.user, python=opts.python) as env:
        env.pull_both()
        for tool in ("nerdpy", "podman"):
            _seed(env, tool)
        end = time.time_ns() - 1_000_000_000
        step = 300_000  # 10,000 entries over the last 3 s
        for tool in ("nerdpy", "podman"):
            _fill(_journal(env, tool), tool, opts.entries, end, step)
        since, until = _go_time(end - (opts.entries + 10) * step), _go_time(end + 1)
        nerdpy = env.nerdpy("events", "--since", since, "--until", until)
        # podman 4.3 prints nothing with an absolute --until on the file backend: --stream=false is
        # its way to read what is there and stop, which is what nerdpy's --until (in the past) does.
        podman = env.podman("events", "--since", since, "--stream=false")
        counts = (_count(nerdpy), _count(podman))
        print(f"entries printed: nerdpy {counts[0]}, podman {counts[1]} (journal: {opts.entries})")
        if counts != (opts.entries, opts.entries):
            print("bench.events: a tool did not print the whole journal; the times would not compare",
                  file=sys.stderr)
            return 1
        compare(f"events --since ({opts.entries})", nerdpy, podman, n=opts.n)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
