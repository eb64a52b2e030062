"""nerdpy.linux.which agrees with shutil.which."""

import os
import shutil

from nerdpy.linux.which import which


def test_agrees_with_shutil(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    tool = tmp_path / "b" / "tool"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    (tmp_path / "a" / "tool").write_text("not executable")
    (tmp_path / "a" / "dir-tool").mkdir()
    path = os.pathsep.join([str(tmp_path / "a"), str(tmp_path / "b")])
    for name in ("tool", "dir-tool", "missing", str(tool)):
        assert which(name, path) == shutil.which(name, path=path)
    assert which("sh") == shutil.which("sh")
