"""Stage scheduling: dependencies first, independent stages together, first failure raised."""

import threading
import time

import pytest

from nerdpy.build.schedule import run_stages


def test_order_and_overlap():
    active, seen, lock = set(), [], threading.Lock()
    overlapped = []

    def build(i):
        with lock:
            active.add(i)
            seen.append(i)
            if len(active) > 1:
                overlapped.append(set(active))
        time.sleep(0.05)
        with lock:
            active.discard(i)
        return i * 10

    done = run_stages([0, 1, 2], {2: {0, 1}}, build)
    assert done == {0: 0, 1: 10, 2: 20}
    assert seen[-1] == 2 and overlapped and all(2 not in s for s in overlapped)


def test_failure_stops_new_stages():
    started = []

    def build(i):
        started.append(i)
        if i == 0:
            raise ValueError("stage 0 failed")
        return i

    with pytest.raises(ValueError, match="stage 0 failed"):
        run_stages([0, 1, 2], {1: {0}, 2: {1}}, build)
    assert started == [0]


def test_serial_when_one_worker():
    assert run_stages([0, 1], {1: {0}}, lambda i: i, workers=1) == {0: 0, 1: 1}
