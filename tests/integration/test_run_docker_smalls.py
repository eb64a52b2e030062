"""Docker 23+ habits at run/create (issue 14 #19): `-v ./dir:/x` and `--mount src=./dir`
relative to the cwd, `--env-file` lines as Docker reads them, the host-network and platform
warnings in Docker's words (kept under -q), and `system df -v` in Docker's columns, its
per-image SIZE equal to what `images` shows."""

from __future__ import annotations

import platform
import re
import uuid

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


def test_env_file_values_are_passed_as_written(nerdpy, busybox_image, tmp_path):
    env_file = tmp_path / "env"
    env_file.write_text('Q="quoted"\n  T=x  \n')
    tmp_path.chmod(0o755)
    env_file.chmod(0o644)
    out = nerdpy("run", "--rm", "--env-file", env_file, busybox_image, "sh", "-c", 'echo "[$Q][$T]"')
    assert out.stdout == '["quoted"][x  ]\n'  # Docker keeps quotes and trailing blanks
    env_file.write_text("export A=1\n")
    bad = nerdpy("run", "--rm", "--env-file", env_file, busybox_image, "true", check=False)
    assert bad.returncode == 125 and bad.stderr == \
        "Error: poorly formatted environment: variable 'export A' contains whitespaces\n"


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


def _columns(lines: list[str]) -> list[dict[str, str]]:
    """A Docker table (columns three spaces apart, cells may hold one space) as dicts."""
    header = lines[0]
    starts = [m.start() for m in re.finditer(r"(?:^|(?<=   ))\S", header)]
    names = [header[a:b].strip() for a, b in zip(starts, starts[1:] + [None])]
    return [{name: line[a:b].strip() for name, a, b in zip(names, starts, starts[1:] + [None])} for line in lines[1:]]


def test_system_df_verbose_is_dockers_table(nerdpy, busybox_image):
    shown = nerdpy("images", "--format", "{{.Repository}}:{{.Tag}} {{.Size}}").stdout.splitlines()
    sizes = dict(line.split() for line in shown)
    name = f"dfv-{uuid.uuid4().hex[:8]}"
    nerdpy("create", "--name", name, "-v", "/anon", busybox_image, "sh", "-c", "true")
    try:
        out = nerdpy("system", "df", "-v").stdout
        images, rest = out.split("Containers space usage:")
        lines = [line for line in images.splitlines()[1:] if line]
        assert re.split(" {2,}", lines[0])[:3] == ["REPOSITORY", "TAG", "IMAGE ID"] and lines[0].endswith("CONTAINERS")
        row = next(r for r in _columns(lines) if f"{r['REPOSITORY']}:{r['TAG']}" == busybox_image)
        assert row["SIZE"] == sizes[busybox_image]  # the per-image SIZE is what `images` shows
        assert row["CREATED"].endswith(" ago") and int(row["CONTAINERS"]) >= 1
        lines = [line for line in rest.split("Local Volumes space usage:")[0].splitlines() if line]
        assert lines[0].split() == ["CONTAINER", "ID", "IMAGE", "COMMAND", "LOCAL", "VOLUMES", "SIZE", "CREATED",
                                    "STATUS", "NAMES"]
        mine = next(r for r in _columns(lines) if r["NAMES"] == name)
        assert mine["COMMAND"] == '"sh -c true"' and mine["LOCAL VOLUMES"] == "1" and mine["STATUS"] == "Created"
    finally:
        nerdpy("rm", "-v", name)


def test_rm_of_a_running_container_is_refused_in_dockers_words(nerdpy, busybox_image):
    name = f"rmrun-{uuid.uuid4().hex[:8]}"
    nerdpy("run", "-d", "--name", name, busybox_image, "sleep", "60")
    refused = nerdpy("rm", name, check=False)
    nerdpy("rm", "-f", name)
    assert refused.returncode == 1 and refused.stderr == (
        f'Error: cannot remove container "/{name}": container is running: '
        "stop the container before removing or force remove\n"), refused


def test_exec_top_and_attach_on_a_stopped_container_exit_1(nerdpy, busybox_image):
    cid = nerdpy("create", busybox_image, "true").stdout.strip()
    try:
        for args, line in [(("exec", cid, "true"), f"container {cid} is not running"),
                           (("top", cid), f"container {cid} is not running"),
                           (("attach", cid), "You cannot attach to a stopped container, start it first"),
                           (("kill", cid[:12]), f"cannot kill container: {cid[:12]}: container {cid} is not running"),
                           (("pause", cid), f"container {cid} is not running")]:
            refused = nerdpy(*args, check=False)
            assert (refused.returncode, refused.stderr) == (1, f"Error: {line}\n"), args  # Docker's; not 125
    finally:
        nerdpy("rm", cid)
