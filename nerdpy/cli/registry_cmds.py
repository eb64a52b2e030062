"""`nerdpy pull`, `push`, `login`, `logout` (and `image pull`/`image push`), with Docker's output."""

from __future__ import annotations

import sys

from nerdpy.cli import state
from nerdpy.cli.state import CliState
from nerdpy.errors import InvalidArgument

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional, TextIO


def push(
    cli: CliState, *, name: str,
    quiet: bool,
    all_tags: bool,
    platform: Optional[str],
    disable_content_trust: bool,
) -> None:
    del disable_content_trust  # nerdpy has no content trust: signing is always off, as the flag asks
    from nerdpy import reference
    from nerdpy.api import registry as api

    settings = state.entered(cli)
    given = reference.parse(name, default_tag=False)
    names = api.local_tags(settings, name) if all_tags else [str(reference.parse(name))]
    out = sys.stdout
    if not quiet:
        if not all_tags and not (given.tag or given.digest):
            out.write("Using default tag: latest\n")
        out.write(f"The push refers to repository [{given.name}]\n")
        out.flush()
    for one in names:
        _push_one(settings, one, quiet, out, platform)


def _push_one(settings: Any, name: str, quiet: bool, out: TextIO, platform: Optional[str]) -> None:
    from nerdpy.api import registry as api

    view = None
    if not quiet:
        from nerdpy.cli.handlers.registry import ProgressView

        view = ProgressView(out, out.isatty())
    result = api.push(settings, name, view, platform)
    if quiet:
        out.write(f"{result.reference}\n")
        return
    for platform in result.skipped_platforms:
        out.write(f"{platform}: not present locally, already in the registry\n")
    out.write(f"{result.tag}: digest: {result.digest} size: {result.size}\n")
    if result.note:
        out.write(f"{result.note}\n")


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
