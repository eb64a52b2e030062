"""`stats`: print the samples nerdpy.api.stats takes (its flags: nerdpy/cli/table/containers.py)."""

from __future__ import annotations

import sys

from nerdpy.cli.state import CliState, entered

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import List, Optional

_REDRAW = "\033[2J\033[H"  # clear the screen, cursor home: Docker's in-place refresh


def _lines(rows: list[dict[str, str]], format: Optional[str]) -> list[str]:
    from nerdpy.api.stats import COLUMNS, HEADERS
    from nerdpy.cli.output import print_rows

    if not format or format.strip() == "table":
        return print_rows(rows, COLUMNS)
    return print_rows(rows, list(HEADERS.items()), format)


def stats(cli: CliState, *, containers: List[str], all: bool, no_stream: bool, no_trunc: bool,
          format: Optional[str]) -> int:
    from nerdpy.api.stats import sample, unavailable_note

    settings = entered(cli)
    redraw = not no_stream and sys.stdout.isatty()  # in a pipe every sample follows the last
    noted = False
    try:
        for taken in sample(settings, list(containers), all, no_trunc, stream=not no_stream):
            if taken.unavailable and not noted:
                print(f"WARNING: {unavailable_note(taken.unavailable)}", file=sys.stderr)
                noted = True
            lines = _lines(taken.rows, format)
            sys.stdout.write((_REDRAW if redraw else "") + "".join(line + "\n" for line in lines))
            sys.stdout.flush()
    except (KeyboardInterrupt, BrokenPipeError):
        return 0
    return 0
