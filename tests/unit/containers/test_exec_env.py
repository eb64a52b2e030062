"""The environment of an exec'd process (Docker's CreateDaemonEnvironment for exec)."""

from nerdpy.containers.execute import exec_env

BASE = ["PATH=/usr/bin:/bin", "HOSTNAME=abc", "APP=1"]


def test_tty_adds_term_xterm():
    # `docker exec -it c env` shows TERM=xterm; nerdpy's exec -t had no TERM (clear, top, vi broke).
    assert exec_env(BASE, [], tty=True) == [*BASE, "TERM=xterm"]
    assert exec_env(BASE, [], tty=False) == BASE


def test_container_and_flag_term_win():
    assert exec_env([*BASE, "TERM=vt100"], [], tty=True) == [*BASE, "TERM=vt100"]
    assert exec_env(BASE, ["TERM=dumb", "APP=2"], tty=True) == ["PATH=/usr/bin:/bin", "HOSTNAME=abc", "APP=2",
                                                               "TERM=dumb"]
