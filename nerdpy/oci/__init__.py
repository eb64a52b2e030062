"""Runtime-spec generation: a default spec with Docker's defaults, changed by
small composable options (containerd's `With...` functions).

    spec = build(rootless, [with_args(["sh"]), with_env(...), ...])

A `SpecOption` takes the spec dict and changes it in place. Each lives in
`nerdpy.oci.options` and is unit-tested on its own.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Iterable

    Spec = dict[str, Any]
    SpecOption = Callable[[Spec], None]


def build(rootless: bool, options: Iterable[SpecOption]) -> Spec:
    from nerdpy.oci.defaults import default_spec

    spec = default_spec(rootless)
    for option in options:
        option(spec)
    return spec
