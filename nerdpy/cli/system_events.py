"""`events`: Docker's event stream, read from nerdpy's journal (no daemon)."""

from __future__ import annotations

import sys
import time

from nerdpy.cli import state
from nerdpy.cli.state import CliState


def _stamp(time_ns: int) -> str:
    """Go's RFC3339Nano with fixed 9 digits in local time, as `docker events` prints."""
    from nerdpy.api.events import local_time

    local, nanos, zone = local_time(time_ns)
    return time.strftime("%Y-%m-%dT%H:%M:%S", local) + f".{nanos:09d}" + zone


def default_line(event: dict) -> str:
    actor = event.get("Actor") or {}
    attrs = actor.get("Attributes") or {}
    line = f"{_stamp(int(event.get('timeNano', 0)))} {event.get('Type')} {event.get('Action')} {actor.get('ID', '')}"
    if attrs:
        line += " (" + ", ".join(f"{k}={attrs[k]}" for k in sorted(attrs)) + ")"
    return line


def events(cli: CliState, *, since: str | None, until: str | None, filter: list[str], format: str | None) -> None:
    import json

    from nerdpy.api.events import parse_filters, parse_since, read
    from nerdpy.cli.output import check_usage_template, render_template

    check_usage_template(format)
    filters = parse_filters(filter)
    since_ns = parse_since(since) if since else None  # "--since 0" is the epoch: everything
    until_ns = parse_since(until) if until else 0
    settings = state.entered(cli)
    try:
        for event in read(settings, since_ns, until_ns, filters):
            if format in ("json", "{{json .}}"):
                line = json.dumps(event, separators=(",", ":"), ensure_ascii=False)
            elif format:
                line = render_template(format, event)
            else:
                line = default_line(event)
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
    except (KeyboardInterrupt, BrokenPipeError):
        return
