"""`build` / `image build` / `buildx build`, `builder prune`, `buildx version|ls|prune`:
flags only (Docker's names); bodies in nerdpy.cli.handlers.build."""


import typer

from nerdpy.cli.handlers import build as body

app = typer.Typer()


def _cli(ctx: typer.Context):
    return ctx.find_root().obj


@app.command("build", help="Build an image from a Dockerfile")
def build(
    ctx: typer.Context,
    context: str = typer.Argument(..., metavar="PATH|-", help="Build context directory, or - for a tar on STDIN"),
    tag: list[str] = typer.Option([], "--tag", "-t", help="Name and optionally a tag (name:tag); repeatable"),
    file: str | None = typer.Option(None, "--file", "-f", help="Name of the Dockerfile (default: PATH/Dockerfile; "
                                       "- reads it from STDIN)"),
    build_arg: list[str] = typer.Option([], "--build-arg", help="Set build-time variables (NAME=VALUE or NAME)"),
    label: list[str] = typer.Option([], "--label", help="Set metadata for an image (KEY=VALUE)"),
    target: str | None = typer.Option(None, "--target", help="Set the target build stage to build"),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not use cache when building the image"),
    no_cache_filter: list[str] = typer.Option([], "--no-cache-filter", help="Do not cache specified stages"),
    pull: bool = typer.Option(False, "--pull", help="Always attempt to pull all referenced images"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Suppress the build output and print image ID on success"),
    iidfile: str | None = typer.Option(None, "--iidfile", help="Write the image ID to the file"),
    progress: str = typer.Option("auto", "--progress", help="Set type of progress output (auto, plain, tty, quiet)"),
    secret: list[str] = typer.Option([], "--secret", help="Secret to expose to the build "
                                     "(id=mysecret[,src=/local/secret] or id=mysecret,env=VAR)"),
    output: list[str] = typer.Option([], "--output", "-o", help="Output destination "
                                     "(type=image|local|tar|oci|docker,dest=path)"),
    platform: str | None = typer.Option(None, "--platform", help="Set target platform for build"),
    network: str = typer.Option("default", "--network", help="Set the networking mode for the RUN instructions "
                                "(default, none, host)"),
    load: bool = typer.Option(False, "--load", help="Shorthand for --output=type=docker (the image is always stored)"),
    push: bool = typer.Option(False, "--push", help="Not supported: push the image with `nerdpy push`"),
    cache_from: list[str] = typer.Option([], "--cache-from", help="Ignored: nerdpy uses its local build cache"),
    cache_to: list[str] = typer.Option([], "--cache-to", help="Ignored: nerdpy uses its local build cache"),
    builder: str | None = typer.Option(None, "--builder", help="Ignored: nerdpy builds in-process"),
    provenance: str | None = typer.Option(None, "--provenance", help="Ignored: no attestations are made"),
    sbom: str | None = typer.Option(None, "--sbom", help="Ignored: no attestations are made"),
    attest: list[str] = typer.Option([], "--attest", help="Ignored: no attestations are made"),
    allow: list[str] = typer.Option([], "--allow", help="Ignored: RUN --network=host and cache mounts need no "
                                    "entitlement here"),
) -> None:
    body.build(_cli(ctx), context, tag, file, build_arg, label, target, no_cache, no_cache_filter, pull, quiet,
               iidfile, progress, secret, output, platform, network, load, push, cache_from, cache_to, builder,
               provenance, sbom, attest, allow)


@app.command("prune", help="Remove build cache")
def prune(
    ctx: typer.Context,
    all: bool = typer.Option(False, "--all", "-a", help="Remove all unused build cache, not just dangling ones"),
    filter: list[str] = typer.Option([], "--filter", help="Provide filter values (until=DURATION)"),
    force: bool = typer.Option(False, "--force", "-f", help="Do not prompt for confirmation"),
) -> None:
    body.prune(_cli(ctx), all, filter, force)


@app.command("version", help="Show buildx version information")
def version(ctx: typer.Context) -> None:
    body.version(_cli(ctx))


@app.command("ls", help="List builder instances")
def ls(ctx: typer.Context) -> None:
    body.ls(_cli(ctx))
