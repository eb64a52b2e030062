"""`events`: Docker's event stream, read from nerdpy's journal (no daemon)."""

import sys
import time
from typing import List, Optional

import typer

from nerdpy.cli import state

app = typer.Typer()


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


@app.command("events", help="Get real time events from the server")
def events(
    ctx: typer.Context,
    since: Optional[str] = typer.Option(None, "--since", help="Show all events created since timestamp"),
    until: Optional[str] = typer.Option(None, "--until", help="Stream events until this timestamp"),
    filter: List[str] = typer.Option([], "--filter", "-f", help="Filter output based on conditions provided"),
    format: Optional[str] = typer.Option(None, "--format", help="Format output using a Go template, or 'json'"),
) -> None:
    import json

    from nerdpy.api.events import parse_filters, parse_since, read
    from nerdpy.cli.output import render_template

    settings = state.entered(ctx.find_root().obj)
    filters = parse_filters(filter)
    since_ns = parse_since(since) if since else None  # "--since 0" is the epoch: everything
    until_ns = parse_since(until) if until else 0
    try:
        for event in read(settings, since_ns, until_ns, filters):
            if format in ("json", "{{json .}}"):
                line = json.dumps(event, separators=(",", ":"))
            elif format:
                line = render_template(format, event)
            else:
                line = default_line(event)
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
    except (KeyboardInterrupt, BrokenPipeError):
        return
