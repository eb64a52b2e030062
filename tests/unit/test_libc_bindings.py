"""The committed cffi module matches its cdef, and the calls reach the kernel."""

import os

import pytest

from nerdpy.linux import _libc_build, libc


def test_generated_module_is_current():
    assert _libc_build.TARGET.read_text() == _libc_build.render(), (
        "nerdpy/linux/_libc_cffi.py is stale: run `python -m nerdpy.linux._libc_build`"
    )


def test_openat2_in_root_stays_inside(tmp_path):
    (tmp_path / "inside").write_text("x")
    os.symlink("/etc/passwd", tmp_path / "escape")
    root = os.open(tmp_path, os.O_PATH | os.O_DIRECTORY)
    try:
        fd = libc.openat2(root, "../../inside", os.O_RDONLY, resolve=libc.RESOLVE_IN_ROOT)
        assert os.read(fd, 10) == b"x"
        os.close(fd)
        # The absolute symlink resolves inside the root, where there is no etc/passwd.
        with pytest.raises(FileNotFoundError):
            libc.openat2(root, "escape", os.O_RDONLY, resolve=libc.RESOLVE_IN_ROOT)
    finally:
        os.close(root)


def test_errors_carry_errno():
    with pytest.raises(OSError) as info:
        libc.setns(-1, 0)
    assert info.value.errno == 9  # EBADF
