"""`--storage-opt`: global driver options (mount program, mount options) and run/create's size."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import requires


def _one_line_error(result, text: str) -> None:  # type: ignore[no-untyped-def]
    assert result.returncode == 125, result
    assert text in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr


@requires("userns", "busybox", "runc")
def test_mountopt_reaches_the_rootfs_and_bad_options_fail(nerdpy, busybox_image):
    # nosuid, not nodev: every rootfs is mounted nodev already (issue 12), none nosuid.
    out = nerdpy("--storage-opt", "overlay.mountopt=nosuid", "run", "--rm", busybox_image,
                 "grep", " / / ", "/proc/self/mountinfo", timeout=120).stdout
    assert out.split()[5].split(",").count("nosuid") == 1, out  # the root mount's own flags
    plain = nerdpy("run", "--rm", busybox_image, "grep", " / / ", "/proc/self/mountinfo", timeout=120).stdout
    assert "nosuid" not in plain.split()[5].split(","), plain
    info = nerdpy("--storage-opt", "overlay.mountopt=nosuid", "info").stdout
    assert "Storage options:  overlay.mountopt=nosuid" in info
    _one_line_error(nerdpy("--storage-opt", "overlay.mountopt=index=on", "run", "--rm", busybox_image, "true",
                           check=False), "overlay.mountopt 'index=on' is not supported by the overlay storage driver")
    _one_line_error(nerdpy("--storage-opt", "bogus=1", "ps", check=False), "unknown storage option 'bogus'")
    _one_line_error(nerdpy("--storage-opt", "nokeyvalue", "images", check=False), "use KEY=VALUE")
    _one_line_error(nerdpy("--storage-opt", "size=10G", "run", "--rm", busybox_image, "true", check=False),
                    "--storage-opt size is not supported by the overlay storage driver")
    # The store is kernel overlay: a mount program (fuse-overlayfs) would mix drivers.
    _one_line_error(nerdpy("--storage-opt", "overlay.mount_program=/usr/bin/fuse-overlayfs", "run", "--rm",
                           busybox_image, "true", check=False), "uses storage driver overlay, not fuse-overlayfs")


@requires("userns", "busybox", "runc")
def test_run_and_create_storage_opt_size_is_refused(nerdpy, busybox_image):
    name = "storage-opt-size"
    for cmd in ("run", "create"):
        result = nerdpy(cmd, "--name", name, "--storage-opt", "size=1G", busybox_image, "true", check=False)
        _one_line_error(result, "--storage-opt size is not supported by the overlay storage driver")
    _one_line_error(nerdpy("create", "--storage-opt", "dm.basesize=1G", busybox_image, check=False),
                    "unknown --storage-opt 'dm.basesize' for a container")
    assert name not in nerdpy("ps", "-a", "--format", "{{.Names}}").stdout.split()


@requires("userns", "busybox", "runc", "fuse-overlayfs", "fuse")
def test_mount_program_selects_fuse_overlayfs_with_that_binary(fresh_nerdpy, busybox_tar, tmp_path: Path):
    log = tmp_path / "calls"
    program = tmp_path / "my-fuse-overlayfs"
    program.write_text(f'#!/bin/sh\necho "$@" >> {log}\nexec /usr/bin/fuse-overlayfs "$@"\n')
    program.chmod(0o755)
    opt = ("--storage-opt", f"overlay.mount_program={program}")
    fresh_nerdpy(*opt, "load", "-q", "-i", busybox_tar, timeout=120)
    out = fresh_nerdpy(*opt, "run", "--rm", "busybox:latest", "grep", " / / ", "/proc/self/mountinfo",
                       timeout=120).stdout
    assert "fuse-overlayfs" in out, out
    assert "rootfs" in log.read_text()  # our binary mounted the container's root
    noexec = fresh_nerdpy(*opt, "--storage-opt", "overlay.mountopt=noexec", "run", "--rm", "busybox:latest",
                          "true", check=False)
    assert noexec.returncode == 126, noexec  # the option reached the fuse helper
    info = fresh_nerdpy(*opt, "info").stdout
    assert "Storage driver:   fuse-overlayfs" in info and f"overlay.mount_program={program}" in info
    _one_line_error(fresh_nerdpy("--storage-opt", "overlay.mount_program=/nonexistent", "run", "--rm",
                                 "busybox:latest", "true", check=False), "is not an executable file")
    _one_line_error(fresh_nerdpy("--storage-driver", "native", *opt, "run", "--rm", "busybox:latest", "true",
                                 check=False), "cannot be used with the native storage driver")
