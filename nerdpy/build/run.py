"""Entry point of a build: options in, image (and outputs) out."""

from __future__ import annotations

from collections.abc import Callable

from nerdpy.build.options import BuildOptions, BuildResult
from nerdpy.config import Settings
from nerdpy.errors import InvalidArgument


def build(settings: Settings, options: BuildOptions, emit: Callable[[str], None] | None = None) -> BuildResult:
    """Build `options`; progress lines (BuildKit's plain format) go to `emit`.

    Call inside the rootless namespace. Raises DockerfileSyntaxError / BuildError
    (exit 1) naming the Dockerfile, line and instruction.
    """
    from nerdpy.build.context import context_tree, load_program
    from nerdpy.build.engine import Engine
    from nerdpy.build.progress import Progress

    _check_platform(options.platform)
    prog, _name = load_program(options)
    tree = context_tree(options)
    secrets = {s.id: s.value or b"" for s in options.secrets}
    progress = Progress(emit, options.progress)
    for warning in prog.warnings:
        progress.warn(0, warning)
    if "syntax" in prog.directives:
        progress.warn(0, f"# syntax={prog.directives['syntax']}: nerdpy uses its own Dockerfile frontend")
    try:
        return Engine(settings, options, prog, tree, progress, secrets).run()
    finally:
        progress.close()


def _check_platform(platform: str) -> None:
    if not platform:
        return
    from nerdpy.images.platform import host_platform, matches, parse_platform

    try:
        want = parse_platform(platform)
    except Exception:
        raise InvalidArgument(f"invalid platform {platform!r}") from None
    if not matches(want, host_platform()):
        raise InvalidArgument(f"cannot build for platform {platform}: this host runs "
                              f"{host_platform().os}/{host_platform().architecture} and nerdpy does not emulate "
                              "other architectures", hint="build without --platform, or on a host of that platform")
