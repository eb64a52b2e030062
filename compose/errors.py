"""The compose engine's error kinds: a bad compose file exits 15 as docker
compose does for configuration errors; everything else uses nerdpy's kinds."""

from __future__ import annotations

from nerdpy.api.errors import InvalidArgument, NerdpyError

EXIT_CONFIG = 15  # docker compose: "invalid compose project" (cmd/compose/compose.go)


class ConfigError(InvalidArgument):
    """A compose file (or its environment) is invalid: one line naming the file and key."""

    exit_code = EXIT_CONFIG


def at(source: str, path: str, message: str) -> ConfigError:
    """`<file>: services.web.ports[1]: message`; either part may be empty."""
    where = ": ".join(p for p in (source, path) if p)
    return ConfigError(f"{where}: {message}" if where else message)


class StackError(NerdpyError):
    """The project could not be brought to the asked state (a dependency failed,
    a container is unhealthy, a wait timed out): docker compose exits 1."""

    exit_code = 1
