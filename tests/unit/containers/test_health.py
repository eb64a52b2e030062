"""Healthcheck config parsing/merging and Docker's health state machine."""

from __future__ import annotations

import pytest

from nerdpy.containers import health
from nerdpy.errors import InvalidArgument
from nerdpy.shim.health import apply_result, go_duration


def _result(code: int) -> dict:
    return {"Start": "s", "End": "e", "ExitCode": code, "Output": ""}


@pytest.mark.parametrize("text,nanos", [("30s", 30_000_000_000), ("1m30s", 90_000_000_000), ("500ms", 500_000_000),
                                         ("1.5h", 5_400_000_000_000), ("0", 0), ("-2s", -2_000_000_000)])
def test_go_durations(text, nanos):
    assert health.parse_go_duration(text, "--health-interval") == nanos


@pytest.mark.parametrize("text", ["1x", "s", "10", "1s2"])
def test_bad_durations(text):
    with pytest.raises(InvalidArgument, match="invalid duration"):
        health.parse_go_duration(text, "--health-interval")


def test_go_duration_strings():
    assert [go_duration(s) for s in (30, 1.5, 0.7, 60, 90, 3600)] == ["30s", "1.5s", "700ms", "1m0s", "1m30s",
                                                                      "1h0m0s"]


def test_flags_and_merge():
    own = health.from_flags("curl x", "1s", None, None, None, 0, False)
    assert own == {"Test": ["CMD-SHELL", "curl x"], "Interval": 1_000_000_000}
    image = {"Test": ["CMD", "true"], "Interval": 5, "Timeout": 7, "Retries": 4}
    assert health.merge(own, image) == {"Test": ["CMD-SHELL", "curl x"], "Interval": 1_000_000_000, "Timeout": 7,
                                        "Retries": 4}
    assert health.merge(health.from_flags(None, None, "2s", None, None, 0, False), image)["Test"] == ["CMD", "true"]
    assert health.merge(None, image) == image
    assert health.from_flags(None, None, None, None, None, 0, True) == {"Test": ["NONE"]}
    assert health.from_flags(None, None, None, None, None, 0, False) is None
    with pytest.raises(InvalidArgument, match="conflicts"):
        health.from_flags("x", None, None, None, None, 0, True)
    with pytest.raises(InvalidArgument, match="cannot be negative"):
        health.from_flags(None, "-1s", None, None, None, 0, False)
    with pytest.raises(InvalidArgument, match="less than 1ms"):
        health.from_flags(None, "10us", None, None, None, 0, False)


def test_probe_args():
    assert health.probe_args({"Test": ["CMD-SHELL", "a b"]}) == ["/bin/sh", "-c", "a b"]
    assert health.probe_args({"Test": ["CMD", "a", "b"]}) == ["a", "b"]
    assert health.probe_args({"Test": ["NONE"]}) is None and health.probe_args(None) is None
    with pytest.raises(InvalidArgument):
        health.probe_args({"Test": ["WHAT"]})


def test_state_machine_streak_retries_start_period():
    h: dict = {"Status": "starting", "FailingStreak": 0, "Log": []}
    h = apply_result(h, _result(1), 2, in_start_period=True)
    assert (h["Status"], h["FailingStreak"]) == ("starting", 0)  # not counted in the start period
    h = apply_result(h, _result(1), 2, in_start_period=False)
    assert (h["Status"], h["FailingStreak"]) == ("starting", 1)
    h = apply_result(h, _result(1), 2, in_start_period=False)
    assert (h["Status"], h["FailingStreak"]) == ("unhealthy", 2)
    h = apply_result(h, _result(0), 2, in_start_period=False)
    assert (h["Status"], h["FailingStreak"]) == ("healthy", 0)
    h = apply_result(h, _result(1), 2, in_start_period=True)  # healthy once: counted even in the period
    assert (h["Status"], h["FailingStreak"]) == ("healthy", 1)
    for _ in range(5):
        h = apply_result(h, _result(-1), 2, in_start_period=False)
    assert h["Status"] == "unhealthy" and len(h["Log"]) == 5 and h["FailingStreak"] == 6
