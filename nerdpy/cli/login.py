"""`nerdpy login` and `logout` (flags: nerdpy/cli/table/images.py), with Docker's output."""

from __future__ import annotations

import sys

from nerdpy.cli.state import CliState
from nerdpy.errors import InvalidArgument

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional


def _read_secret_stdin() -> str:
    data = sys.stdin.read()
    return data.rstrip("\r\n")


def login(
    cli: CliState, *, server: Optional[str],
    username: Optional[str],
    password: Optional[str],
    password_stdin: bool,
) -> None:
    from nerdpy.api import registry as api

    settings = cli.settings
    if password_stdin:
        if password is not None:
            raise InvalidArgument("--password and --password-stdin are mutually exclusive")
        if not username:
            raise InvalidArgument("Must provide --username with --password-stdin")
        password = _read_secret_stdin()
    elif password is not None:
        print("WARNING! Using --password via the CLI is insecure. Use --password-stdin.", file=sys.stderr)
    interactive = sys.stdin.isatty()
    if not username:
        if not interactive:
            raise InvalidArgument("username required", hint="use --username (and --password-stdin)")
        username = input("Username: ").strip()
    if password is None:
        if not interactive:
            raise InvalidArgument("password required", hint="use --password-stdin")
        import getpass

        password = getpass.getpass("Password: ")
    result = api.login(settings, server, username, password)
    if not result.helper:
        print(f"WARNING! Your password will be stored unencrypted in {result.config_file}.", file=sys.stderr)
    print("Login Succeeded")


def logout(cli: CliState, *, server: Optional[str]) -> None:
    from nerdpy.api import registry as api

    key, existed = api.logout(cli.settings, server)
    print(f"Removing login credentials for {key}" if existed else f"Not logged in to {key}")
