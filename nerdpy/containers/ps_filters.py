"""`ps --filter` keys on a container's definition: network=, publish=, expose=,
volume=, is-task= (Docker's semantics; nerdpy has no swarm tasks)."""

from __future__ import annotations

from nerdpy.containers import Container
from nerdpy.errors import InvalidArgument

DEFINITION_KEYS = ("network", "publish", "expose", "volume", "is-task")


def check(key: str, value: str) -> None:
    """Docker's refusals of a bad value, before any container is looked at."""
    if key == "is-task" and value not in ("true", "false"):
        raise InvalidArgument(f"Invalid filter 'is-task={value}'", hint="use is-task=true or is-task=false")
    if key in ("publish", "expose"):
        _port_range(value)


def matches(container: Container, key: str, value: str) -> bool:
    if key == "network":
        return value in (container.host_config.get("Networks") or ["bridge"])
    if key == "volume":
        return any(value in (m.get("volume"), m.get("source"), m.get("destination"))
                   for m in container.runtime.mounts)
    if key == "is-task":
        return value == "false"  # no container is a swarm task
    ports = _published(container) if key == "publish" else set(container.cfg.get("ExposedPorts") or {})
    return bool(ports & _port_range(value))


def _published(container: Container) -> set[str]:
    from nerdpy.containers.inspect import port_bindings

    return set(port_bindings(list(container.host_config.get("PortBindings") or [])) or {})


def _port_range(value: str) -> set[str]:
    """"80", "80/udp", "8000-8002/tcp" as Docker's "PORT/PROTO" keys."""
    ports, _, proto = value.partition("/")
    low, _, high = ports.partition("-")
    try:
        first, last = int(low), int(high or low)
    except ValueError:
        raise InvalidArgument(f"invalid port range {value!r} in filter", hint="use PORT[/PROTO] or START-END[/PROTO]") from None
    if not 0 < first <= last <= 65535 or proto not in ("", "tcp", "udp", "sctp"):
        raise InvalidArgument(f"invalid port range {value!r} in filter", hint="use PORT[/PROTO] or START-END[/PROTO]")
    return {f"{port}/{proto or 'tcp'}" for port in range(first, last + 1)}
