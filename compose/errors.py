"""The compose engine's error kinds, with docker compose's exit codes: a missing
file 14, a bad compose file 15, a failed build 17, a failed pull 18. Any other
failure exits 1 (nerdpy's CLI edge maps its tool errors so for compose)."""

from __future__ import annotations

from nerdpy.api.errors import InvalidArgument, NerdpyError

EXIT_CONFIG = 15  # docker compose: "invalid compose project" (cmd/compose/compose.go)
EXIT_FILE_NOT_FOUND = 14  # docker compose: a compose or env file that is not there (FileNotFoundFailure)
EXIT_BUILD_FAILED = 17  # docker compose: BuildFailure
EXIT_PULL_FAILED = 18  # docker compose: PullFailure


class ConfigError(InvalidArgument):
    """A compose file (or its environment) is invalid: one line naming the file and key."""

    exit_code = EXIT_CONFIG


class FileNotFound(ConfigError):
    """A compose file or a required env_file does not exist."""

    exit_code = EXIT_FILE_NOT_FOUND


def at(source: str, path: str, message: str) -> ConfigError:
    """`<file>: services.web.ports[1]: message`; either part may be empty."""
    where = ": ".join(p for p in (source, path) if p)
    return ConfigError(f"{where}: {message}" if where else message)


class NoSuchService(InvalidArgument):
    """A service named on the command line is not in the project: docker compose
    exits 1 (compose-go's selection error is not one of its load failures)."""

    exit_code = 1


class StackError(NerdpyError):
    """The project could not be brought to the asked state (a dependency failed,
    a container is unhealthy, a wait timed out): docker compose exits 1."""

    exit_code = 1


class BuildFailed(NerdpyError):
    """A service's image could not be built."""

    exit_code = EXIT_BUILD_FAILED


class PullFailed(NerdpyError):
    """A service's image could not be pulled."""

    exit_code = EXIT_PULL_FAILED
