"""Starting and stopping the rootless port forwarder (TCP and UDP; see forwarder.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from nerdpy.errors import InvalidArgument
from nerdpy.network.ports import PortMapping, publish_failure
from nerdpy.paths import write_private
from nerdpy.records import replace

SCRIPT = str(Path(__file__).with_name("forwarder.py"))


def _listen(mapping: PortMapping, reserved: set[tuple[str, int]]) -> tuple[socket.socket, PortMapping]:
    """Bind the host side now: a taken port fails here, before anything runs."""
    family = socket.AF_INET6 if ":" in mapping.host_ip else socket.AF_INET
    candidates = (range(mapping.host_port, (mapping.host_port_max or mapping.host_port) + 1)
                  if mapping.host_port else [0])
    error: OSError | None = None
    for port in candidates:
        if port and (mapping.protocol, port) in reserved:
            error = None
            continue
        tcp = mapping.protocol == "tcp"
        sock = socket.socket(family, socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM)
        try:
            if tcp:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((mapping.host_ip or ("::" if family == socket.AF_INET6 else "0.0.0.0"), port))
            if tcp:
                sock.listen(128)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        return sock, replace(mapping, host_port=sock.getsockname()[1], host_port_max=0)
    raise publish_failure(mapping, error)


def start(netns_path: str, target_ip: str, ports: list[PortMapping], pidfile: Path,
          reserved: set[tuple[str, int]]) -> tuple[int, list[PortMapping]]:
    """Start the forwarder for `ports` (TCP and UDP); returns (exit fd for the shim, published)."""
    if any(p.protocol not in ("tcp", "udp") for p in ports):
        raise InvalidArgument("the port forwarder only takes TCP and UDP ports")
    bound: list[tuple[socket.socket, PortMapping]] = []
    try:
        for mapping in ports:
            bound.append(_listen(mapping, reserved))
        exit_r, exit_w = os.pipe()
        try:
            argv = ["nsenter", f"--net={netns_path}", sys.executable, "-I", "-S", SCRIPT, str(exit_r), target_ip]
            argv += [f"{sock.fileno()}:{m.container_port}" for sock, m in bound]
            fds = [exit_r] + [sock.fileno() for sock, _ in bound]
            proc = subprocess.Popen(argv, pass_fds=fds, start_new_session=True, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/")
        except BaseException:
            os.close(exit_w)
            raise
        finally:
            os.close(exit_r)
        proc.returncode = 0  # it outlives us; init reaps it
        from nerdpy.userns.holder import process_start_time

        tmp = pidfile.with_name(f".{pidfile.name}.{os.getpid()}")
        write_private(tmp, f"{proc.pid} {process_start_time(proc.pid) or 0}\n")
        os.replace(tmp, pidfile)
        return exit_w, [m for _, m in bound]
    finally:
        for sock, _ in bound:
            sock.close()


def stop(pidfile: Path) -> None:
    from nerdpy.network import slirp

    try:
        pid_text, start_text = pidfile.read_text().split()
    except (OSError, ValueError):
        return
    slirp.stop(int(pid_text), int(start_text) or None)
    try:
        pidfile.unlink()
    except FileNotFoundError:
        pass
