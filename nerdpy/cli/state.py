"""What every command body gets first: the CLI state (the settings)."""

from __future__ import annotations

from nerdpy.config import Settings
from nerdpy.records import record


@record(frozen=False)
class CliState:
    settings: Settings


def entered(cli: CliState) -> Settings:
    """The settings, after joining the rootless namespace (commands that touch stores)."""
    from nerdpy.api.session import enter_namespace

    enter_namespace(cli.settings)
    return cli.settings
