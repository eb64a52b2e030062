"""`KEY=VALUE` option lists (--label, --opt, --sysctl, --annotation), parsed one way,
and how a `--filter KEY=VALUE`'s value matches a name."""

from __future__ import annotations

from nerdpy.errors import InvalidArgument

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterable


def parse_key_values(items: Iterable[str], what: str, need_value: bool = False) -> dict[str, str]:
    """`["a=1", "b"]` -> `{"a": "1", "b": ""}`; the last of a repeated key wins,
    as in Docker. `need_value`: a bare `KEY` is an error (driver options)."""
    out: dict[str, str] = {}
    for item in items:
        key, eq, value = item.partition("=")
        if not key or (need_value and not eq):
            raise InvalidArgument(f"invalid {what} {item!r}: expected key=value")
        out[key] = value
    return out


def filter_matches(pattern: str, *candidates: str) -> bool:
    """moby's filters.Args.Match: a candidate equal to the value, or the value as an
    unanchored regular expression (`ps -f name=^web$`); a value that does not compile
    matches only itself."""
    if pattern in candidates:
        return True
    import re

    try:
        compiled = re.compile(pattern)
    except re.error:
        return False
    return any(compiled.search(c) for c in candidates)
