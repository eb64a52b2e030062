"""`compose events`: the project's container events, read from nerdpy's
journal through nerdpy.api (docker compose pkg/compose/events.go): only
containers labelled with the project, one-off (`run`) containers skipped,
compose's own labels dropped from the attributes."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

from nerdpy_compose import labels as L

from nerdpy.api.events import local_time, read

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from nerdpy.api.types import Settings


def stream(settings: Settings, project: str, services: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    """New events from now on, forever (the caller stops reading): compose's Event fields."""
    filters = {"type": ["container"], "label": [f"{L.PROJECT}={project}"]}
    for event in read(settings, None, 0, filters):
        actor = event.get("Actor") or {}
        attrs = actor.get("Attributes") or {}
        if attrs.get(L.ONEOFF) == "True":
            continue
        service = attrs.get(L.SERVICE, "")
        if services and service not in services:
            continue
        yield {"time_ns": int(event.get("timeNano") or int(event.get("time", 0)) * 10**9), "service": service,
               "id": actor.get("ID", ""), "action": event.get("Action", ""),
               "attributes": {k: str(v) for k, v in attrs.items() if not k.startswith("com.docker.compose.")}}


def text_line(event: dict[str, Any]) -> str:
    """Event.String(): Go's "2006-01-02 15:04:05.000000" in local time (attributes sorted:
    Go prints its map in random order)."""
    local, nanos, _ = local_time(event["time_ns"])
    attrs = event["attributes"]
    joined = ", ".join(f"{k}={attrs[k]}" for k in sorted(attrs))
    return f"{time.strftime('%Y-%m-%d %H:%M:%S', local)}.{nanos // 1000:06d} container {event['action']} {event['id']} ({joined})"


def json_line(event: dict[str, Any]) -> str:
    """--json: Go's json.Marshal of a map (keys sorted), the time as RFC3339Nano (trailing zeros trimmed)."""
    local, nanos, zone = local_time(event["time_ns"])
    fraction = f".{nanos:09d}".rstrip("0").rstrip(".")
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", local) + fraction + zone
    body = {"action": event["action"], "attributes": event["attributes"], "id": event["id"],
            "service": event["service"], "time": stamp, "type": "container"}
    return json.dumps(body, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
