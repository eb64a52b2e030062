"""The one exception hierarchy of nerdpy, each kind with its exit code and a hint.

Code below the CLI raises these; `nerdpy.cli.main` is the single place that
turns them into a one-line message and an exit code (125 for nerdpy's own
errors, as Docker; 1 for a missing object outside `run`/`create`; 126/127 when a
container's command cannot be invoked).
"""

from __future__ import annotations

EXIT_TOOL_ERROR = 125
EXIT_CANNOT_INVOKE = 126
EXIT_COMMAND_NOT_FOUND = 127


class NerdpyError(Exception):
    """Base of every error nerdpy reports to a user."""

    exit_code: int = EXIT_TOOL_ERROR
    kind: str = "error"

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class NotFound(NerdpyError):
    """A missing container, image, network or volume: Docker's CLI exits 1 for it in
    every command but `run` and `create`, whose own failures all exit 125."""

    kind = "not found"
    exit_code = 1


class AlreadyExists(NerdpyError):
    kind = "already exists"


class InvalidArgument(NerdpyError):
    kind = "invalid argument"


class Conflict(NerdpyError):
    kind = "conflict"


class NotRunning(Conflict):
    """`exec`, `top` or `attach` given a container that is not running: Docker's
    daemon refuses it (409) and its CLI, as for any such answer, exits 1."""

    exit_code = 1


class Unavailable(NerdpyError):
    kind = "unavailable"


class PermissionDenied(NerdpyError):
    kind = "permission denied"


class NotImplementedYet(NerdpyError):
    kind = "not implemented"


class Unauthenticated(NerdpyError):
    kind = "unauthenticated"


class DataCorrupted(NerdpyError):
    """Bytes did not match their digest, or a record is unreadable."""

    kind = "data corrupted"


class ClientRefused(InvalidArgument):
    """A check docker/cli makes on its own, before it asks the daemon anything, and
    returns as a plain error (`cp` with no container side): exit 1, not 125."""

    exit_code = 1


class NotATerminal(NerdpyError):
    """`-it` while stdin is not a terminal: Docker's CLI refuses it with exit 1,
    before anything is made."""

    kind = "not a terminal"
    exit_code = 1


class TemplateError(InvalidArgument):
    """A `--format` template that does not parse or cannot run: Docker's CLI prints
    "template parsing error: ..." and exits 1 (a usage error, 125, it is not)."""

    kind = "template"
    exit_code = 1


class TemplateSyntaxError(TemplateError):
    """A template that does not parse at all."""


class TemplateUsageError(TemplateError):
    """A template that does not parse, given to inspect, version, info or events:
    Docker's CLI checks it before anything else and exits 64 (EX_USAGE)."""

    exit_code = 64


class CannotInvoke(NerdpyError):
    """The container's command exists but cannot be executed (Docker's 126)."""

    kind = "cannot invoke"
    exit_code = EXIT_CANNOT_INVOKE


class CommandNotFound(NerdpyError):
    """The container's command does not exist (Docker's 127)."""

    kind = "command not found"
    exit_code = EXIT_COMMAND_NOT_FOUND


class ContainerExit(Exception):
    """Not an error: a foreground container ended; the CLI exits with its code."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code
