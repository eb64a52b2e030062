"""Security promise: boolean option values are read as Docker reads them (Go's
ParseBool) and anything else is refused with exit 125 — never silently false
(issue 12, finding 8: `no-new-privileges:True` used to leave NNP off)."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.integration, pytest.requires("runc", "newuidmap", "busybox")]


def test_no_new_privileges_true_turns_it_on(nerdpy, busybox_image):
    out = nerdpy("run", "--rm", "--security-opt", "no-new-privileges:True", busybox_image,
                 "grep", "NoNewPrivs", "/proc/self/status").stdout
    assert out.split() == ["NoNewPrivs:", "1"]


@pytest.mark.parametrize("args", [
    ("run", "--rm", "--security-opt", "no-new-privileges:yes", "busybox:latest", "true"),
    ("run", "--rm", "--mount", "type=tmpfs,target=/x,readonly=on", "busybox:latest", "true"),
    ("run", "--rm", "--sig-proxy=maybe", "busybox:latest", "true"),
    ("volume", "ls", "--filter", "dangling=yes"),
    ("images", "--filter", "dangling=nope"),
    ("network", "ls", "--filter", "dangling=Y"),
])
def test_anything_else_is_refused_with_one_line(nerdpy, busybox_image, args):
    result = nerdpy(*args, check=False)
    assert result.returncode == 125, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: invalid ") and "is not a boolean" in lines[0], result.stderr


def test_go_spellings_are_accepted(nerdpy, busybox_image):
    assert nerdpy("volume", "ls", "-q", "--filter", "dangling=T").returncode == 0
    assert nerdpy("images", "-q", "--filter", "dangling=FALSE").returncode == 0
