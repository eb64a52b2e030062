"""Docker's prune filters for containers and networks: `until=` and `label=` / `label!=`.

`until` takes what Docker takes (a duration before now such as `24h`, a unix time, an
RFC 3339 date) and selects objects created before it; `label=KEY[=VALUE]` selects those
carrying the label, `label!=KEY[=VALUE]` those without it; every filter must hold."""

from __future__ import annotations

from nerdpy.errors import InvalidArgument
from nerdpy.records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Mapping, Sequence

PRUNE_KEYS = ("until", "label", "label!")


@record
class PruneFilter:
    until: float | None = None
    labels: tuple[str, ...] = ()  # KEY or KEY=VALUE that must match
    not_labels: tuple[str, ...] = ()  # KEY or KEY=VALUE that must not match

    def selects(self, created: float, labels: Mapping[str, str]) -> bool:
        if self.until is not None and created > self.until:
            return False
        return (all(_has(labels, spec) for spec in self.labels)
                and not any(_has(labels, spec) for spec in self.not_labels))


def _has(labels: Mapping[str, str], spec: str) -> bool:
    key, eq, value = spec.partition("=")
    return key in labels and (not eq or labels[key] == value)


def parse_prune_filters(filters: Sequence[str], what: str) -> PruneFilter:
    """`what` names the command in the error ("container prune")."""
    import time

    from nerdpy.api.images import _until

    until: float | None = None
    labels: list[str] = []
    not_labels: list[str] = []
    for item in filters:
        key, eq, value = item.partition("=")
        if not eq:
            raise InvalidArgument(f"bad format of filter (expected name=value): {item}")
        if key not in PRUNE_KEYS:
            raise InvalidArgument(f"invalid filter '{key}'", hint=f"{what} takes until=, label= and label!=")
        if key == "until":
            moment = _until(value, time.time())
            until = moment if until is None else min(until, moment)
        else:
            (labels if key == "label" else not_labels).append(value)
    return PruneFilter(until, tuple(labels), tuple(not_labels))
