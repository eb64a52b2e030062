"""`healthcheck run` (podman's command): one probe now, for scripts."""

from __future__ import annotations

from nerdpy.cli import state
from nerdpy.cli.state import CliState


def run(cli: CliState, *, container: str) -> int:
    from nerdpy.api.containers import healthcheck_run

    result = healthcheck_run(state.entered(cli), container)
    if result["ExitCode"] != 0:
        print("unhealthy")
        return 1
    return 0
