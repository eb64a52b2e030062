"""One RUN step in a build container: the same pieces `nerdpy run` uses (an OCI spec
from `nerdpy.oci`'s options with Docker's defaults, the rootless user namespace the
caller has joined, the network area's namespace and helpers, runc), in the
foreground, its output streamed to the caller line by line.

Mount points the runtime creates in the rootfs (/proc, /dev, /etc/hosts, ...) are
removed again after the step when the parent did not have them, so a RUN's layer
holds only what the command changed.
"""

from __future__ import annotations

import json
import os
import posixpath
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from nerdpy.config import Settings
from nerdpy.records import field, record

HOSTNAME = "buildkitsandbox"
_MOUNT_POINTS = ("/proc", "/sys", "/dev", "/etc/hosts", "/etc/resolv.conf", "/etc/hostname")


@record
class RunRequest:
    argv: tuple[str, ...]
    env: tuple[str, ...]  # KEY=VALUE: image Env then the in-scope ARGs
    cwd: str = "/"
    user: str = ""
    network: str = "default"  # default | none | host
    add_hosts: tuple[str, ...] = ()  # "name:ip" for /etc/hosts (--add-host)
    mounts: tuple[dict[str, Any], ...] = ()  # extra OCI mounts (--mount=...)
    files: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # heredoc scripts for /dev/pipes


def run_in(settings: Settings, step_id: str, rootfs: str, req: RunRequest,
           output: Callable[[str], None]) -> int:
    """Run `req` with `rootfs` (mounted) as root filesystem; returns the exit code."""
    from nerdpy.oci import build
    from nerdpy.oci import options as o
    from nerdpy.oci.user import resolve_in_rootfs

    bundle = Path(settings.layout.runtime_root) / "build" / step_id
    bundle.mkdir(parents=True, mode=0o700, exist_ok=True)
    existed = _existing_mount_points(rootfs)
    attachment = None
    try:
        user = resolve_in_rootfs(rootfs, req.user)
        attachment = _network(settings, step_id, req.network, req.add_hosts)
        mounts = _network_files(bundle, attachment) + list(req.mounts) + _pipes(bundle, req.files)
        options = [
            o.with_args(list(req.argv)),
            o.with_env([], list(req.env), HOSTNAME, user.home, False),
            o.with_cwd(req.cwd or "/"),
            o.with_user(user),
            o.with_hostname(HOSTNAME),
            o.with_terminal(False),
            o.with_root(rootfs, False),
            o.with_network_namespace(attachment.netns_path if attachment else None, settings.rootless),
            o.with_mounts(mounts),
            o.with_cgroups(None if settings.rootless else f"/nerdpy/build-{step_id}", {}),
        ]
        spec = build(settings.rootless, options)
        (bundle / "config.json").write_text(json.dumps(spec))
        attachment.wait_ready()
        return _runc(settings, step_id, bundle, output)
    finally:
        if attachment is not None:
            from nerdpy.network import teardown

            attachment.release()
            teardown(settings, step_id)
        _remove_new_mount_points(rootfs, existed)
        shutil.rmtree(bundle, ignore_errors=True)


def _network(settings: Settings, step_id: str, mode: str, add_hosts: tuple[str, ...]) -> Any:
    from nerdpy.network import NetworkRequest, setup

    networks = {"default": (), "none": ("none",), "host": ("host",)}[mode]
    return setup(settings, step_id, NetworkRequest(networks=networks, hostname=HOSTNAME, add_hosts=add_hosts))


def _network_files(bundle: Path, attachment: Any) -> list[dict[str, Any]]:
    mounts = []
    for name, attr, dest in (("hosts", "hosts", "/etc/hosts"), ("resolv.conf", "resolv_conf", "/etc/resolv.conf")):
        text = getattr(attachment, attr, "") if attachment else ""
        if text:
            (bundle / name).write_text(text)
            mounts.append({"destination": dest, "type": "bind", "source": str(bundle / name),
                           "options": ["rbind", "ro", "rprivate"]})
    return mounts


def _pipes(bundle: Path, files: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    """Heredoc scripts starting with `#!` run as files on a read-only /dev/pipes (as BuildKit)."""
    if not files:
        return []
    pipes = bundle / "pipes"
    pipes.mkdir(mode=0o755)
    for name, content in files:
        path = pipes / posixpath.basename(name)
        path.write_text(content)
        path.chmod(0o755)
    pipes.chmod(0o755)
    return [{"destination": "/dev/pipes", "type": "bind", "source": str(pipes), "options": ["rbind", "ro"]}]


def _runc(settings: Settings, step_id: str, bundle: Path, output: Callable[[str], None]) -> int:
    import subprocess

    from nerdpy.runtime import find_runtime

    binary = find_runtime(settings.runtime, settings.rootless) or settings.runtime
    root = str(settings.layout.runc_root)
    argv = [binary, "--root", root, "run", "--bundle", str(bundle), f"build-{step_id}"]
    with open(os.devnull, "rb") as devnull:
        proc = subprocess.Popen(argv, stdin=devnull, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                close_fds=True)
        assert proc.stdout is not None
        try:
            for raw in proc.stdout:
                output(raw.decode("utf-8", "replace").rstrip("\n"))
            return proc.wait()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            subprocess.run([binary, "--root", root, "delete", "--force", f"build-{step_id}"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


def _existing_mount_points(rootfs: str) -> set[str]:
    from nerdpy.oci.confined import open_in_root, open_root

    found = set()
    root = open_root(rootfs)
    try:
        for path in _MOUNT_POINTS:
            try:
                os.close(open_in_root(root, path, os.O_PATH | os.O_NOFOLLOW))
                found.add(path)
            except OSError:
                pass
    finally:
        os.close(root)
    return found


def _remove_new_mount_points(rootfs: str, existed: set[str]) -> None:
    """Drop empty mount points runc made for this step (never anything with content)."""
    from nerdpy.oci.confined import open_in_root, open_root

    root = open_root(rootfs)
    try:
        for path in sorted(set(_MOUNT_POINTS) - existed, reverse=True):
            parent, name = posixpath.split(path)
            try:
                dirfd = open_in_root(root, parent, os.O_PATH | os.O_DIRECTORY)
            except OSError:
                continue
            try:
                try:
                    os.rmdir(name, dir_fd=dirfd)
                except NotADirectoryError:
                    if os.stat(name, dir_fd=dirfd, follow_symlinks=False).st_size == 0:
                        os.unlink(name, dir_fd=dirfd)
                except OSError:
                    pass
            finally:
                os.close(dirfd)
    finally:
        os.close(root)
