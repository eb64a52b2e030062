"""Shim memory with and without a healthcheck; the DNS resolver's memory, start
cost and query latency. Runs as root against this tree with isolated stores.

    python -m bench.health_dns [-n CONTAINERS] [-q QUERIES]

The DNS resolver is podman's own aardvark-dns (the same binary podman 4.x
starts), so its memory and latency are podman's by construction; what nerdpy
adds is the start (one spawn, daemonizing) and a config rewrite + SIGHUP per
change.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

QUERY = r"""
import socket, struct, sys, time
name, server, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
qname = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.settimeout(2)
times = []
for i in range(n):
    packet = struct.pack(">HHHHHH", i, 0x0100, 1, 0, 0, 0) + qname + struct.pack(">HH", 1, 1)
    start = time.perf_counter()
    sock.sendto(packet, (server, 53))
    reply = sock.recv(512)
    times.append(time.perf_counter() - start)
    assert struct.unpack(">H", reply[6:8])[0] >= 1, "no answer"
times.sort()
print(times[len(times) // 2] * 1e6, times[int(len(times) * 0.99)] * 1e6)
"""


def uss_kb(pid: int) -> int:
    total = 0
    with open(f"/proc/{pid}/smaps_rollup") as handle:
        for line in handle:
            if line.startswith(("Private_Clean", "Private_Dirty")):
                total += int(line.split()[1])
    return total


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=5)
    parser.add_argument("-q", type=int, default=500)
    args = parser.parse_args()
    from tests.fixtures import images

    tmp = Path(tempfile.mkdtemp(prefix="nb-hd-"))
    env = {**os.environ, "PYTHONPATH": str(REPO), "NERDPY_DATA_ROOT": str(tmp / "data"),
           "NERDPY_RUNTIME_ROOT": f"/tmp/nr-bhd-{os.getpid()}"}

    def nerdpy(*argv: str) -> str:
        return subprocess.run([sys.executable, "-m", "nerdpy", *argv], env=env, check=True, text=True,
                              capture_output=True).stdout

    images.write_docker_archive(tmp / "img.tar", images.build_image([images.dynamic_busybox_rootfs()]),
                                ["dnsbench:latest"])
    nerdpy("load", "-i", str(tmp / "img.tar"))
    nerdpy("network", "create", "benchnet")
    names = []
    try:
        for kind, extra in (("plain", []), ("health", ["--health-cmd", "true", "--health-interval", "1s"])):
            for i in range(args.n):
                names.append(f"{kind}{i}")
                nerdpy("run", "-d", "--name", names[-1], "--network", "benchnet", *extra, "dnsbench", "sleep", "600")
        time.sleep(5)  # a few probes ran
        for kind in ("plain", "health"):
            values = []
            for i in range(args.n):
                cid = nerdpy("inspect", "-f", "{{.Id}}", f"{kind}{i}").strip()
                state = json.loads((tmp / "data" / "containers" / cid / "state.json").read_text())
                values.append(uss_kb(int(state["shim_pid"])))
            print(f"shim USS {kind}: median {statistics.median(values)} kB (n={args.n})")
        from nerdpy.config import load_settings
        from nerdpy.network import dns

        settings = load_settings(env=env)
        pid = dns.running(dns.config_dir(settings))
        print(f"aardvark-dns USS: {uss_kb(pid)} kB (one process for all networks)")
        gateway = json.loads(nerdpy("network", "inspect", "benchnet"))[0]["IPAM"]["Config"][0]["Gateway"]
        cid = nerdpy("inspect", "-f", "{{.Id}}", "plain0").strip()
        netns = Path(env["NERDPY_RUNTIME_ROOT"]) / "netns" / cid
        out = subprocess.run(["nsenter", f"--net={netns}", sys.executable, "-c", QUERY, "plain1", gateway,
                              str(args.q)], check=True, text=True, capture_output=True).stdout.split()
        print(f"query latency (container name, from a container's netns): median {float(out[0]):.0f} us, "
              f"p99 {float(out[1]):.0f} us")
        os.kill(pid, 15)
        time.sleep(0.2)
        start = time.perf_counter()
        dns.sync(settings)  # nothing else runs here: no lock needed
        print(f"aardvark-dns start (sync with a dead resolver): {(time.perf_counter() - start) * 1e3:.1f} ms")
    finally:
        for name in names:
            subprocess.run([sys.executable, "-m", "nerdpy", "rm", "-f", name], env=env, capture_output=True,
                           check=False)
        subprocess.run([sys.executable, "-m", "nerdpy", "network", "rm", "benchnet"], env=env, capture_output=True,
                       check=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
