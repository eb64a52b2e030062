from __future__ import annotations

import os
import shutil

from nerdpy.runtime import error_line, find_runtime, run


def test_error_line_strips_logrus():
    err = b'time="x" level=error msg="runc create failed: \\"quoted\\" thing"\n'
    assert error_line(err) == 'runc create failed: "quoted" thing'
    assert error_line(b"plain failure\n\n") == "plain failure"
    assert error_line(b"") == "the OCI runtime failed"


def test_find_runtime_refuses_user_writable_binaries(tmp_path):
    fake = tmp_path / "runc"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o777)
    assert find_runtime(str(fake)) is None
    if shutil.which("runc"):
        assert find_runtime("runc") == os.path.realpath(shutil.which("runc")) or find_runtime("runc")


def test_run_captures_and_passes_fds(tmp_path):
    code, out, err = run(["/bin/sh", "-c", "echo out; echo err >&2; exit 3"])
    assert (code, out, err) == (3, b"out\n", b"err\n")
    target = tmp_path / "o"
    fd = os.open(target, os.O_WRONLY | os.O_CREAT)
    held = os.open(tmp_path, os.O_RDONLY)  # like a lock or database fd: must not reach the child
    try:
        code, out, _ = run(["/bin/sh", "-c", f"echo to-file; if test -e /proc/self/fd/{held}; then echo leaked; fi"], stdout=fd)
    finally:
        os.close(fd)
        os.close(held)
    assert code == 0 and out == b"" and target.read_text() == "to-file\n"
