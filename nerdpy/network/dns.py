"""DNS for container names on user networks: podman's aardvark-dns, fed by nerdpy.

Why aardvark-dns: it is a maintained resolver (Debian's `aardvark-dns`, podman's
own), answers A/AAAA for container names and aliases only to containers that
share a network with the asker, and forwards other names to upstream servers
given per network. One process serves every network of this nerdpy instance
(about 1.9 MB USS), listening on each user network's gateway address, port 53,
in the namespace that holds the bridges (root: the host's; rootless: the shared
namespace, see `shared.py`). Docker's 127.0.0.11 would need a listener or NAT
rule inside every container's namespace.

Files (under `<runtime_root>/netns/aardvark/`, 0700): one per network with
containers, named by network id, in aardvark's format: the first line is
`GATEWAY UPSTREAM[,UPSTREAM]`, then one `ID IPV4 IPV6 NAME,ALIAS,...` line per
container. `sync()` rewrites them from the endpoint tables whenever peers
change (`peers.refresh`, under `net.lock`), then starts aardvark, tells it to
reload (SIGHUP), or stops it when no user network has containers left. Without
aardvark-dns installed, or when it cannot start (port 53 on the gateway taken),
containers get the usual servers and names resolve through /etc/hosts only.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from nerdpy.errors import Unavailable
from nerdpy.network import files, state

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from nerdpy.config import Settings

CANDIDATES = ("/usr/libexec/podman/aardvark-dns", "/usr/lib/podman/aardvark-dns",
              "/usr/local/libexec/podman/aardvark-dns", "/usr/local/lib/podman/aardvark-dns")
PID_FILE = "aardvark.pid"


def binary() -> str | None:
    for path in CANDIDATES:
        if os.access(path, os.X_OK):
            return path
    return None


def served(net: state.NetworkRecord) -> bool:
    """User-defined bridge networks get DNS; the default ones do not (as Docker's)."""
    return net.driver == "bridge" and not net.builtin and not net.slirp


def config_dir(settings: Settings) -> Path:
    return settings.layout.netns_dir / "aardvark"


def upstream(settings: Settings) -> list[str]:
    """Where other names go: the servers the container would otherwise use."""
    if settings.rootless:
        from nerdpy.network import slirp

        return [slirp.DNS_IP]
    servers = [s for s in files.host_resolv()[0] if not files._is_loopback(s)]
    return servers or list(files._FALLBACK_DNS)


def network_file(settings: Settings, net: state.NetworkRecord, servers: list[str]) -> str | None:
    """aardvark's config for `net`, or None when it has no containers."""
    from nerdpy.network.peers import names_for

    endpoints = state.endpoints_on(settings, net.id)
    if not endpoints:
        return None
    gateways = ",".join(g for g in (net.gateway, net.gateway6) if g)
    lines = [f"{gateways} {','.join(servers)}"]
    for ep in endpoints:
        names = [n for n in names_for(state.load_attachment(settings, ep.container_id), ep) if n]
        lines.append(f"{ep.container_id} {ep.ip} {ep.ip6} {','.join(dict.fromkeys(names))}")
    return "\n".join(lines) + "\n"


def sync(settings: Settings) -> None:
    """Make aardvark's files and process match the endpoints. Hold `net.lock`."""
    program = binary()
    if program is None:
        return
    directory = config_dir(settings)
    servers = upstream(settings)
    wanted = {}
    for net in state.list_networks(settings):
        if served(net):
            text = network_file(settings, net, servers)
            if text is not None:
                wanted[net.id] = text
    if not wanted and not directory.exists():
        return
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    changed = _write_files(directory, wanted)
    pid = running(directory)
    if not wanted:  # nothing left behind once the last container is gone
        if pid:
            _stop(pid)
        _unlink(directory / PID_FILE)
        _unlink(directory.parent / "aardvark.log")
        try:
            directory.rmdir()
        except OSError:
            pass
        return
    if pid is None:
        try:
            _start(settings, program, directory)
        except Unavailable:
            return  # e.g. port 53 taken on the gateway: names still resolve through /etc/hosts
    elif changed:
        os.kill(pid, signal.SIGHUP)


def _write_files(directory: Path, wanted: dict[str, str]) -> bool:
    changed = False
    for entry in os.listdir(directory):
        if entry != PID_FILE and entry not in wanted:
            _unlink(directory / entry)
            changed = True
    for name, text in wanted.items():
        path = directory / name
        try:
            if path.read_text() == text:
                continue
        except OSError:
            pass
        tmp = directory.parent / f".aardvark-{name}.tmp"  # aardvark reads every file in its directory
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(tmp, path)
        changed = True
    return changed


def running(directory: Path) -> int | None:
    """aardvark's pid when it is alive (its pid file, checked against /proc)."""
    try:
        pid = int((directory / PID_FILE).read_text().strip())
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            cmdline = handle.read()
        with open(f"/proc/{pid}/stat") as handle:
            stat = handle.read()
    except (OSError, ValueError):
        return None
    if b"aardvark-dns" not in cmdline or stat[stat.rindex(")") + 2] in "ZX":
        return None
    return pid


def _start(settings: Settings, program: str, directory: Path) -> None:
    """aardvark daemonizes itself once its listeners are up (writes its pid file)."""
    import subprocess

    argv = [program, "--config", str(directory), "-p", "53", "run"]
    if settings.rootless:
        from nerdpy.network import shared

        current = shared.current(settings)
        if current is None:
            return
        from nerdpy.linux.which import executable

        argv = [executable("nsenter"), f"--net={current.path}"] + argv
    log = directory.parent / "aardvark.log"  # a file, not a pipe: the daemon keeps its stderr
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=fd,
                              cwd=str(directory), timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise Unavailable(f"aardvark-dns failed: {exc}") from None
    finally:
        os.close(fd)
    if proc.returncode != 0:
        lines = [line for line in log.read_text(errors="replace").splitlines() if "syslog" not in line]
        raise Unavailable(f"aardvark-dns failed: {(lines or ['exit ' + str(proc.returncode)])[-1]}",
                          hint="names still resolve through /etc/hosts; --dns sets other servers")


def _stop(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError:
        pass


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def nameservers(settings: Settings, first: state.NetworkRecord) -> list[str] | None:
    """What a container whose first network is `first` puts in resolv.conf (None: no DNS here)."""
    if served(first) and binary() is not None and running(config_dir(settings)) is not None:
        return [first.gateway]
    return None  # no resolver up (not installed, or it could not start): the usual servers
