"""The logs API: a container's json-file log entries, as `logs` selects them."""

from __future__ import annotations

from nerdpy.config import Settings
from nerdpy.errors import InvalidArgument

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

    from nerdpy.logs.reader import LogEntry


def entries(settings: Settings, ref: str, tail: str = "all", since: str = "", until: str = "",
            follow: bool = False) -> Iterator[LogEntry]:
    """The entries of `ref`'s log: the last `tail` ("all" or a number) between `since`
    and `until` (timestamps or relative, e.g. 42m); with `follow`, then the new ones
    until the container stops."""
    from nerdpy.api.containers import is_running, log_path
    from nerdpy.logs.reader import end_offset, follow as follow_log, parse_since, read_entries

    record, path = log_path(settings, ref)
    if tail != "all" and not tail.lstrip("-").isdigit():
        raise InvalidArgument(f"invalid --tail {tail!r}", hint="use a number or all")
    count = -1 if tail == "all" or int(tail) < 0 else int(tail)
    since_ns, until_ns = parse_since(since), parse_since(until)
    offset = end_offset(path)
    yield from read_entries(path, since_ns, until_ns, count)
    if follow and not until_ns:
        yield from follow_log(path, offset, lambda: is_running(settings, record.id))


def details_prefix(entry: LogEntry) -> bytes:
    """`logs --details`: the entry's log attributes (--log-opt labels/env/tag) as
    Docker prints them before the line, then a space."""
    from nerdpy.logs.attributes import details_prefix as prefix

    return prefix(entry.attrs)
