"""A container log's reader pieces (json-file entries, follow, since/until), for
clients that stream several logs at once (compose's prefixed log view)."""

from nerdpy.logs import format_time_fixed  # noqa: F401 - re-export
from nerdpy.logs.reader import LogEntry, end_offset, follow, parse_since, read_entries  # noqa: F401 - re-exports
