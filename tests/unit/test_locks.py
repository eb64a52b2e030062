"""file_lock: exclusive across processes, shared readers, non-blocking attempts, no fd leaks."""

import os
import subprocess
import sys
import textwrap

from nerdpy.locks import file_lock

HOLD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from nerdpy.locks import file_lock
    with file_lock(Path(sys.argv[1]), shared=sys.argv[2] == "sh"):
        print("held", flush=True)
        sys.stdin.readline()
""")


def _holder(path, mode):
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path), mode], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_exclusive_lock_excludes_other_processes(tmp_path):
    path = tmp_path / "locks" / "a.lock"
    proc = _holder(path, "ex")
    try:
        with file_lock(path, wait=False) as held:
            assert held is False
        with file_lock(path, shared=True, wait=False) as held:
            assert held is False
    finally:
        proc.communicate("\n", timeout=10)
    with file_lock(path, wait=False) as held:
        assert held is True


def test_shared_locks_coexist_but_exclude_writers(tmp_path):
    path = tmp_path / "b.lock"
    proc = _holder(path, "sh")
    try:
        with file_lock(path, shared=True, wait=False) as held:
            assert held is True
        with file_lock(path, wait=False) as held:
            assert held is False
    finally:
        proc.communicate("\n", timeout=10)


def _fds_on(path):
    found = []
    for name in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{name}") == str(path):
                found.append(int(name))
        except OSError:
            continue  # the directory listing's own descriptor, already closed
    return found


def test_descriptor_is_closed_after_the_block_and_not_inherited(tmp_path):
    path = tmp_path / "c.lock"
    with file_lock(path):
        (fd,) = _fds_on(path)
        assert os.get_inheritable(fd) is False
    assert _fds_on(path) == []
