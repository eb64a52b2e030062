"""`nerdpy pull`, `push`, `login`, `logout` (and `image pull`/`image push`), with Docker's output."""

import sys
import threading
import time
from typing import Any, Optional, TextIO

import typer

from nerdpy.cli import state
from nerdpy.errors import InvalidArgument

app = typer.Typer()

_BAR = 50
_QUIET_STATUSES = ("Downloading", "Pushing", "Waiting", "Preparing")


def human_size(n: float) -> str:
    """Docker's units.HumanSize: decimal units, 4 significant digits ("1.234MB", "771.7kB")."""
    units = ["B", "kB", "MB", "GB", "TB"]
    i = 0
    while n >= 1000 and i < len(units) - 1:
        n /= 1000.0
        i += 1
    return f"{n:.4g}{units[i]}"


def progress_line(event: Any) -> str:
    text = f"{event.id}: {event.status}"
    if event.status in ("Downloading", "Pushing") and event.total:
        filled = min(_BAR, int(_BAR * event.current / event.total))
        arrow = ">" if filled < _BAR else ""
        bar = "=" * max(0, filled - (1 if arrow else 0)) + arrow
        text += f" [{bar:<{_BAR}}]  {human_size(event.current)}/{human_size(event.total)}"
    return text


class ProgressView:
    """Per-layer lines: redrawn in place on a terminal, one line per state change in a pipe."""

    def __init__(self, out: TextIO, tty: bool) -> None:
        self.out = out
        self.tty = tty
        self.lock = threading.Lock()
        self.order: list[str] = []
        self.last: dict[str, str] = {}
        self.drawn: dict[str, float] = {}

    def __call__(self, event: Any) -> None:
        if not event.id:
            return
        with self.lock:
            previous = self.last.get(event.id)
            self.last[event.id] = event.status
            if self.tty:
                self._draw(event, previous)
            elif event.status != previous and event.status not in _QUIET_STATUSES:
                self.out.write(f"{event.id}: {event.status}\n")
                self.out.flush()

    def _draw(self, event: Any, previous: Optional[str]) -> None:
        now = time.monotonic()
        if event.id not in self.order:
            self.order.append(event.id)
            self.out.write(progress_line(event) + "\n")
        else:
            if event.status == previous and now - self.drawn.get(event.id, 0) < 0.1:
                return  # throttle bar redraws
            up = len(self.order) - self.order.index(event.id)
            self.out.write(f"\x1b[{up}A\r\x1b[2K{progress_line(event)}\x1b[{up}B\r")
        self.drawn[event.id] = now
        self.out.flush()


def _pull_body(settings: Any, name: str, platform: Optional[str], quiet: bool) -> None:
    from nerdpy import reference
    from nerdpy.api import registry as api

    ref = reference.parse(name)
    out = sys.stdout
    view = None
    if not quiet:
        if ref.tag == "latest" and ":latest" not in name and "@" not in name:
            out.write("Using default tag: latest\n")
        out.write(f"{ref.tag or ref.digest}: Pulling from {ref.familiar_name if ref.domain == 'docker.io' else ref.path}\n")
        out.flush()
        view = ProgressView(out, out.isatty())
    result = api.pull(settings, name, platform, view)
    if not quiet:
        out.write(f"Digest: {result.digest}\n")
        status = "Image is up to date for" if result.up_to_date else "Downloaded newer image for"
        out.write(f"Status: {status} {result.familiar}\n")
    out.write(f"{result.reference}\n")


@app.command("pull", help="Download an image from a registry")
def pull(
    ctx: typer.Context,
    name: str = typer.Argument(..., metavar="NAME[:TAG|@DIGEST]"),
    platform: Optional[str] = typer.Option(None, "--platform", help="Set platform if server is multi-platform capable"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Suppress verbose output"),
    all_tags: bool = typer.Option(False, "--all-tags", "-a", help="Download all tagged images (not supported)"),
) -> None:
    if all_tags:
        from nerdpy.errors import NotImplementedYet

        raise NotImplementedYet("pull --all-tags is not implemented")
    _pull_body(state.entered(ctx), name, platform, quiet)


@app.command("push", help="Upload an image to a registry")
def push(
    ctx: typer.Context,
    name: str = typer.Argument(..., metavar="NAME[:TAG]"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Suppress verbose output"),
) -> None:
    from nerdpy import reference
    from nerdpy.api import registry as api

    settings = state.entered(ctx)
    ref = reference.parse(name)
    out = sys.stdout
    view = None
    if not quiet:
        out.write(f"The push refers to repository [{ref.name}]\n")
        out.flush()
        view = ProgressView(out, out.isatty())
    result = api.push(settings, name, view)
    if not quiet:
        out.write(f"{result.tag}: digest: {result.digest} size: {result.size}\n")
    else:
        out.write(f"{result.reference}\n")


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
