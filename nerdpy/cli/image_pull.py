"""Bodies of `nerdpy pull` (typer-free: pull takes the fast path) and the progress view
shared with `push`."""

from __future__ import annotations

import os
import sys
import threading
import time

from nerdpy.cli.state import CliState
from nerdpy.formatting.human import human_size as _human_size

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Optional, TextIO

_BAR = 50
# Docker's jsonmessage: the bar only on a terminal wider than 110 columns (narrower ones
# get the byte counts alone); 200 columns when the width cannot be read.
_BAR_MIN_WIDTH = 111
_DEFAULT_WIDTH = 200
_QUIET_STATUSES = ("Downloading", "Extracting", "Pushing", "Waiting", "Preparing")


def human_size(size: float) -> str:
    """Docker's units.HumanSize: 4 significant digits."""
    return _human_size(size, 4)


def progress_line(event: Any, width: int = _DEFAULT_WIDTH) -> str:
    """`ID: Status [====>   ]  1.2MB/3.4MB`, as Docker's JSONProgress renders it."""
    text = f"{event.id}: {event.status}"
    if event.status in ("Downloading", "Extracting", "Pushing") and event.total:
        box = ""
        if width >= _BAR_MIN_WIDTH:
            filled = min(_BAR, int(_BAR * event.current / event.total))
            arrow = ">" if filled < _BAR else ""
            bar = "=" * max(0, filled - (1 if arrow else 0)) + arrow
            box = f"[{bar:<{_BAR}}] "
        text += f" {box}{human_size(event.current):>8}/{human_size(event.total)}"
    return text


def screen_rows(line: str, width: int) -> int:
    """Rows a line takes on a terminal `width` columns wide (longer lines wrap)."""
    return max(1, -(-len(line) // max(1, width)))


class ProgressView:
    """Per-layer lines: redrawn in place on a terminal, one line per state change in a pipe.

    On a terminal every redraw moves up over the screen rows drawn last time (a line
    wider than the terminal wraps onto more than one) and rewrites the block, so a
    narrow or resized terminal never leaves stale or doubled lines."""

    def __init__(self, out: TextIO, tty: bool, width: Optional[Callable[[], int]] = None) -> None:
        self.out = out
        self.tty = tty
        self.width = width or self._terminal_width
        self.lock = threading.Lock()
        self.order: list[str] = []
        self.last: dict[str, str] = {}
        self.lines: dict[str, str] = {}
        self.rows = 0  # screen rows of the block drawn last
        self.drawn = 0.0

    def _terminal_width(self) -> int:
        try:
            return os.get_terminal_size(self.out.fileno()).columns or _DEFAULT_WIDTH
        except (OSError, ValueError, AttributeError):
            return _DEFAULT_WIDTH

    def __call__(self, event: Any) -> None:
        if not event.id:
            return
        with self.lock:
            previous = self.last.get(event.id)
            self.last[event.id] = event.status
            if self.tty:
                self._draw(event, previous)
            elif event.status != previous and event.status not in _QUIET_STATUSES:
                self.out.write(f"{event.id}: {event.status}\n")
                self.out.flush()

    def _draw(self, event: Any, previous: Optional[str]) -> None:
        now = time.monotonic()
        new = event.id not in self.order
        if new:
            self.order.append(event.id)
        elif event.status == previous and now - self.drawn < 0.1:
            self.lines[event.id] = progress_line(event, self.width())
            return  # throttle bar redraws
        width = self.width()
        self.lines[event.id] = progress_line(event, width)
        up = f"\x1b[{self.rows}A" if self.rows else ""
        self.out.write(f"{up}\r\x1b[J" + "".join(self.lines[i] + "\n" for i in self.order))
        self.rows = sum(screen_rows(self.lines[i], width) for i in self.order)
        self.drawn = now
        self.out.flush()


class after_line:  # noqa: N801 - used like a function
    """A progress callback that writes `line` before its first event (or at `first()`)."""

    def __init__(self, line: str, out: TextIO, view: Callable[[Any], None]) -> None:
        self.line, self.out, self.view = line, out, view
        self.lock = threading.Lock()

    def first(self) -> None:
        with self.lock:
            if self.line:
                self.out.write(self.line + "\n")
                self.out.flush()
                self.line = ""

    def __call__(self, event: Any) -> None:
        self.first()
        self.view(event)


def pull(cli: CliState, *, name: str, platform: Optional[str], quiet: bool,
         all_tags: bool, disable_content_trust: bool) -> None:
    del disable_content_trust  # nerdpy has no content trust: verification is always off, as the flag asks
    from nerdpy import reference
    from nerdpy.api import registry as api
    from nerdpy.api.session import enter_namespace

    if all_tags:
        from nerdpy.errors import NotImplementedYet

        raise NotImplementedYet("pull --all-tags is not implemented")
    settings = cli.settings
    enter_namespace(settings)  # before any thread starts
    ref = reference.parse(name)
    out = sys.stdout
    view = None
    if not quiet:
        if ref.tag == "latest" and ":latest" not in name and "@" not in name:
            out.write("Using default tag: latest\n")
            out.flush()
        # As Docker: "TAG: Pulling from REPO" once the registry answered, so a failed
        # resolve prints only its error.
        view = after_line(f"{ref.tag or ref.digest}: Pulling from {ref.path}", out,
                          ProgressView(out, out.isatty()))
    result = api.pull(settings, name, platform, view)
    if view is not None:
        view.first()
        out.write(f"Digest: {result.digest}\n")
        status = "Image is up to date for" if result.up_to_date else "Downloaded newer image for"
        out.write(f"Status: {status} {result.familiar}\n")
    out.write(f"{result.reference}\n")
