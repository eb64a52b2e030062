"""Pull progress as Docker draws it (issue 14 #1, #8): no bar on a terminal of 110 columns
or fewer, an "Extracting" phase, and the implicit pull of run/create on stderr (-q: silent).

The terminal is a real pseudo-terminal of a given width (os.openpty + TIOCSWINSZ)."""

from __future__ import annotations

import fcntl
import os
import re
import struct
import subprocess
import termios

import pytest

pytestmark = pytest.mark.integration

_TAG = f"u{os.getuid()}"


def _on_terminal(nerdpy, columns: int, *args: str) -> str:
    """Run nerdpy with stdout/stderr on a pty `columns` wide; everything it drew."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    proc = subprocess.Popen(nerdpy.argv(*args), stdin=subprocess.DEVNULL, stdout=slave, stderr=slave,
                            env=nerdpy.env, cwd="/tmp")
    os.close(slave)
    chunks = []
    try:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the last writer closed the pty
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
        assert proc.wait(timeout=120) == 0, b"".join(chunks).decode(errors="replace")
    return b"".join(chunks).decode(errors="replace")


@pytest.mark.parametrize("columns, bar", [(80, False), (120, True)])
def test_pull_bar_follows_the_terminal_width(fresh_nerdpy, registry, busybox_built, images, columns, bar):
    images.push(registry, "progress/bb", f"{_TAG}-{columns}", busybox_built)
    ref = f"{registry}/progress/bb:{_TAG}-{columns}"
    drawn = _on_terminal(fresh_nerdpy, columns, "pull", ref)
    assert ("Downloading [" in drawn) is bar, drawn
    assert re.search(r"Downloading (\[[=> ]*\] )? *[0-9.]+[kM]?B/[0-9.]+[kM]?B", drawn), drawn
    assert "Extracting" in drawn and "Pull complete" in drawn
    # Every line drawn fits the terminal.
    lines = re.sub(r"\x1b\[[0-9]*[A-Za-z]", "", drawn).replace("\r", "\n").split("\n")
    assert max(len(line) for line in lines) <= columns


def test_run_and_create_show_the_implicit_pull_and_q_silences_it(fresh_nerdpy, registry, busybox_built, images):
    nerdpy = fresh_nerdpy
    for tag in ("run", "create", "quiet"):
        images.push(registry, "implicit/bb", f"{_TAG}-{tag}", busybox_built)
    ref = f"{registry}/implicit/bb:{_TAG}"
    ran = nerdpy("run", "--rm", f"{ref}-run", "echo", "ran", timeout=120)
    assert ran.stdout == "ran\n"
    lines = ran.stderr.splitlines()
    assert lines[0] == f"Unable to find image '{ref}-run' locally"
    assert lines[1] == f"{_TAG}-run: Pulling from implicit/bb"
    assert any(line.endswith(": Pull complete") for line in lines)
    assert lines[-2].startswith("Digest: sha256:")
    assert lines[-1] == f"Status: Downloaded newer image for {ref}-run"
    created = nerdpy("create", f"{ref}-create", "true", timeout=120)
    assert created.stderr.splitlines()[0] == f"Unable to find image '{ref}-create' locally"
    assert created.stderr.splitlines()[-1] == f"Status: Downloaded newer image for {ref}-create"
    assert len(created.stdout.split()) == 1
    quiet = nerdpy("create", "-q", f"{ref}-quiet", "true", timeout=120)
    assert quiet.stderr == "" and len(quiet.stdout.split()) == 1
    quiet_run = nerdpy("run", "-q", "--rm", "--pull", "always", f"{ref}-quiet", "echo", "q", timeout=120)
    assert quiet_run.stderr == "" and quiet_run.stdout == "q\n"
    # A pull that fails to resolve prints no "TAG: Pulling from" line (Docker: only the error).
    missing = nerdpy("pull", f"{registry}/implicit/none:1", check=False)
    assert missing.returncode != 0 and "Pulling from" not in missing.stdout + missing.stderr
    missing = nerdpy("run", "--rm", f"{registry}/implicit/none", "true", check=False)
    lines = missing.stderr.splitlines()
    assert lines[0] == f"Unable to find image '{registry}/implicit/none:latest' locally"  # Docker names the tag
    assert len(lines) == 2 and lines[1].startswith("Error: ")
    bad = nerdpy("run", "--rm", "Bad/Name:x", "true", check=False)
    assert bad.returncode == 125 and "Unable to find image" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
