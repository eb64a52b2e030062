"""One user, several kinds of session: a login shell (XDG_RUNTIME_DIR=/run/user/UID),
`su`/`sudo -u`/cron/CI (no XDG_RUNTIME_DIR). They all reach the same containers."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.conftest import REPO, requires

pytestmark = pytest.mark.integration


def _test_user() -> pwd.struct_passwd:
    for name in (os.environ.get("NERDPY_TEST_USER"), os.environ.get("SUDO_USER"), "nerdpytest", "tester"):
        if name and name != "root":
            try:
                return pwd.getpwnam(name)
            except KeyError:
                continue
    pytest.skip("no unprivileged test user (set NERDPY_TEST_USER)")


@requires("root", "runc", "newuidmap", "busybox")
def test_commands_with_and_without_xdg_runtime_dir_reach_the_same_container(busybox_tar):
    user = _test_user()
    run_user = Path(f"/run/user/{user.pw_uid}")
    made_run_user = not run_user.exists()
    home = Path(tempfile.mkdtemp(prefix="nerdpy-session-"))
    try:
        if made_run_user:  # what logind makes for a login session
            run_user.mkdir(parents=True, mode=0o700)
            os.chown(run_user, user.pw_uid, user.pw_gid)
        os.chown(home, user.pw_uid, user.pw_gid)
        shutil.copy(busybox_tar, home / "busybox.tar")
        os.chmod(home / "busybox.tar", 0o644)

        def as_user(*args: str, login: bool) -> subprocess.CompletedProcess:
            env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": str(home), "PYTHONPATH": str(REPO),
                   "XDG_DATA_HOME": str(home / "data"), "XDG_CONFIG_HOME": str(home / "config")}
            if login:
                env["XDG_RUNTIME_DIR"] = str(run_user)
            return subprocess.run(["runuser", "-u", user.pw_name, "--", sys.executable, "-m", "nerdpy", *args],
                                  capture_output=True, text=True, env=env, cwd="/", timeout=120)

        assert as_user("load", "-i", str(home / "busybox.tar"), login=True).returncode == 0
        started = as_user("run", "-d", "--name", "session", "--network", "none", "busybox:latest", "sleep", "60",
                          login=True)
        assert started.returncode == 0, started.stderr
        for login in (False, True):
            ps = as_user("ps", "--format", "{{.Names}} {{.Status}}", login=login)
            assert ps.stdout.startswith("session Up"), ps
            done = as_user("exec", "session", "echo", "reached", login=login)
            assert done.returncode == 0 and done.stdout == "reached\n", done
            ns = as_user("unshare", "readlink", "/proc/self/ns/user", login=login)
            assert ns.returncode == 0
            if login:
                assert ns.stdout == first_ns  # noqa: F821 - set by the first pass; one user namespace for both
            first_ns = ns.stdout  # noqa: F841 - read by the next pass
        assert as_user("rm", "-f", "session", login=False).returncode == 0
    finally:
        subprocess.run(["runuser", "-u", user.pw_name, "--", sys.executable, "-m", "nerdpy", "unshare", "rm", "-rf",
                        str(home / "data")], env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": str(home),
                                                  "PYTHONPATH": str(REPO), "XDG_DATA_HOME": str(home / "data")},
                       cwd="/", capture_output=True)
        for pid_file in run_user.glob("nerdpy/holder.pid"):
            subprocess.run(["kill", pid_file.read_text().split()[0]], capture_output=True)
        shutil.rmtree(home, ignore_errors=True)
        if made_run_user:
            shutil.rmtree(run_user, ignore_errors=True)
