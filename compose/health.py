"""Compose `healthcheck:` as the container's health options, and reading a
container's real health status. nerdpy's runtime runs the probes (in the shim).
Whether a container has a healthcheck is read from the container, as docker
compose does: the image's HEALTHCHECK counts as much as the service's."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

def options(svc: dict[str, Any]) -> dict[str, Any]:
    """CreateOptions fields for the service's healthcheck ({} without one)."""
    check = svc.get("healthcheck")
    if not check:
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
    return out


def _json_cmd(argv: list[str]) -> str:
    """An exec-form test as Docker's CLI takes it in --health-cmd: a shell line of quoted words."""
    import shlex

    return " ".join(shlex.quote(a) for a in argv)


def status(inspected: dict[str, Any]) -> str:
    """"healthy" / "unhealthy" / "starting", or "" for a container without a healthcheck."""
    health = (inspected.get("State") or {}).get("Health") or {}
    return str(health.get("Status", ""))


def configured(inspected: dict[str, Any]) -> bool:
    """Whether the container has a healthcheck to wait for, whatever its state says yet."""
    test = ((inspected.get("Config") or {}).get("Healthcheck") or {}).get("Test") or []
    return bool(test) and test[0] != "NONE"
