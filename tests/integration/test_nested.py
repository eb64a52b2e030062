"""nerdpy inside a container (a CI job with a Docker executor, a pod, a devcontainer):
it knows where it runs and names the blocker and the fix in one line.

The inner nerdpy is this checkout and this interpreter, mounted read-only into a
busybox container; nothing is installed in the image."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.conftest import IS_ROOT, REPO, requires

pytestmark = pytest.mark.integration


def _mounts() -> list[str]:
    """The host's /usr and libraries, the venv and the checkout, read-only."""
    args = []
    for path in ("/usr", "/lib", "/lib64", sys.prefix, str(REPO)):
        if Path(path).exists():
            args += ["-v", f"{os.path.realpath(path)}:{path}:ro"]
    return args


@requires("runc", "userns", "busybox")
def test_unprivileged_container_names_the_blocker_and_fix(nerdpy, busybox_image, busybox_tar):
    info = _in_container(nerdpy, busybox_image, busybox_tar, f"{_INNER} info")
    assert info.returncode == 1, info
    # As Docker's `info`, problems go to stderr.
    errors = [line for line in info.stderr.splitlines() if line.startswith("ERROR: ")]
    assert len(errors) == 1, info
    assert "without CAP_SYS_ADMIN: nerdpy cannot mount container filesystems" in errors[0]
    assert "privileged" in errors[0]
    # Root in there is not root on the host when the outer nerdpy is rootless.
    assert ("Rootless:         true" in info.stdout) == (not IS_ROOT), info.stdout
    assert "not found" not in info.stdout + info.stderr and "Traceback" not in info.stdout + info.stderr


@requires("runc", "userns", "busybox")
def test_unprivileged_container_run_fails_in_one_line_naming_the_blocker(nerdpy, busybox_image, busybox_tar):
    script = (f"{_INNER} load -i /images/busybox.tar >/dev/null || exit 99; "
              f"{_INNER} run --rm --network none busybox:latest true")
    result = _in_container(nerdpy, busybox_image, busybox_tar, script)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 125 and len(lines) == 1, result
    assert lines[0].startswith("Error: ") and "lacks CAP_SYS_ADMIN" in lines[0] and "privileged" in lines[0]


@requires("runc", "userns", "busybox")
def test_privileged_container_has_no_blocker(nerdpy, busybox_image, busybox_tar):
    info = _in_container(nerdpy, busybox_image, busybox_tar, f"{_INNER} info", privileged=True)
    assert "ERROR" not in info.stdout + info.stderr, info
    assert "OCI runtime:      runc" in info.stdout


@requires("runc", "userns", "busybox", "docker-registry")
def test_privileged_nested_pull_and_run(nerdpy, busybox_image, busybox_tar, registry_busybox):
    """The docker-in-docker case: nerdpy inside a privileged nerdpy container pulls
    from the test registry and runs a container, and loads an image too (rootful
    outer: root inside; rootless outer: root in the outer user namespace). The outer
    container shares the host's network: the registry listens on its loopback."""
    script = (f"set -e; {_INNER} pull -q {registry_busybox} >/dev/null; "
              f"{_INNER} run --rm --network none {registry_busybox} echo pulled-ok; "
              f"{_INNER} load -i /images/busybox.tar >/dev/null; "
              f"{_INNER} run --rm --network none busybox:latest echo nested-ok")
    result = _in_container(nerdpy, busybox_image, busybox_tar, script, privileged=True, host_network=True)
    assert result.returncode == 0 and result.stdout.split() == ["pulled-ok", "nested-ok"], result


# The inner nerdpy: this checkout's CLI run by this interpreter, as `nerdpy ARGS`.
_INNER = ("python -I -c \"import sys; sys.path.insert(0, '$REPO'); from nerdpy.cli.main import main; "
          "sys.argv[0] = 'nerdpy'; main()\"")


def _in_container(nerdpy, image: str, busybox_tar: Path, script: str, privileged: bool = False,
                  host_network: bool = False):
    flags = (["--privileged"] if privileged else []) + (["--network", "host"] if host_network else [])
    return nerdpy("run", "--rm", *flags, *_mounts(), "-v", f"{busybox_tar.parent}:/images:ro", "-e", f"REPO={REPO}",
                  "-e", f"PATH={Path(sys.executable).parent}:/usr/sbin:/usr/bin:/bin",
                  "--tmpfs", "/var/lib/nerdpy", "--tmpfs", "/run", "--tmpfs", "/tmp",
                  image, "sh", "-c", script, check=False, timeout=120)
