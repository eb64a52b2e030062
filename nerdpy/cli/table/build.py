"""Build commands: build (image build, builder build, buildx build), builder/buildx prune,
buildx version and ls. Bodies: nerdpy.cli.builder."""

from __future__ import annotations

from nerdpy.cli.spec import Command, arg, flag, many, opt

_H = "nerdpy.cli.builder:"

COMMANDS = {c.name: c for c in (
    Command("build", "Build an image from a Dockerfile", _H + "build", (
        arg("context", metavar="PATH|-", help="Build context directory, or - for a tar on STDIN"),
        many("--tag", "-t", help="Name and optionally a tag (name:tag); repeatable"),
        opt("--file", "-f", help="Name of the Dockerfile (default: PATH/Dockerfile; - reads it from STDIN)"),
        many("--build-arg", help="Set build-time variables (NAME=VALUE or NAME)"),
        many("--label", help="Set metadata for an image (KEY=VALUE)"),
        opt("--target", help="Set the target build stage to build"),
        flag("--no-cache", help="Do not use cache when building the image"),
        many("--no-cache-filter", help="Do not cache specified stages"),
        flag("--pull", help="Always attempt to pull all referenced images"),
        flag("--quiet", "-q", help="Suppress the build output and print image ID on success"),
        opt("--iidfile", help="Write the image ID to the file"),
        opt("--progress", help="Set type of progress output (auto, plain, tty, quiet)", default="auto"),
        many("--secret", help="Secret to expose to the build (id=mysecret[,src=/local/secret] or id=mysecret,env=VAR)"),
        many("--output", "-o", help="Output destination (type=image|local|tar|oci|docker,dest=path)"),
        opt("--platform", help="Set target platform for build"),
        opt("--network", help="Set the networking mode for the RUN instructions (default, none, host)", default="default"),
        many("--add-host", help="Add a custom host-to-IP mapping (format: \"host:ip\") for the RUN instructions"),
        flag("--load", help="Shorthand for --output=type=docker (the image is always stored)"),
        flag("--push", help="Push the image to its registry once built (as `nerdpy push` each --tag)"),
        many("--cache-from", help="Ignored: nerdpy uses its local build cache"),
        many("--cache-to", help="Ignored: nerdpy uses its local build cache"),
        opt("--builder", help="Ignored: nerdpy builds in-process"),
        opt("--provenance", help="Ignored: no attestations are made"),
        opt("--sbom", help="Ignored: no attestations are made"),
        many("--attest", help="Ignored: no attestations are made"),
        many("--allow", help="Ignored: RUN --network=host and cache mounts need no entitlement here"),
    )),
    Command("prune", "Remove build cache", _H + "prune", (
        flag("--all", "-a", help="Remove all unused build cache, not just dangling ones"),
        many("--filter", help="Provide filter values (until=DURATION)"),
        flag("--force", "-f", help="Do not prompt for confirmation"),
    )),
    Command("version", "Show buildx version information", _H + "version", ()),
    Command("ls", "List builder instances", _H + "ls", ()),
)}
