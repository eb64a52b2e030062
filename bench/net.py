"""Network benchmarks: nerdpy vs podman, rootless, same image, alternating runs.

1. Throughput through a published port: a bulk TCP transfer host -> container
   (busybox `nc -l` into /dev/null) and container -> host (busybox httpd sending
   a file with sendfile), MiB/s and Gbit/s, medians.
2. Connection setup latency through a published port: connect + tiny HTTP GET +
   close, sequentially, median per connection.
3. `run --rm IMAGE true` on a user network (`network create`), median wall time.

Usage (as root; the harness switches to the user): python -m bench.net [--user tester] [-n 5]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BenchEnv, compare, timed  # noqa: E402

SERVER = ("dd if=/dev/zero of=/tmp/big bs=1048576 count={mib} 2>/dev/null; mkdir -p /tmp/www; "
          "mv /tmp/big /tmp/www/big; echo ok > /tmp/www/small; httpd -p 80 -h /tmp/www; "
          "while true; do nc -l -p 81 > /dev/null; done")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /small HTTP/1.0\r\n\r\n")
                if b"ok" in s.recv(4096) + s.recv(4096):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"no HTTP answer on port {port}")


def send_bulk(port: int, total: int) -> float:
    """Host -> container; seconds for `total` bytes (until the sink closes)."""
    buf = b"\0" * (1 << 20)
    start = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        left = total
        while left > 0:
            left -= s.send(buf[: min(left, len(buf))])
        s.shutdown(socket.SHUT_WR)
        s.recv(1)
    return time.perf_counter() - start


def recv_bulk(port: int) -> tuple[float, int]:
    """Container -> host: GET /big; (seconds, bytes)."""
    start = time.perf_counter()
    got = 0
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        s.sendall(b"GET /big HTTP/1.0\r\n\r\n")
        while chunk := s.recv(1 << 20):
            got += len(chunk)
    return time.perf_counter() - start, got


def connect_latency(port: int, count: int) -> float:
    """Median seconds of connect + GET /small + close."""
    times = []
    for _ in range(count):
        start = time.perf_counter()
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"GET /small HTTP/1.0\r\n\r\n")
            while s.recv(4096):
                pass
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _start(tool: str, env: BenchEnv, name: str, http: int, sink: int, mib: int) -> None:
    make = env.nerdpy if tool == "nerdpy" else env.podman
    args = ["run", "-d", "--name", name, "-p", f"127.0.0.1:{http}:80", "-p", f"127.0.0.1:{sink}:81",
            env.image(), "sh", "-c", SERVER.format(mib=mib)]
    timed(make(*args))
    _wait_http(http)


def _remove(tool: str, env: BenchEnv, name: str) -> None:
    make = env.nerdpy if tool == "nerdpy" else env.podman
    subprocess.run(make("rm", "-f", name).argv, capture_output=True, timeout=120)


def data_path(env: BenchEnv, n: int, mib: int) -> dict[str, dict[str, list[float]]]:
    ports = {tool: (_free_port(), _free_port()) for tool in ("nerdpy", "podman")}
    results: dict[str, dict[str, list[float]]] = {t: {"in": [], "out": [], "conn": []} for t in ports}
    for tool, (http, sink) in ports.items():
        _start(tool, env, f"bench-{tool}", http, sink, mib)
    try:
        for _ in range(n):
            for tool, (http, sink) in ports.items():
                total = mib << 20
                results[tool]["in"].append(total / send_bulk(sink, total))
                seconds, got = recv_bulk(http)
                results[tool]["out"].append(got / seconds)
                results[tool]["conn"].append(connect_latency(http, 50))
    finally:
        for tool in ports:
            _remove(tool, env, f"bench-{tool}")
    return results


def _report(results: dict[str, dict[str, list[float]]]) -> None:
    def med(tool: str, key: str) -> float:
        return statistics.median(results[tool][key])

    for key, label in (("in", "host->container"), ("out", "container->host")):
        nerd, pod = med("nerdpy", key), med("podman", key)
        print(f"throughput {label:<16} nerdpy {nerd * 8 / 1e9:6.2f} Gbit/s   podman {pod * 8 / 1e9:6.2f} Gbit/s"
              f"   ratio {nerd / pod:5.2f}  (higher is better)")
    nerd, pod = med("nerdpy", "conn"), med("podman", "conn")
    print(f"connect+GET latency          nerdpy {nerd * 1e3:6.2f} ms       podman {pod * 1e3:6.2f} ms"
          f"       ratio {nerd / pod:5.2f}  (lower is better)")


def run_on_user_network(env: BenchEnv, n: int) -> None:
    timed(env.nerdpy("network", "create", "benchnet"))
    timed(env.podman("network", "create", "benchnet"))
    try:
        for label, extra in (("run --rm (user network)", ["--network", "benchnet"]), ("run --rm (default)", [])):
            compare(label, env.nerdpy("run", "--rm", *extra, env.image(), "true"),
                    env.podman("run", "--rm", *extra, env.image(), "true"), n=n)
    finally:
        subprocess.run(env.nerdpy("network", "rm", "benchnet").argv, capture_output=True)
        subprocess.run(env.podman("network", "rm", "-f", "benchnet").argv, capture_output=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.net", description=__doc__.split("\n")[0])
    parser.add_argument("--user", default="tester", help="unprivileged user (default tester; '' for root)")
    parser.add_argument("-n", type=int, default=5, help="rounds per measurement (default 5)")
    parser.add_argument("--mib", type=int, default=512, help="MiB per bulk transfer (default 512)")
    parser.add_argument("--python", default=sys.executable)
    opts = parser.parse_args(argv)
    with BenchEnv(user=opts.user or None, python=opts.python) as env:
        env.pull_both()
        _report(data_path(env, opts.n, opts.mib))
        run_on_user_network(env, max(opts.n * 2, 10))
    return 0


if __name__ == "__main__":
    sys.exit(main())
