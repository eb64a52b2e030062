from __future__ import annotations

import pytest

from nerdpy.shim.record import StateFile, dumps, loads
from nerdpy.shim.restart import Backoff, should_restart


@pytest.mark.parametrize("policy,code,restarts,stopped,expected", [
    ("no", 1, 0, False, False),
    ("always", 0, 5, False, True),
    ("always", 1, 0, True, False),
    ("unless-stopped", 0, 0, False, True),
    ("on-failure", 0, 0, False, False),
    ("on-failure", 2, 100, False, True),
    ("on-failure:2", 2, 1, False, True),
    ("on-failure:2", 2, 2, False, False),
])
def test_should_restart(policy, code, restarts, stopped, expected):
    assert should_restart(policy, code, restarts, stopped) is expected


def test_backoff_doubles_caps_and_resets():
    b = Backoff()
    assert [b.next(0.1) for _ in range(4)] == [0.1, 0.2, 0.4, 0.8]
    for _ in range(20):
        delay = b.next(0.1)
    assert delay == 60.0
    assert b.next(10.0) == 0.1


def test_json_without_json_module():
    value = {"a": [1, 2.5, None, True, False], "s": "q\"\n\u00e9", "n": {"x": -3}}
    assert loads(dumps(value)) == value
    import json

    assert json.loads(dumps(value)) == value


def test_state_file_atomic_updates(tmp_path):
    path = tmp_path / "state.json"
    state = StateFile(str(path))
    state.update(status="running", pid=5)
    state.update(exit_code=0)
    assert StateFile(str(path)).data == {"status": "running", "pid": 5, "exit_code": 0}
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]
