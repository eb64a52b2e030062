"""Daily commands on a small stack: a `run --rm -d` one-off taken down with the
project, `scale`, `ps` ordered by name."""

import pytest

pytestmark = pytest.mark.integration


def test_down_takes_a_self_removing_one_off_quietly(compose):
    c = compose("daily")
    c("up", "-d", "app")
    name = c("run", "--rm", "-d", "--no-deps", "app", "sleep", "600").stdout.strip()
    assert name.startswith("daily-app-run-")
    # The --rm one-off removes itself once stopped: down counts that as removed (exit 0),
    # where it said "No such container" and exited 1.
    result = c("down", "-t", "0", check=False)
    assert result.returncode == 0, result.stderr
    assert f"Container {name}  Removed" in result.stderr and "No such container" not in result.stderr
    assert c("ps", "-aq").stdout == ""
