"""Docker's json-file log format: one JSON object per line,
`{"log": "<text incl. newline>", "stream": "stdout"|"stderr", "time": "<RFC3339Nano>"}`.

`writer` is imported by the shim, so it stays tiny (os, time, _json);
`reader` serves `nerdpy logs` (follow, tail, timestamps, since/until).
"""

from __future__ import annotations

import time


def format_time(ns: int) -> str:
    """RFC3339Nano in UTC with trailing zeros trimmed, as Go formats it."""
    seconds, frac = divmod(ns, 1_000_000_000)
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    if frac:
        base += "." + f"{frac:09d}".rstrip("0")
    return base + "Z"


def format_time_fixed(ns: int) -> str:
    """Docker's RFC3339NanoFixed (always nine fraction digits), as `logs -t` prints
    timestamps so that they line up; the file keeps Go's trimmed RFC3339Nano."""
    seconds, frac = divmod(ns, 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{frac:09d}Z"


def parse_time(text: str) -> int:
    """Nanoseconds since the epoch from an RFC3339(Nano) UTC/offset timestamp."""
    import calendar

    text = text.strip()
    if text.endswith("Z"):
        text, offset = text[:-1], 0
    elif len(text) > 6 and text[-6] in "+-" and text[-3] == ":":
        sign = 1 if text[-6] == "+" else -1
        offset = sign * (int(text[-5:-3]) * 3600 + int(text[-2:]) * 60)
        text = text[:-6]
    else:
        offset = 0
    main, _, frac = text.partition(".")
    parsed = time.strptime(main, "%Y-%m-%dT%H:%M:%S")
    seconds = calendar.timegm(parsed) - offset
    nanos = int((frac + "000000000")[:9]) if frac else 0
    return seconds * 1_000_000_000 + nanos
