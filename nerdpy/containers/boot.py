"""`start --all [--filter restart-policy=P]`: which containers to start.

This is the restart-on-boot command (helpers/systemd/nerdpy-restart.service),
as podman's `start --all --filter restart-policy=...`. An unless-stopped
container a user stopped (the persistent `stopped-by-hand` marker, see
lifecycle.mark_stopped) is not selected, as Docker's daemon skips it at start.
"""

from __future__ import annotations

import os

from nerdpy.containers import Container
from nerdpy.containers.lifecycle import STOPPED_BY_HAND
from nerdpy.containers.store import ContainerStore
from nerdpy.errors import InvalidArgument

POLICIES = ("no", "always", "on-failure", "unless-stopped")


def parse_filters(filters: list[str]) -> set[str]:
    """The restart policies asked for (empty: any)."""
    wanted: set[str] = set()
    for text in filters:
        key, sep, value = text.partition("=")
        if not sep or key != "restart-policy":
            raise InvalidArgument(f"invalid filter {text!r}", hint="start --all supports restart-policy=POLICY")
        if value not in POLICIES:
            raise InvalidArgument(f"invalid restart policy {value!r} in filter", hint="use " + ", ".join(POLICIES))
        wanted.add(value)
    return wanted


def select(store: ContainerStore, wanted: set[str]) -> list[Container]:
    """Stopped containers whose policy is wanted, oldest first (start order)."""
    chosen = []
    for container in reversed(store.list()):
        policy = (container.host_config.get("RestartPolicy") or {}).get("Name") or "no"
        if wanted and policy not in wanted:
            continue
        if policy == "unless-stopped" and os.path.exists(store.dir(container.id) / STOPPED_BY_HAND):
            continue
        if store.state(container.id).running:
            continue
        chosen.append(container)
    return chosen
