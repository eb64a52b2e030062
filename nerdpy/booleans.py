"""Booleans written as text (flag values, mount and driver options, filters,
security options), parsed one way: Go's strconv.ParseBool, as Docker does.

Anything else is refused rather than read as false: `no-new-privileges:yes`
silently leaving NNP off was issue 12's finding 8. Fail closed.
"""

from __future__ import annotations

from nerdpy.errors import InvalidArgument

TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})


def parse_bool(value: str, what: str) -> bool:
    """`value` as Go's ParseBool reads it; InvalidArgument (exit 125) otherwise."""
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise InvalidArgument(
        f"invalid {what}: {value!r} is not a boolean",
        hint="use one of 1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False",
    )
