"""Image commands' flags (Docker's); bodies live in nerdpy.cli.handlers.images.

images / image ls, tag / image tag, rmi / image rm, image inspect, history /
image history, save / image save, load / image load, import / image import,
image prune.
"""

from typing import List, Optional

import typer

from nerdpy.cli.handlers import images as body

app = typer.Typer()


def _cli(ctx: typer.Context):
    return ctx.find_root().obj


@app.command("ls", help="List images")
def ls(
    ctx: typer.Context,
    repository: Optional[str] = typer.Argument(None, metavar="[REPOSITORY[:TAG]]", help="Show only this repository"),
    all: bool = typer.Option(False, "--all", "-a", help="Show all images (default hides intermediate images)"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only show image IDs"),
    digests: bool = typer.Option(False, "--digests", help="Show digests"),
    no_trunc: bool = typer.Option(False, "--no-trunc", help="Don't truncate output"),
    filter: List[str] = typer.Option([], "--filter", "-f",
                                     help="Filter output: dangling=, reference=, label=, before=, since=, until="),
    format: Optional[str] = typer.Option(None, "--format", help="Format output: table, json or a Go template"),
) -> None:
    body.ls(_cli(ctx), repository, all, quiet, digests, no_trunc, filter, format)


@app.command("tag", help="Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE")
def tag(
    ctx: typer.Context,
    source: str = typer.Argument(..., metavar="SOURCE_IMAGE[:TAG]"),
    target: str = typer.Argument(..., metavar="TARGET_IMAGE[:TAG]"),
) -> None:
    body.tag(_cli(ctx), source, target)


@app.command("rm", help="Remove one or more images")
def rm(
    ctx: typer.Context,
    images_: List[str] = typer.Argument(..., metavar="IMAGE...", help="Images (names or IDs)"),
    force: bool = typer.Option(False, "--force", "-f", help="Force removal of the image"),
    no_prune: bool = typer.Option(False, "--no-prune", help="Accepted for compatibility"),
) -> int:
    code = body.rmi(_cli(ctx), images_, force, no_prune)
    if code:
        raise typer.Exit(code)
    return 0


@app.command("inspect", help="Display detailed information on one or more images")
def inspect(
    ctx: typer.Context,
    images_: List[str] = typer.Argument(..., metavar="IMAGE..."),
    format: Optional[str] = typer.Option(None, "--format", "-f", help="Format output: json or a Go template"),
) -> None:
    code = body.inspect(_cli(ctx), images_, format)
    if code:
        raise typer.Exit(code)


@app.command("history", help="Show the history of an image")
def history(
    ctx: typer.Context,
    image: str = typer.Argument(..., metavar="IMAGE"),
    human: bool = typer.Option(True, "--human", "-H", help="Print sizes and dates in human readable format"),
    no_trunc: bool = typer.Option(False, "--no-trunc", help="Don't truncate output"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only show image IDs"),
    format: Optional[str] = typer.Option(None, "--format", help="Format output: table, json or a Go template"),
) -> None:
    body.history(_cli(ctx), image, human, no_trunc, quiet, format)


@app.command("save", help="Save one or more images to a tar archive (streamed to STDOUT by default)")
def save(
    ctx: typer.Context,
    images_: List[str] = typer.Argument(..., metavar="IMAGE..."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Write to a file, instead of STDOUT"),
    format: str = typer.Option("docker-archive", "--format",
                               help="docker-archive or oci-archive (the same dual-format tar), or oci-dir"),
) -> None:
    body.save(_cli(ctx), images_, output, format)


@app.command("load", help="Load an image from a tar archive or STDIN")
def load(
    ctx: typer.Context,
    input: Optional[str] = typer.Option(None, "--input", "-i", help="Read from tar archive file (or OCI layout "
                                        "directory), instead of STDIN"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Suppress the load output"),
    platform: Optional[str] = typer.Option(None, "--platform", help="Load this platform of a multi-platform image"),
) -> None:
    body.load(_cli(ctx), input, quiet, platform)


@app.command("import", help="Import the contents from a tarball (or a directory) to create a filesystem image")
def import_(
    ctx: typer.Context,
    file: str = typer.Argument(..., metavar="file|-", help="Tarball, directory, or - for STDIN"),
    reference: Optional[str] = typer.Argument(None, metavar="[REPOSITORY[:TAG]]"),
    change: List[str] = typer.Option([], "--change", "-c", help="Apply Dockerfile instruction to the created image"),
    message: str = typer.Option("", "--message", "-m", help="Set commit message for imported image"),
    platform: Optional[str] = typer.Option(None, "--platform", help="Set platform (os/arch[/variant])"),
) -> None:
    body.import_(_cli(ctx), file, reference, change, message, platform)


@app.command("prune", help="Remove unused images")
def prune(
    ctx: typer.Context,
    all: bool = typer.Option(False, "--all", "-a", help="Remove all unused images, not just dangling ones"),
    force: bool = typer.Option(False, "--force", "-f", help="Do not prompt for confirmation"),
    filter: List[str] = typer.Option([], "--filter", help="Provide filter values (label=, until=)"),
) -> None:
    body.prune(_cli(ctx), all, force, filter)
