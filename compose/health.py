"""Compose `healthcheck:` as the container's health options, and reading a
container's real health status. nerdpy's runtime runs the probes (in the shim);
while a build of nerdpy has no health support, anything that depends on health
(service_healthy, `up --wait` on a service with a healthcheck) says so and fails
rather than pretending."""

from __future__ import annotations

from nerdpy.api.errors import NotImplementedYet
from nerdpy.api.types import CreateOptions, fields

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# Docker's run flags, as the runtime's CreateOptions fields (health_cmd, ...).
_FIELDS = ("health_cmd", "health_interval", "health_timeout", "health_retries", "health_start_period",
           "health_start_interval", "no_healthcheck")


def supported() -> bool:
    names = {f.name for f in fields(CreateOptions)}
    return all(n in names for n in _FIELDS[:4])


def needs_health(what: str) -> NotImplementedYet:
    return NotImplementedYet(f"{what} needs healthchecks, which this nerdpy build does not run yet",
                             hint="use condition: service_started, or drop --wait")


def has_check(svc: dict[str, Any]) -> bool:
    check = svc.get("healthcheck")
    if not check:
        return False
    test = check.get("test") or []
    return not check.get("disable") and not (test and test[0] == "NONE")


def options(svc: dict[str, Any]) -> dict[str, Any]:
    """CreateOptions fields for the service's healthcheck ({} without one or without support)."""
    check = svc.get("healthcheck")
    if not check or not supported():
        return {}
    test = check.get("test") or []
    if check.get("disable") or (test and test[0] == "NONE"):
        return {"no_healthcheck": True}
    out: dict[str, Any] = {}
    if test:
        out["health_cmd"] = test[1] if test[0] == "CMD-SHELL" else _json_cmd(test[1:] if test[0] == "CMD" else test)
    for key in ("interval", "timeout", "start_period", "start_interval"):
        if check.get(key):
            out[f"health_{key}"] = check[key]
    if check.get("retries") is not None:
        out["health_retries"] = int(check["retries"])
    names = {f.name for f in fields(CreateOptions)}
    return {k: v for k, v in out.items() if k in names}


def _json_cmd(argv: list[str]) -> str:
    """An exec-form test as Docker's CLI takes it in --health-cmd: a shell line of quoted words."""
    import shlex

    return " ".join(shlex.quote(a) for a in argv)


def status(inspected: dict[str, Any]) -> str:
    """"healthy" / "unhealthy" / "starting", or "" for a container without a healthcheck."""
    health = (inspected.get("State") or {}).get("Health") or {}
    return str(health.get("Status", ""))
