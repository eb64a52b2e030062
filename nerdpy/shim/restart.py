"""Restart policy decisions and Docker's backoff (100 ms doubling to 1 min,
reset when the container ran for 10 s or more)."""

from __future__ import annotations

INITIAL = 0.1
MAXIMUM = 60.0
RESET_AFTER = 10.0


def parse_policy(text: str) -> tuple[str, int]:
    name, _, count = (text or "no").partition(":")
    return name, int(count) if count else 0


def should_restart(policy: str, exit_code: int, restarts: int, stopped: bool) -> bool:
    """Docker's rules; a manual stop/kill always wins."""
    if stopped:
        return False
    name, max_retries = parse_policy(policy)
    if name in ("always", "unless-stopped"):
        return True
    if name == "on-failure":
        return exit_code != 0 and (max_retries == 0 or restarts < max_retries)
    return False


class Backoff:
    def __init__(self) -> None:
        self.delay = 0.0

    def next(self, ran_for: float) -> float:
        if ran_for >= RESET_AFTER or self.delay == 0.0:
            self.delay = INITIAL
        else:
            self.delay = min(self.delay * 2, MAXIMUM)
        return self.delay
