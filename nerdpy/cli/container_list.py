"""Container commands: top, port (their flags: nerdpy/cli/table/containers.py)."""

from __future__ import annotations

from nerdpy.cli import state
from nerdpy.cli.state import CliState

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import List, Optional


def top(cli: CliState, *, container: str, ps_args: List[str]) -> None:
    from nerdpy.api.containers import top as api_top

    header, rows = api_top(state.entered(cli), container, tuple(ps_args))
    from nerdpy.cli.output import align

    for line in align([header] + rows):
        print(line)


def port(cli: CliState, *, container: str, private_port: Optional[str]) -> None:
    from nerdpy.api.containers import ports

    lines = ports(state.entered(cli), container, private_port or "")
    for line in lines:
        print(line)


