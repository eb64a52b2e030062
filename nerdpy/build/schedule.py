"""Run the stages a target needs: each as soon as the stages it uses are built, so
independent stages build side by side (BuildKit's solver does the same)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")


def run_stages(order: list[int], deps: dict[int, set[int]], build: Callable[[int], T],
               workers: int = 2) -> dict[int, T]:
    """Build every index in `order` after its `deps`; the first failure is raised once
    the stages already running have finished (their own cleanup runs), none start after it."""
    done: dict[int, T] = {}
    if workers <= 1 or len(order) <= 1:
        for index in order:
            done[index] = build(index)
        return done
    pending = list(order)
    running: dict[Future[T], int] = {}
    failure: BaseException | None = None
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="stage") as pool:
        while pending or running:
            if failure is None:
                for index in [i for i in pending if deps.get(i, set()) <= done.keys()]:
                    pending.remove(index)
                    running[pool.submit(build, index)] = index
            if not running:
                break
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                index = running.pop(future)
                try:
                    done[index] = future.result()
                except BaseException as e:  # noqa: BLE001 - re-raised below, after the others stop
                    failure = failure or e
            if failure is not None:
                pending.clear()
    if failure is not None:
        raise failure
    return done
