"""`nerdpy volume create|ls|inspect|rm|prune` (Docker's flags and output)."""

import sys
from typing import List, Optional

import typer

from nerdpy.cli import state
from nerdpy.cli.each import for_each, inspect_lines
from nerdpy.errors import InvalidArgument, NotFound
from nerdpy.keyvalue import parse_key_values
from nerdpy.formatting.human import human_size as _human_size

app = typer.Typer()

LS_COLUMNS = [("Driver", "DRIVER"), ("Name", "VOLUME NAME"), ("Scope", "SCOPE"), ("Mountpoint", "MOUNTPOINT"),
              ("Labels", "LABELS"), ("Links", "LINKS"), ("Size", "SIZE")]


def human_size(size: float) -> str:
    """Docker's units.HumanSize: 4 significant digits."""
    return _human_size(size, 4)


@app.command("create", help="Create a volume")
def create(
    ctx: typer.Context,
    name: Optional[str] = typer.Argument(None, help="Volume name (default: a random ID)"),
    driver: str = typer.Option("local", "--driver", "-d", help="Volume driver (only local)"),
    label: List[str] = typer.Option([], "--label", help="Set metadata for a volume (key=value)"),
    opt: List[str] = typer.Option([], "--opt", "-o", help="Driver options: type, device, o"),
    name_opt: Optional[str] = typer.Option(None, "--name", help="Volume name"),
) -> None:
    from nerdpy.api import volumes

    if name and name_opt and name != name_opt:
        raise InvalidArgument("conflicting options: either specify --name or provide positional arg, not both")
    settings = state.entered(ctx)
    labels, options = parse_key_values(label, "label"), parse_key_values(opt, "option", need_value=True)
    volume = volumes.create(settings, name or name_opt, driver, labels, options)
    print(volume.name)


def _row(volume) -> dict:
    # Docker's `volume ls --format json` keys, all strings (Links/Size only come with `system df -v`).
    return {
        "Availability": "N/A",
        "Driver": volume.driver,
        "Group": "N/A",
        "Labels": ",".join(f"{k}={v}" for k, v in sorted(volume.labels.items())),
        "Links": "N/A",
        "Mountpoint": str(volume.mountpoint),
        "Name": volume.name,
        "Scope": "local",
        "Size": "N/A",
        "Status": "N/A",
    }


@app.command("ls", help="List volumes")
def ls(
    ctx: typer.Context,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only display volume names"),
    filter: List[str] = typer.Option([], "--filter", "-f", help="Filter output (dangling=, name=, label=, driver=)"),
    format: Optional[str] = typer.Option(None, "--format", help="Format the output: table, json or a Go template"),
) -> None:
    from nerdpy.api import volumes
    from nerdpy.cli.output import print_rows

    rows = [_row(v) for v in volumes.list_volumes(state.entered(ctx), filter)]
    columns = LS_COLUMNS if format else LS_COLUMNS[:2]
    if format == "table":
        format = None
    for line in print_rows(rows, columns, format, quiet_field="Name", quiet=quiet):
        print(line)


@app.command("inspect", help="Display detailed information on one or more volumes")
def inspect(
    ctx: typer.Context,
    names: List[str] = typer.Argument(..., help="Volume names"),
    format: Optional[str] = typer.Option(None, "--format", "-f", help="Format the output using a Go template or json"),
) -> None:
    from nerdpy.api import volumes

    settings = state.entered(ctx)
    found: list = []
    failed = for_each(names, lambda name: found.extend(volumes.inspect(settings, [name])), catch=NotFound)
    # Docker prints the list (even "[]") and the errors
    for line in inspect_lines([v.inspect() for v in found], format):
        print(line)
    if failed:
        raise typer.Exit(1)


@app.command("rm", help="Remove one or more volumes")
def rm(
    ctx: typer.Context,
    names: List[str] = typer.Argument(..., help="Volume names"),
    force: bool = typer.Option(False, "--force", "-f", help="Do not error when a volume does not exist"),
) -> None:
    from nerdpy.api import volumes

    settings = state.entered(ctx)

    def remove(name: str) -> None:  # in use: Docker reports it and goes on with the others
        volumes.remove(settings, name)
        print(name)

    if for_each(names, remove, missing_ok=force):
        raise typer.Exit(1)


@app.command("prune", help="Remove unused local volumes (anonymous ones unless --all)")
def prune(
    ctx: typer.Context,
    force: bool = typer.Option(False, "--force", "-f", help="Do not prompt for confirmation"),
    all: bool = typer.Option(False, "--all", "-a", help="Remove all unused volumes, not just anonymous ones"),
    filter: List[str] = typer.Option([], "--filter", help="Provide filter values (e.g. 'label=<label>')"),
) -> None:
    from nerdpy.api import volumes

    settings = state.entered(ctx)
    volumes.parse_filters(filter, volumes.PRUNE_FILTER_KEYS)  # bad filters fail before the prompt
    if not force:
        which = "all local volumes" if all else "anonymous local volumes"
        sys.stdout.write(f"WARNING! This will remove {which} not used by at least one container.\n"
                         "Are you sure you want to continue? [y/N] ")
        sys.stdout.flush()
        answer = sys.stdin.readline().strip().lower()
        if answer not in ("y", "yes"):
            return
    report = volumes.prune(settings, filter, all)
    if report.deleted:
        print("Deleted Volumes:")
        for name in report.deleted:
            print(name)
        print()
    print(f"Total reclaimed space: {human_size(report.reclaimed)}")
