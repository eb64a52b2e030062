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


def test_system_tools_are_found_without_sbin_on_path(monkeypatch, tmp_path):
    """A login PATH on Debian has no sbin (where nft and runc are): nerdpy still finds them."""
    from nerdpy.linux.which import executable, find_executable

    monkeypatch.setenv("PATH", "/usr/local/bin:/usr/bin:/bin")
    sbin_tool = next((f"/usr/sbin/{n}" for n in ("nft", "runc", "useradd") if os.access(f"/usr/sbin/{n}", os.X_OK)), None)
    if sbin_tool is not None:
        assert shutil.which(os.path.basename(sbin_tool)) is None
        assert find_executable(os.path.basename(sbin_tool)) == sbin_tool
    extra = tmp_path / "libexec"
    extra.mkdir()
    (extra / "helper-x").write_text("#!/bin/sh\n")
    (extra / "helper-x").chmod(0o755)
    assert find_executable("helper-x") is None
    assert find_executable("helper-x", (str(extra),)) == str(extra / "helper-x")
    assert executable("no-such-tool-anywhere") == "no-such-tool-anywhere"
