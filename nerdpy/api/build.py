"""Build use cases: `build` (the CLI's `build`/`buildx build`, compose's `build:`),
the build cache (`builder prune`, `system df`).

`build(settings, BuildOptions(context=..., dockerfile=..., dockerfile_text=...,
tags=..., build_args=..., labels=..., target=..., secrets=(Secret(id, value=b"..."),)),
emit=print_line)` -> BuildResult(image_id, manifest_digest, names, warnings).
A relative `dockerfile` is looked up in the working directory, then in the context
(compose's rule); `dockerfile_text` is an inline Dockerfile (compose's
dockerfile_inline, `build -f -`). Errors: DockerfileSyntaxError / BuildError (exit 1),
InvalidArgument / NotFound for bad options.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
from collections.abc import Callable

from nerdpy.build.options import BuildOptions, BuildResult, Output, Secret
from nerdpy.config import Settings
from nerdpy.errors import InvalidArgument, NotFound
from nerdpy.records import replace

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO

    from nerdpy.images.layers import Reader

__all__ = ["BuildOptions", "BuildResult", "Output", "Secret", "build", "cache_usage", "prune_cache"]


def build(settings: Settings, options: BuildOptions, emit: Callable[[str], None] | None = None,
          context_stream: BinaryIO | None = None) -> BuildResult:
    """Build an image. `context_stream`: stdin of `build -` (a context archive or a Dockerfile).

    Secrets given by `source` are read here (before the rootless namespace is joined).
    """
    from nerdpy.api.session import enter_namespace
    from nerdpy.build.run import build as run_build
    from nerdpy.network.files import parse_add_host

    options = replace(options, secrets=tuple(_read_secret(s) for s in options.secrets))
    for spec in options.add_hosts:  # refused before anything runs, in run's words
        parse_add_host(spec)
    if context_stream is None and not os.path.isdir(options.context):
        # buildx checks the context first, and names it as given
        raise NotFound(f'unable to prepare context: path "{options.context}" not found')
    if options.dockerfile and options.dockerfile_text is None and context_stream is None \
            and not os.path.isabs(options.dockerfile):
        # relative to the working directory (docker build -f), else to the context (compose's `dockerfile:`)
        beside = os.path.join(options.context or ".", options.dockerfile)
        chosen = options.dockerfile if os.path.isfile(options.dockerfile) or not os.path.isfile(beside) else beside
        options = replace(options, dockerfile=os.path.abspath(chosen))
    options = replace(options, context=os.path.abspath(options.context) if options.context else "")
    enter_namespace(settings)
    if context_stream is None:
        return run_build(settings, options, emit)
    return _build_from_stdin(settings, options, emit, context_stream)


def _build_from_stdin(settings: Settings, options: BuildOptions, emit: Callable[[str], None] | None,
                      stream: BinaryIO) -> BuildResult:
    """`build -`: a context archive (`-f` names the Dockerfile inside it), or a Dockerfile
    built with an empty context."""
    from nerdpy.build.run import build as run_build
    from nerdpy.build.stdin import read_stdin

    given = read_stdin(stream)
    if given.archive is None and options.dockerfile:
        raise InvalidArgument("ambiguous Dockerfile source: both stdin and flag correspond to Dockerfiles")
    staging = tempfile.mkdtemp(prefix=f"context-{os.getpid()}-", dir=_scratch(settings))
    try:
        if given.archive is None:
            text = (given.dockerfile or b"").decode("utf-8", "replace")
            return run_build(settings, replace(options, context=staging, dockerfile_text=text), emit)
        _extract(given.archive, staging)
        dockerfile = os.path.join(staging, options.dockerfile or "Dockerfile")
        return run_build(settings, replace(options, context=staging, dockerfile=dockerfile), emit)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _scratch(settings: Settings) -> str:
    path = os.path.join(str(settings.layout.runtime_root), "build")
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def _extract(stream: Reader, target: str) -> None:
    """The context tar through the confined layer applier (no entry lands outside `target`)."""
    from nerdpy.archive.apply import apply_layer
    from nerdpy.errors import NerdpyError

    try:
        apply_layer(stream, target)  # type: ignore[arg-type]  # it only reads
    except (NerdpyError, tarfile.TarError, OSError) as e:
        raise InvalidArgument(f"the build context on stdin is not a usable tar archive: {e}") from None


def _read_secret(secret: Secret) -> Secret:
    if secret.value is not None:
        return secret
    if secret.env:  # the CLI (which may read the environment) fills `value` for env= secrets
        raise NotFound(f"secret {secret.id}: environment variable {secret.env} is not set")
    path = secret.source or secret.id
    try:
        with open(path, "rb") as f:
            return replace(secret, value=f.read())
    except OSError as e:
        raise NotFound(f"secret {secret.id}: cannot read {path}: {e.strerror}") from None


def prune_cache(settings: Settings, everything: bool, until: str | None = None) -> tuple[list[str], int]:
    """`builder prune`: (keys of the cache records removed, bytes of cache mounts freed).

    `until`: a Go duration (`24h`); only records older than that go.
    """
    import time

    from nerdpy.api.session import enter_namespace
    from nerdpy.build.cache import prune
    from nerdpy.build.dockerfile.durations import parse_duration

    cutoff = None
    if until:
        try:
            cutoff = time.time() - parse_duration(until) / 1e9
        except ValueError:
            raise InvalidArgument(f"invalid filter until={until!r}: expected a duration such as 24h") from None
    enter_namespace(settings)
    return prune(settings, everything, cutoff)


def host_platform_name() -> str:
    from nerdpy.images.platform import format_platform, host_platform

    return format_platform(host_platform())


def cache_usage(settings: Settings) -> tuple[int, int]:
    """(cache records, bytes in cache mounts) for `system df`."""
    from nerdpy.build.cache import usage

    return usage(settings)
