"""`nerdpy compose`: docker compose's CLI over the compose engine (nerdpy_compose).

Thin by design: each command parses its flags into the engine's options
records and calls one engine function, which calls nerdpy.api in-process. The
one place that imports nerdpy_compose (an import-linter contract says so).
"""

import os
import sys
from typing import List, Optional

import typer

from nerdpy.cli import state

app = typer.Typer(add_completion=False)
group = typer.Typer(help="Define and run multi-container applications", no_args_is_help=True,
                    add_completion=False, rich_markup_mode=None)
app.add_typer(group, name="compose")


@group.callback()
def compose(
    ctx: typer.Context,
    file: List[str] = typer.Option([], "--file", "-f", help="Compose configuration files"),
    project_name: Optional[str] = typer.Option(None, "--project-name", "-p", help="Project name"),
    project_directory: Optional[str] = typer.Option(
        None, "--project-directory", help="Specify an alternate working directory (default: the path of the first "
                                          "specified Compose file)"),
    env_file: List[str] = typer.Option([], "--env-file", help="Specify an alternate environment file"),
    profile: List[str] = typer.Option([], "--profile", help="Specify a profile to enable"),
    ansi: str = typer.Option("auto", "--ansi", help='Control when to print ANSI control characters ("never"|"always"|"auto")'),
    progress: str = typer.Option("auto", "--progress", help='Set type of progress output (auto, tty, plain, json, quiet)'),
    parallel: int = typer.Option(-1, "--parallel", help="Control max parallelism, -1 for unlimited"),
) -> None:
    from nerdpy_compose.options import ProjectOptions

    ctx.meta["compose"] = ProjectOptions(
        files=tuple(file), project_name=project_name or "", project_directory=project_directory or "",
        env_files=tuple(env_file), profiles=tuple(profile), environ=dict(os.environ), cwd=os.getcwd(),
        stdin=sys.stdin.read)
    ctx.meta["compose_ui"] = (ansi, progress)


def _warn(line: str) -> None:
    typer.echo(f"WARN[0000] {line}", err=True)


def _project(ctx: typer.Context, selected: tuple = (), interpolate: bool = True):  # noqa: ANN202 - Project
    from nerdpy.records import replace
    from nerdpy_compose.loader import load_project

    opts = ctx.meta["compose"]
    if not interpolate:
        opts = replace(opts, interpolate=False)
    return load_project(opts, _warn, tuple(selected))


def _ui(ctx: typer.Context):  # noqa: ANN202 - engine.Ui
    from nerdpy_compose.ui import Ui

    ansi, progress = ctx.meta["compose_ui"]
    return Ui(sys.stdout.fileno(), sys.stderr.fileno(), ansi=ansi, progress=progress)


@group.command("config", help="Parse, resolve and render compose file in canonical format")
def config(
    ctx: typer.Context,
    services_: List[str] = typer.Argument(None, metavar="[SERVICE...]", help="Services"),
    format: str = typer.Option("yaml", "--format", help="Format the output. Values: [yaml | json]"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only validate the configuration, don't print anything"),
    services: bool = typer.Option(False, "--services", help="Print the service names, one per line"),
    volumes: bool = typer.Option(False, "--volumes", help="Print the volume names, one per line"),
    networks: bool = typer.Option(False, "--networks", help="Print the network names, one per line"),
    profiles: bool = typer.Option(False, "--profiles", help="Print the profile names, one per line"),
    images: bool = typer.Option(False, "--images", help="Print the image names, one per line"),
    hash: Optional[str] = typer.Option(None, "--hash", help="Print the service config hash, one per line"),
    no_interpolate: bool = typer.Option(False, "--no-interpolate", help="Don't interpolate environment variables"),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Save to file (default to stdout)"),
) -> None:
    from nerdpy_compose.config_cmd import ConfigRequest, render

    project = _project(ctx, tuple(services_ or ()), interpolate=not no_interpolate)
    text = render(project, ConfigRequest(format=format, services=services, volumes=volumes, networks=networks,
                                         profiles=profiles, images=images, hash=hash or "", quiet=quiet))
    if quiet:
        return
    if output:
        with open(output, "w", encoding="utf-8") as f:
            f.write(text + "\n")
        return
    if text:
        typer.echo(text)
