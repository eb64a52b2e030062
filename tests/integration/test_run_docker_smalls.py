"""Docker 23+ habits at run/create (issue 14 #19): `-v ./dir:/x` and `--mount src=./dir` relative to the cwd, the
host-network and platform warnings in Docker's words (kept under -q), and `system df -v`
per-image SIZE equal to what `images` shows."""

from __future__ import annotations

import platform

import pytest

from tests.conftest import requires

pytestmark = [pytest.mark.integration, requires("runc", "userns", "busybox")]
HOST_ARCH = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())


def test_relative_bind_is_relative_to_the_cwd(nerdpy, busybox_image, tmp_path):
    (tmp_path / "here").mkdir()
    (tmp_path / "here" / "f").write_text("relative\n")
    tmp_path.chmod(0o755)
    out = nerdpy("run", "--rm", "-v", "./here:/x:ro", busybox_image, "cat", "/x/f", cwd=tmp_path)
    assert out.stdout == "relative\n"
    out = nerdpy("run", "--rm", "--mount", "type=bind,src=./here,dst=/x,readonly", busybox_image, "cat", "/x/f",
                 cwd=tmp_path)
    assert out.stdout == "relative\n"
    bad = nerdpy("run", "--rm", "--mount", "type=bind,src=here,dst=/x", busybox_image, "true", cwd=tmp_path,
                 check=False)
    assert bad.returncode == 125 and "mount path must be absolute" in bad.stderr
    # "../" is not a path to Docker (it is an invalid volume name): still refused in one line.
    bad = nerdpy("run", "--rm", "-v", "../here:/x", busybox_image, "true", cwd=tmp_path / "here", check=False)
    assert bad.returncode == 125 and len(bad.stderr.strip().splitlines()) == 1


def test_host_network_ports_and_platform_mismatch_warn(nerdpy, busybox_image, images, tmp_path):
    warning = "WARNING: Published ports are discarded when using host network mode"
    made = nerdpy("create", "--network", "host", "-p", "8080:80", busybox_image, "true")
    assert made.stderr.splitlines() == [warning]
    quiet = nerdpy("create", "-q", "--network", "host", "-P", busybox_image, "true")
    assert quiet.stderr.splitlines() == [warning]
    nerdpy("rm", made.stdout.strip(), quiet.stdout.strip())
    assert HOST_ARCH != "arm64", "this test needs a host that is not arm64"
    arm = images.busybox_image(architecture="arm64")
    tar = images.write_docker_archive(tmp_path / "arm.tar", arm, ["smalls-arm64:v1"])
    tmp_path.chmod(0o755)
    tar.chmod(0o644)
    nerdpy("load", "-i", tar)
    made = nerdpy("create", "smalls-arm64:v1", "true")
    assert made.stderr.splitlines() == [
        "WARNING: The requested image's platform (linux/arm64) does not match the detected host platform "
        f"(linux/{HOST_ARCH}) and no specific platform was requested"]
    assert nerdpy("create", "--platform", "linux/arm64", "smalls-arm64:v1", "true").stderr == ""
    nerdpy("rm", made.stdout.strip())


def test_system_df_image_size_is_the_images_size(nerdpy, busybox_image):
    shown = nerdpy("images", "--format", "{{.Repository}}:{{.Tag}} {{.Size}}").stdout.splitlines()
    sizes = dict(line.split() for line in shown)
    rows = nerdpy("system", "df", "-v").stdout.split("Containers space usage:")[0].splitlines()
    row = next(line.split() for line in rows if line.startswith(busybox_image + " "))
    assert row[2] == sizes[busybox_image]
