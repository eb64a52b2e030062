"""What `exec` sees: the running container's own tree, mounts included.

- A command found through PATH in a bind mount or a volume runs (the lookup is
  made in /proc/PID/root, confined with RESOLVE_IN_ROOT, not in the image rootfs).
- A command that exists nowhere is still Docker's 127.
"""

from __future__ import annotations

import secrets

import pytest

pytestmark = pytest.mark.integration
PATH = "PATH=/opt/bind:/opt/vol:/usr/sbin:/usr/bin:/sbin:/bin"


def test_exec_finds_commands_in_binds_and_volumes(nerdpy, busybox_image, tmp_path) -> None:
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "bindtool").write_text("#!/bin/sh\necho from the bind\n")
    (tools / "bindtool").chmod(0o755)
    tmp_path.chmod(0o755)
    tools.chmod(0o755)
    name, volume = f"exe{secrets.token_hex(3)}", f"exe{secrets.token_hex(3)}"
    nerdpy("run", "-d", "--name", name, "-e", PATH, "-v", f"{tools}:/opt/bind:ro", "-v", f"{volume}:/opt/vol",
           busybox_image, "sleep", "1000")
    try:
        assert nerdpy("exec", name, "bindtool").stdout == "from the bind\n"
        nerdpy("exec", name, "sh", "-c", "printf '#!/bin/sh\\necho from the volume\\n' > /opt/vol/voltool; "
                                         "chmod 755 /opt/vol/voltool")
        assert nerdpy("exec", name, "voltool").stdout == "from the volume\n"
        missing = nerdpy("exec", name, "nosuchtool", check=False)
        assert missing.returncode == 127 and "executable file not found" in missing.stderr
    finally:
        nerdpy("rm", "-f", name)
        nerdpy("volume", "rm", volume, check=False)
