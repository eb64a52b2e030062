"""The benchmark harness itself (bench/common.py): timing, alternation, failures, runuser."""

from __future__ import annotations

import pytest

from bench.common import Cmd, as_user, compare, registries_conf, timed


def test_compare_alternates_and_reports_medians(capsys):
    result = compare("true", Cmd(("true",)), Cmd(("sleep", "0.05")), n=3, warmup=0)
    assert len(result.nerdpy) == len(result.podman) == 3
    assert result.podman_median >= 0.05 and result.ratio < 1
    assert "ratio" in capsys.readouterr().out


def test_a_failing_command_raises_with_its_output():
    with pytest.raises(RuntimeError, match="boom"):
        timed(Cmd(("sh", "-c", "echo boom >&2; exit 3")))


def test_as_user_wraps_in_runuser_without_xdg_runtime_dir():
    cmd = as_user(Cmd(("nerdpy", "ps"), {"A": "1"}), "tester")
    assert cmd.argv == ("runuser", "-u", "tester", "--", "env", "-u", "XDG_RUNTIME_DIR", "A=1", "nerdpy", "ps")
    assert as_user(Cmd(("x",)), None) == Cmd(("x",))


def test_registries_conf_marks_the_registry_insecure(tmp_path):
    import tomllib

    conf = tomllib.loads(registries_conf(tmp_path / "r.conf", "127.0.0.1:5000").read_text())
    assert conf["registry"] == [{"location": "127.0.0.1:5000", "insecure": True}]
