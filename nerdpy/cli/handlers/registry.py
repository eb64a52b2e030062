"""Bodies of `nerdpy pull` (typer-free: pull takes the fast path) and the progress view
shared with `push`."""

from __future__ import annotations

import sys
import threading
import time
from typing import Any, Optional, TextIO

from nerdpy.cli.state import CliState
from nerdpy.formatting.human import human_size as _human_size

_BAR = 50
_QUIET_STATUSES = ("Downloading", "Pushing", "Waiting", "Preparing")


def human_size(size: float) -> str:
    """Docker's units.HumanSize: 4 significant digits."""
    return _human_size(size, 4)


def progress_line(event: Any) -> str:
    text = f"{event.id}: {event.status}"
    if event.status in ("Downloading", "Pushing") and event.total:
        filled = min(_BAR, int(_BAR * event.current / event.total))
        arrow = ">" if filled < _BAR else ""
        bar = "=" * max(0, filled - (1 if arrow else 0)) + arrow
        text += f" [{bar:<{_BAR}}]  {human_size(event.current)}/{human_size(event.total)}"
    return text


class ProgressView:
    """Per-layer lines: redrawn in place on a terminal, one line per state change in a pipe."""

    def __init__(self, out: TextIO, tty: bool) -> None:
        self.out = out
        self.tty = tty
        self.lock = threading.Lock()
        self.order: list[str] = []
        self.last: dict[str, str] = {}
        self.drawn: dict[str, float] = {}

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
        if event.id not in self.order:
            self.order.append(event.id)
            self.out.write(progress_line(event) + "\n")
        else:
            if event.status == previous and now - self.drawn.get(event.id, 0) < 0.1:
                return  # throttle bar redraws
            up = len(self.order) - self.order.index(event.id)
            self.out.write(f"\x1b[{up}A\r\x1b[2K{progress_line(event)}\x1b[{up}B\r")
        self.drawn[event.id] = now
        self.out.flush()


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
        out.write(f"{ref.tag or ref.digest}: Pulling from {ref.path}\n")
        out.flush()
        view = ProgressView(out, out.isatty())
    result = api.pull(settings, name, platform, view)
    if not quiet:
        out.write(f"Digest: {result.digest}\n")
        status = "Image is up to date for" if result.up_to_date else "Downloaded newer image for"
        out.write(f"Status: {status} {result.familiar}\n")
    out.write(f"{result.reference}\n")
