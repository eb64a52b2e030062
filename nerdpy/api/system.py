"""System use cases: host report, running a command in the namespace."""

from __future__ import annotations

import os

from nerdpy.api.session import enter_namespace
from nerdpy.config import Settings
from nerdpy.errors import CannotInvoke, CommandNotFound, InvalidArgument
from nerdpy.hostinfo import HostReport, host_report


def info(settings: Settings) -> HostReport:
    return host_report(settings)


def unshare_exec(settings: Settings, argv: list[str]) -> None:
    """Replace this process with `argv` inside the rootless namespace."""
    enter_namespace(settings)
    if not argv:
        argv = [os.environ.get("SHELL", "/bin/sh")]
    os.environ["NERDPY_DATA_ROOT"] = str(settings.layout.data_root)
    try:
        os.execvp(argv[0], argv)
    except FileNotFoundError:
        raise CommandNotFound(f"{argv[0]}: command not found") from None
    except PermissionError:
        raise CannotInvoke(f"{argv[0]}: permission denied") from None
    except OSError as exc:
        raise InvalidArgument(f"{argv[0]}: {exc.strerror}") from None
