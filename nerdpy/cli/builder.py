"""Bodies of `build` (also `image build`, `buildx build`), `builder prune`,
`buildx version|ls|prune`: parse flags into BuildOptions, call nerdpy.api.build, print."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager

from nerdpy.cli.state import CliState
from nerdpy.errors import InvalidArgument

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterator


def _warn(text: str) -> None:
    print(f"WARNING: {text}", file=sys.stderr)


def _kv(items: list[str], what: str, from_env: bool = False, empty: bool = False) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, eq, value = item.partition("=")
        if not key:
            raise InvalidArgument(f"invalid {what}: {item!r}")
        if not eq and empty:  # `--label KEY`: an empty value, as docker
            value = ""
        elif not eq:
            if not from_env:
                raise InvalidArgument(f"invalid {what}: {item!r}: expected KEY=VALUE")
            if key not in os.environ:
                continue  # docker: `--build-arg NAME` with NAME unset passes nothing
            value = os.environ[key]
        out[key] = value
    return out


def _fields(text: str) -> dict[str, str]:
    out = {}
    for part in text.split(","):
        key, eq, value = part.partition("=")
        out[key.strip().lower()] = value.strip() if eq else ""
    return out


def _secrets(items: list[str]):  # -> tuple[Secret, ...]
    from nerdpy.api.build import Secret

    out = []
    for item in items:
        f = _fields(item)
        sid = f.get("id", "")
        if not sid:
            raise InvalidArgument(f"invalid secret {item!r}: id= is required")
        kind = f.get("type") or ("env" if "env" in f or ("src" not in f and "source" not in f and sid in os.environ)
                                 else "file")
        if kind == "env":
            var = f.get("env") or f.get("src") or sid
            if var not in os.environ:
                raise InvalidArgument(f"secret {sid}: environment variable {var} is not set")
            out.append(Secret(sid, env=var, value=os.environ[var].encode()))
        else:
            out.append(Secret(sid, source=f.get("src") or f.get("source") or sid))
    return tuple(out)


def _outputs(items: list[str], load: bool):  # -> tuple[Output, ...]
    from nerdpy.api.build import Output

    out = []
    for item in items:
        if item == "-":
            f = {"type": "tar", "dest": "-"}
        elif "=" not in item:
            f = {"type": "local", "dest": item}
        else:
            f = _fields(item)
        kind = f.get("type", "local")
        if kind == "registry":
            raise InvalidArgument("output type registry is not supported", hint="build, then `nerdpy push`")
        if kind not in ("image", "local", "tar", "oci", "docker"):
            raise InvalidArgument(f"unsupported output type {kind!r}")
        dest = f.get("dest", "")
        stream = sys.stdout.buffer if kind in ("tar", "oci", "docker") and dest in ("", "-") else None
        if stream is not None and sys.stdout.isatty():
            raise InvalidArgument(f"dest file is required for {kind} exporter; refusing to write to console")
        if kind == "docker" and not dest and load:
            continue
        out.append(Output(kind, os.path.abspath(dest) if dest not in ("", "-") else dest, f.get("name", ""), stream))
    return tuple(out)


def build(cli: CliState, *, context: str, tag: list[str] | None, file: str | None,
          build_arg: list[str] | None, label: list[str] | None, target: str | None,
          no_cache: bool, no_cache_filter: list[str] | None, pull: bool, quiet: bool,
          iidfile: str | None, progress: str, secret: list[str] | None,
          output: list[str] | None, platform: str | None, network: str, add_host: list[str] | None,
          load: bool, push: bool, cache_from: list[str] | None,
          cache_to: list[str] | None, builder: str | None, provenance: str | None,
          sbom: str | None, attest: list[str] | None, allow: list[str] | None) -> None:
    with _buildx_exit_codes():
        from nerdpy.api.build import BuildOptions
        from nerdpy.api.build import build as api_build
        from nerdpy.reference import parse

        if push and not tag:
            raise InvalidArgument("tag is needed when pushing to registry")  # buildx's check, before building
        ignored = [flag for flag, value in (("--cache-from", cache_from), ("--cache-to", cache_to),
                                            ("--builder", builder), ("--provenance", provenance), ("--sbom", sbom),
                                            ("--attest", attest), ("--allow", allow)) if value]
        if ignored:
            _warn(f"{', '.join(ignored)} ignored: nerdpy builds in-process, with its local cache and no attestations")
        if progress not in ("auto", "plain", "tty", "quiet", "none"):
            raise InvalidArgument(f"invalid progress mode {progress!r}", hint="use auto, plain, tty or quiet")
        if network not in ("default", "none", "host"):
            raise InvalidArgument(f"network mode {network!r} not supported by build", hint="use default, none or host")
        for name in tag or []:
            parse(name)
        stdin_context = context == "-"
        if file == "-" and stdin_context:
            raise InvalidArgument("invalid argument: can't use stdin for both build context and dockerfile")
        options = BuildOptions(
            context="" if stdin_context else context, dockerfile="" if file in (None, "-") else file,
            dockerfile_text=sys.stdin.read() if file == "-" else None, tags=tuple(tag or ()),
            build_args=_kv(list(build_arg or []), "build-arg", from_env=True), labels=_kv(list(label or []), "label", empty=True),
            target=target or "", no_cache=no_cache, no_cache_filter=tuple(no_cache_filter or ()), pull=pull,
            network=network, add_hosts=tuple(add_host or ()), secrets=_secrets(list(secret or [])), platform=platform or "",
            outputs=_outputs(list(output or []), load), source_date_epoch=_epoch(build_arg or []),
            progress=_progress_mode(quiet, progress))
        emit = None if options.progress == "quiet" else (lambda line: print(line, file=sys.stderr, flush=True))
        result = api_build(cli.settings, options, emit, sys.stdin.buffer if stdin_context else None)
        for warning in result.warnings:
            _warn(warning)
        if iidfile:
            with open(iidfile, "w") as f:
                f.write(result.image_id)
        if quiet:
            print(result.image_id)
        if push:
            _push(cli, list(tag or ()), emit)


@contextmanager
def _buildx_exit_codes() -> Iterator[None]:
    """buildx exits 1 for every failure of the build (a bad option included); only
    flag-parsing errors, caught before the body runs, exit 125."""
    from nerdpy.errors import EXIT_TOOL_ERROR, NerdpyError

    try:
        yield
    except NerdpyError as exc:
        if exc.exit_code == EXIT_TOOL_ERROR:
            exc.exit_code = 1
        raise


def _push(cli: CliState, names: list[str], emit: Any) -> None:
    """`--push`: each tag to its registry once built, as `nerdpy push` would."""
    from nerdpy.api import registry

    for name in names:
        result = registry.push(cli.settings, name)
        if emit is not None:
            emit(f"pushing manifest for {result.reference}@{result.digest} done")


def _progress_mode(quiet: bool, progress: str) -> str:
    if quiet or progress in ("quiet", "none"):
        return "quiet"
    if progress == "tty" or (progress == "auto" and sys.stderr.isatty()):
        return "tty"
    return "plain"


def _epoch(build_args: list[str]) -> int | None:
    value = None
    for item in build_args:
        key, eq, text = item.partition("=")
        if key == "SOURCE_DATE_EPOCH":
            value = text if eq else os.environ.get(key)
    value = value if value is not None else os.environ.get("SOURCE_DATE_EPOCH")
    if value in (None, ""):
        return None
    if not value.isdigit():
        raise InvalidArgument(f"invalid SOURCE_DATE_EPOCH {value!r}: expected seconds since 1970")
    return int(value)


def prune(cli: CliState, *, all: bool, filter: list[str] | None, force: bool) -> None:
    from nerdpy.api.build import prune_cache
    from nerdpy.formatting.human import human_size

    until = None
    for item in filter or []:
        key, _, value = item.partition("=")
        if key != "until":
            raise InvalidArgument(f"invalid filter {item!r}", hint="builder prune supports until=DURATION")
        until = value
    if not force:
        print("WARNING! This will remove all dangling build cache. Are you sure you want to continue? [y/N] ",
              end="", flush=True)
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            return
    removed, freed = prune_cache(cli.settings, all, until)
    print(f"Total:\t{human_size(freed)}" + (f" ({len(removed)} cache records)" if removed else ""))


def version(cli: CliState) -> None:
    from nerdpy import __version__

    print(f"nerdpy buildx (built-in builder) v{__version__}")


def ls(cli: CliState) -> None:
    from nerdpy.api.build import host_platform_name

    print("NAME/NODE     DRIVER/ENDPOINT   STATUS    BUILDKIT   PLATFORMS")
    print("default *     nerdpy")
    print(f" \\_ default   \\_ in-process    running   nerdpy     {host_platform_name()}")
