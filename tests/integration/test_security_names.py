"""Security promise: names are checked whole, with Docker's rules, one helper per
kind of name (issue 12, finding 12). A name ending in a newline used to pass
(`re.match` with `$`) and broke `ps` and `volume ls`; a 300-character volume
name was an internal error; `--name /x` was stored with its slash."""

from __future__ import annotations

import uuid

import pytest

pytestmark = [pytest.mark.integration, pytest.requires("runc", "newuidmap", "busybox")]


def _refused(result) -> str:
    assert result.returncode == 125, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


@pytest.mark.parametrize("args", [
    ("create", "--name", "evil\n", "busybox:latest"),
    ("volume", "create", "evil\n"),
    ("network", "create", "evil\n"),
    ("create", "--hostname", "evil\n", "busybox:latest"),
])
def test_trailing_newline_is_refused(nerdpy, busybox_image, args):
    _refused(nerdpy(*args, check=False))
    assert "evil" not in nerdpy("ps", "-a", "--format", "{{.Names}}").stdout
    assert "evil" not in nerdpy("volume", "ls", "-q").stdout


def test_overlong_volume_name_is_a_clean_error(nerdpy, busybox_image):
    long = "v" * 300
    assert "characters long" in _refused(nerdpy("volume", "create", long, check=False))
    assert "characters long" in _refused(nerdpy("run", "--rm", "-v", f"{long}:/data", busybox_image, "true",
                                                 check=False))
    nerdpy("volume", "create", "v" * 255)  # NAME_MAX still works
    nerdpy("volume", "rm", "v" * 255)


def test_leading_slash_is_dropped_as_docker_does(nerdpy, busybox_image):
    name = f"slash-{uuid.uuid4().hex[:8]}"
    cid = nerdpy("create", "--name", f"/{name}", busybox_image).stdout.strip()
    try:
        assert nerdpy("ps", "-a", "--filter", f"id={cid}", "--format", "{{.Names}}").stdout.strip() == name
        assert nerdpy("inspect", "-f", "{{.Name}}", name).stdout.strip() == f"/{name}"
        nerdpy("rename", name, f"/{name}-2")
        assert nerdpy("ps", "-a", "--filter", f"id={cid}", "--format", "{{.Names}}").stdout.strip() == f"{name}-2"
    finally:
        nerdpy("rm", "-f", cid, check=False)
