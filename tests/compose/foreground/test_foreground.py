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
