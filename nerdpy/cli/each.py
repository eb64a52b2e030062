"""Docker's multi-object commands (`rm a b c`, `inspect a b`): act on each name,
report each failure as one line and go on; the caller decides the exit code.
Command bodies on the fast path use it: it imports nothing heavy."""

from __future__ import annotations

import json
import sys

from nerdpy.errors import NerdpyError, NotFound

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Iterable


def error_line(exc: NerdpyError) -> str:
    return "Error: " + exc.message + (f"; hint: {exc.hint}" if exc.hint else "")


def for_each(names: Iterable[str], action: Callable[[str], Any], missing_ok: bool = False,
             catch: type[NerdpyError] = NerdpyError) -> NerdpyError | None:
    """Run `action(name)` for each name; the last failure, or None when all worked.
    `missing_ok` (`rm -f`): a NotFound is no failure. Errors other than `catch` propagate."""
    failed = None
    for name in names:
        try:
            action(name)
        except NerdpyError as exc:
            if missing_ok and isinstance(exc, NotFound):
                continue
            if not isinstance(exc, catch):
                raise
            sys.stdout.flush()  # the lines printed for earlier names come first
            print(error_line(exc), file=sys.stderr)
            failed = exc
    return failed


def inspect_lines(items: list[Any], format: str | None) -> list[str]:
    """`inspect` output: each item through the --format template, else one JSON array."""
    if format and format != "json":
        from nerdpy.cli.output import render_template

        return [render_template(format, item) for item in items]
    return [json.dumps(items, indent=4, ensure_ascii=False)]  # as the daemon writes it: UTF-8, not \u00e9
