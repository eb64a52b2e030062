"""What the root callback hands to every command: the settings."""

from __future__ import annotations

from nerdpy.config import Settings
from nerdpy.records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


@record(frozen=False)
class CliState:
    settings: Settings


def settings(ctx: Any) -> Settings:
    root = ctx.find_root()
    return root.obj.settings


def entered(ctx: Any) -> Settings:
    """The settings, after joining the rootless namespace (commands that touch stores)."""
    from nerdpy.api.session import enter_namespace

    s = settings(ctx)
    enter_namespace(s)
    return s
