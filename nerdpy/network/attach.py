"""Setting up and tearing down a container's networking (in progress)."""

from __future__ import annotations

from nerdpy.errors import NotImplementedYet


def setup(settings, container_id, request):  # type: ignore[no-untyped-def]
    raise NotImplementedYet("container networking is not implemented yet")


def teardown(settings, container_id) -> None:  # type: ignore[no-untyped-def]
    return None
