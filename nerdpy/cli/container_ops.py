"""start, stop, restart, kill, rm, wait, attach, pause, unpause, rename, prune."""

import sys
from typing import List, Optional

import typer

from nerdpy.cli import state

app = typer.Typer()


@app.command("attach", help="Attach local standard input, output, and error streams to a running container")
def attach(
    ctx: typer.Context,
    container: str = typer.Argument(..., help="Container"),
    no_stdin: bool = typer.Option(False, "--no-stdin", help="Do not attach STDIN"),
    sig_proxy: bool = typer.Option(True, "--sig-proxy", help="Proxy all received signals to the process"),
) -> None:
    from nerdpy.api.containers import attach_to, get
    from nerdpy.errors import ContainerExit

    settings = state.entered(ctx)
    record, _ = get(settings, container)
    stdin = None if no_stdin or not record.cfg.get("OpenStdin") else sys.stdin.fileno()
    code = attach_to(settings, container, stdin, sys.stdout.fileno(), sys.stderr.fileno(), sig_proxy)
    if code is not None:
        raise ContainerExit(code)


@app.command("rename", help="Rename a container")
def rename(ctx: typer.Context, container: str = typer.Argument(...), new_name: str = typer.Argument(...)) -> None:
    from nerdpy.api.containers import rename as api_rename

    api_rename(state.entered(ctx), container, new_name)


@app.command("prune", help="Remove all stopped containers")
def prune(
    ctx: typer.Context,
    force: bool = typer.Option(False, "--force", "-f", help="Do not prompt for confirmation"),
    filter: List[str] = typer.Option([], "--filter", help="Provide filter values (e.g. 'label=<key>=<value>')"),
) -> None:
    from nerdpy.api.containers import list_rows, prune as prune_containers

    settings = state.entered(ctx)
    list_rows(settings, True, 0, tuple(filter), True)  # bad filters fail before the prompt
    if not force:
        typer.echo("WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ",
                   nl=False)
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            return
    removed = prune_containers(settings, tuple(filter))
    if removed:
        typer.echo("Deleted Containers:")
        for cid in removed:
            typer.echo(cid)
        typer.echo("")
    typer.echo("Total reclaimed space: 0B")


@app.command("cp", help="Copy files/folders between a container and the local filesystem")
def cp(
    ctx: typer.Context,
    src: str = typer.Argument(..., help="SRC_PATH or CONTAINER:SRC_PATH ('-': a tar stream on stdin)"),
    dest: str = typer.Argument(..., help="DEST_PATH or CONTAINER:DEST_PATH ('-': a tar stream on stdout)"),
    archive: bool = typer.Option(False, "--archive", "-a", help="Archive mode (accepted; ownership is the container root's)"),
    follow_link: bool = typer.Option(False, "--follow-link", "-L", help="Always follow symbol link in SRC_PATH"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Suppress progress output"),
) -> None:
    from nerdpy.api.containers import copy

    settings = state.entered(ctx)
    copy(settings, src, dest, stdin=sys.stdin.buffer, stdout=sys.stdout.buffer)
    sys.stdout.flush()


@app.command("export", help="Export a container's filesystem as a tar archive")
def export(
    ctx: typer.Context,
    container: str = typer.Argument(..., help="Container"),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Write to a file, instead of STDOUT"),
) -> None:
    import os

    from nerdpy.api.containers import get
    from nerdpy.containers.changes import export as do_export
    from nerdpy.errors import InvalidArgument

    settings = state.entered(ctx)
    record, _ = get(settings, container)
    if output is None:
        if sys.stdout.isatty():
            raise InvalidArgument("cowardly refusing to save to a terminal", hint="use -o or redirect stdout")
        do_export(settings, record, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return
    tmp = f"{output}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as handle:
            do_export(settings, record, handle)
        os.replace(tmp, output)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@app.command("diff", help="Inspect changes to files or directories on a container's filesystem")
def diff(ctx: typer.Context, container: str = typer.Argument(..., help="Container")) -> None:
    from nerdpy.api.containers import get
    from nerdpy.containers.changes import diff as do_diff

    settings = state.entered(ctx)
    record, _ = get(settings, container)
    for kind, path in do_diff(settings, record):
        typer.echo(f"{kind} {path}")


@app.command("commit", help="Create a new image from a container's changes")
def commit(
    ctx: typer.Context,
    container: str = typer.Argument(..., help="Container"),
    repository: Optional[str] = typer.Argument(None, help="REPOSITORY[:TAG]"),
    author: str = typer.Option("", "--author", "-a", help='Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")'),
    change: List[str] = typer.Option([], "--change", "-c", help="Apply Dockerfile instruction to the created image"),
    message: str = typer.Option("", "--message", "-m", help="Commit message"),
    pause: bool = typer.Option(True, "--pause", "-p", help="Pause container during commit (accepted; not needed)"),
) -> None:
    from nerdpy.api.containers import get
    from nerdpy.containers.commit import commit as do_commit

    settings = state.entered(ctx)
    record, _ = get(settings, container)
    image = do_commit(settings, record, repository, list(change), message, author)
    typer.echo(image.id)
