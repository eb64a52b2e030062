"""Docker's human-readable sizes and durations (go-units), for list and history output."""

from __future__ import annotations

import time

_DECIMAL = ("B", "kB", "MB", "GB", "TB", "PB", "EB")


def _scaled(size: float, base: float, units: tuple[str, ...]) -> tuple[float, str]:
    i = 0
    size = float(size)
    while size >= base and i < len(units) - 1:
        size /= base
        i += 1
    return size, units[i]


def human_size(size: float, precision: int = 3) -> str:
    """units.HumanSizeWithPrecision: decimal units, `precision` significant digits ("5.12MB")."""
    value, unit = _scaled(size, 1000.0, _DECIMAL)
    return f"{value:.{precision}g}{unit}"


_BINARY = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")


def bytes_size(size: float) -> str:
    """units.BytesSize: binary units, four significant digits ("1.2MiB", "7.63GiB")."""
    value, unit = _scaled(size, 1024.0, _BINARY)
    return f"{value:.4g}{unit}"


def human_duration(seconds: float) -> str:
    """units.HumanDuration: "Less than a second", "About a minute", "3 weeks", ..."""
    if seconds < 1:
        return "Less than a second"
    if int(seconds) == 1:
        return "1 second"
    if seconds < 60:
        return f"{int(seconds)} seconds"
    minutes = int(seconds / 60)
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = int(seconds / 3600 + 0.5)
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{int(seconds / 3600 / 24 / 365)} years"


def since(timestamp: float, now: float | None = None) -> str:
    """"2 weeks ago", as Docker's CreatedSince; "N/A" for an unknown time."""
    if not timestamp:
        return "N/A"
    return human_duration(max(0.0, (now or time.time()) - timestamp)) + " ago"


def go_time_string(rfc3339: str) -> str:
    """Go's time.Time.String() of an RFC 3339 time (`network ls`'s CreatedAt):
    "2026-12-06 02:58:38.352949 +0000 UTC", the fraction without trailing zeros."""
    if not rfc3339 or "T" not in rfc3339:
        return rfc3339
    day, clock = rfc3339.split("T", 1)
    if clock.endswith(("Z", "z")):
        clock, zone = clock[:-1], "+0000 UTC"
    else:
        offset = clock[-6:].replace(":", "")
        clock, zone = clock[:-6], f"{offset} {offset}"  # a fixed zone has no name: Go prints the offset twice
    whole, _, fraction = clock.partition(".")
    fraction = fraction.rstrip("0")
    return f"{day} {whole}{'.' + fraction if fraction else ''} {zone}"
