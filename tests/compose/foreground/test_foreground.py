"""A foreground `up` streams prefixed logs and stops the stack on Ctrl-C or SIGTERM,
as docker compose does."""

import signal
import time

import pytest

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_stops_the_stack(compose, nerdpy, sig):
    c = compose("foreground")
    proc = nerdpy.popen("compose", "-p", c.project, "up", cwd=c.dir)
    try:
        deadline = time.monotonic() + 60
        while "talking" not in c("logs", "talker").stdout:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the service never started"
            time.sleep(0.2)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "talker-1  | talking" in out and "Gracefully stopping..." in out
    assert c("ps", "-q").stdout == "", "the stack is stopped"
    assert c("ps", "-a", "--format", "{{.State}}").stdout.strip() == "exited"


def test_up_shows_only_this_run(compose):
    c = compose("foreground")
    for _ in range(2):
        result = c("--profile", "once", "up", "once", check=False)
        assert result.returncode == 0, result.stderr
    assert result.stdout.count("said once") == 1, "the earlier run's output is not replayed"
    assert "once-1 exited with code 0" in result.stdout


def test_no_color_drops_the_prefix_colours(compose):
    c = compose("foreground")
    coloured = c("--ansi", "always", "--profile", "once", "up", "once")
    assert "\x1b[" in coloured.stdout and "said once" in coloured.stdout
    plain = c("--ansi", "always", "--profile", "once", "up", "--no-color", "once")
    assert "\x1b[" not in plain.stdout and "once-1  | said once" in plain.stdout
