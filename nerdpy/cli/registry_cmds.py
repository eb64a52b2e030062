"""`nerdpy pull`, `push`, `login`, `logout` (and `image pull`/`image push`), with Docker's output."""

import sys
import typing
from typing import Optional

import typer

from nerdpy.cli import state
from nerdpy.errors import InvalidArgument

app = typer.Typer()


@app.command("push", help="Upload an image to a registry")
def push(
    ctx: typer.Context,
    name: str = typer.Argument(..., metavar="NAME[:TAG]"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Suppress verbose output"),
    all_tags: bool = typer.Option(False, "--all-tags", "-a", help="Push all tags of an image to the repository"),
    platform: Optional[str] = typer.Option(
        None, "--platform", help="Push a platform-specific manifest as a single-platform image to the registry"),
    disable_content_trust: bool = typer.Option(True, "--disable-content-trust",
                                               help="Skip image signing (always: nerdpy has no content trust)"),
) -> None:
    from nerdpy import reference
    from nerdpy.api import registry as api

    settings = state.entered(ctx)
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


def _push_one(settings: typing.Any, name: str, quiet: bool, out: typing.TextIO, platform: Optional[str]) -> None:
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


@app.command("login", help="Log in to a registry")
def login(
    ctx: typer.Context,
    server: Optional[str] = typer.Argument(None, metavar="[SERVER]"),
    username: Optional[str] = typer.Option(None, "--username", "-u", help="Username"),
    password: Optional[str] = typer.Option(None, "--password", "-p", help="Password"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Take the password from stdin"),
) -> None:
    from nerdpy.api import registry as api

    settings = state.settings(ctx)
    if password_stdin:
        if password is not None:
            raise InvalidArgument("--password and --password-stdin are mutually exclusive")
        if not username:
            raise InvalidArgument("Must provide --username with --password-stdin")
        password = _read_secret_stdin()
    elif password is not None:
        typer.echo("WARNING! Using --password via the CLI is insecure. Use --password-stdin.", err=True)
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
        typer.echo(f"WARNING! Your password will be stored unencrypted in {result.config_file}.", err=True)
    typer.echo("Login Succeeded")


@app.command("logout", help="Log out from a registry")
def logout(ctx: typer.Context, server: Optional[str] = typer.Argument(None, metavar="[SERVER]")) -> None:
    from nerdpy.api import registry as api

    key, existed = api.logout(state.settings(ctx), server)
    typer.echo(f"Removing login credentials for {key}" if existed else f"Not logged in to {key}")
