"""`exec -it` on a real pseudo-terminal: detach keys (the default, --detach-keys,
config.json's detachKeys) leave the command running, a lone Ctrl-P is held back."""

from __future__ import annotations

import json
import os
import select
import subprocess
import time
import uuid

import pytest

pytestmark = [pytest.mark.integration, pytest.requires("runc", "newuidmap", "busybox")]


def _read_until(fd: int, needle: bytes, timeout: float = 30.0) -> bytes:
    """What the terminal shows until `needle` appears (the shell is ready for input)."""
    out = b""
    end = time.monotonic() + timeout
    while needle not in out:
        left = end - time.monotonic()
        assert left > 0, f"{needle!r} never appeared: {out!r}"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                chunk = b""
            assert chunk, f"terminal closed before {needle!r}: {out!r}"
            out += chunk
    return out


def _drain(fd: int) -> bytes:
    out = b""
    while select.select([fd], [], [], 0.2)[0]:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    return out


def _exec_on_terminal(nerdpy, argv: list[str], env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    import fcntl
    import struct
    import termios

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 77, 0, 0))  # must follow us in
    proc = subprocess.Popen(nerdpy.argv(*argv), stdin=slave, stdout=slave, stderr=slave,
                            env={**nerdpy.env, **env}, cwd="/tmp", start_new_session=True)
    os.close(slave)
    return proc, master


def _shells(nerdpy, name: str, marker: str) -> int:
    """How many exec'd shells with `marker` in their environment are alive."""
    out = nerdpy("exec", name, "sh", "-c", f"grep -l {marker} /proc/[0-9]*/environ 2>/dev/null | wc -l").stdout
    return int(out.strip())


def test_exec_detach_keys(nerdpy, busybox_image, tmp_path):
    name = f"xdetach-{uuid.uuid4().hex[:8]}"
    nerdpy("run", "-d", "--name", name, busybox_image, "sleep", "300")
    config = tmp_path / "docker"
    config.mkdir()
    env = {"DOCKER_CONFIG": str(config)}
    try:
        # The default keys: Ctrl-P alone is held back until Ctrl-Q decides. Had the shell
        # got it, it would have recalled (redrawn) the last command.
        proc, master = _exec_on_terminal(nerdpy, ["exec", "-it", "-e", "MARK=dflt", name, "sh"], env)
        try:
            _read_until(master, b"# ")
            os.write(master, b"echo typed-once\r")
            shown = _read_until(master, b"typed-once\r\n/ # ")
            os.write(master, b"\x10")
            os.write(master, b"\x11")
            assert proc.wait(timeout=20) == 0
            shown += _drain(master)
        finally:
            os.close(master)
        assert shown.count(b"echo typed-once") == 1, shown
        assert _shells(nerdpy, name, "MARK=dflt") == 1  # detached, not ended

        # --detach-keys: the default keys reach the shell, the flag's detach.
        (config / "config.json").write_text(json.dumps({"detachKeys": "ctrl-b"}))
        proc, master = _exec_on_terminal(
            nerdpy, ["exec", "-it", "--detach-keys", "ctrl-a,x", "-e", "MARK=flag", name, "sh"], env)
        try:
            _read_until(master, b"# ")
            os.write(master, b"\x10\x11\x02echo still-here\r")
            _read_until(master, b"still-here\r\n")
            assert proc.poll() is None
            os.write(master, b"\x01x")
            assert proc.wait(timeout=20) == 0
        finally:
            os.close(master)
        assert _shells(nerdpy, name, "MARK=flag") == 1

        # No flag: config.json's detachKeys.
        proc, master = _exec_on_terminal(nerdpy, ["exec", "-it", "-e", "MARK=conf", name, "sh"], env)
        try:
            _read_until(master, b"# ")
            os.write(master, b"\x02")
            assert proc.wait(timeout=20) == 0
        finally:
            os.close(master)
        assert _shells(nerdpy, name, "MARK=conf") == 1

        # The terminal has our size; the command still ends the session when it exits: its code.
        proc, master = _exec_on_terminal(nerdpy, ["exec", "-it", name, "sh"], env)
        try:
            _read_until(master, b"# ")
            os.write(master, b"stty size\r")
            _read_until(master, b"33 77\r\n")
            os.write(master, b"exit 7\r")
            assert proc.wait(timeout=20) == 7
        finally:
            os.close(master)

        bad = nerdpy("exec", "--detach-keys", "ctrl-", name, "true", check=False)
        assert bad.returncode == 125 and "Invalid detach keys (ctrl-) provided" in bad.stderr, bad.stderr
    finally:
        nerdpy("rm", "-f", name)
