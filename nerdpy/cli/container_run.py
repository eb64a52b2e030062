"""Bodies of `run` and `create` (their flags: nerdpy/cli/table/containers.py)."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager

from nerdpy.cli.state import CliState, entered

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Iterator, List, Optional


def read_env_file(path: str) -> list[str]:
    from nerdpy.errors import InvalidArgument

    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except OSError as exc:
        raise InvalidArgument(f"cannot read env file {path}: {exc.strerror}") from None
    if lines:
        lines[0] = lines[0].removeprefix("\ufeff")
    out = []
    for line in lines:  # Docker's parseKeyValueFile: only leading blanks go, a value is kept as written
        line = line.lstrip()
        if not line or line.startswith("#"):
            continue
        name, eq, value = line.partition("=")
        if any(c in name for c in " \t\n\v\f\r"):
            raise InvalidArgument(f"poorly formatted environment: variable '{name}' contains whitespaces")
        if not name:
            raise InvalidArgument(f"no variable name on line '{line}'")
        out.extend([f"{name}={value}"] if eq else expand_env([name]))
    return out


def expand_env(values: list[str]) -> list[str]:
    """`-e KEY` takes KEY's value from this environment (and is dropped when unset)."""
    out = []
    for item in values:
        if "=" in item:
            out.append(item)
        elif item in os.environ:
            out.append(f"{item}={os.environ[item]}")
    return out


def build_options(image: str, command: list[str], env: list[str], env_file: list[str], labels: list[str],
                  label_file: list[str], rootfs: bool, **create: Any) -> Any:
    """CreateOptions from run/create's flags: every other table row of
    CREATE_FLAGS is named after the CreateOptions field it fills."""
    from nerdpy.api.containers import CreateOptions

    all_env: list[str] = []
    for path in env_file:
        all_env += read_env_file(path)
    all_env += expand_env(env)
    all_labels = list(labels)
    for path in label_file:
        all_labels += read_env_file(path)
    root = image if rootfs else ""
    if "volumes" in create:
        create["volumes"] = absolute_binds(list(create["volumes"]))
    if "mounts" in create:
        create["mounts"] = [absolute_mount_source(spec) for spec in create["mounts"]]
    fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in create.items()}
    return CreateOptions(image="" if rootfs else image, command=tuple(command), env=tuple(all_env),
                         labels=tuple(all_labels), rootfs=root, **fields)


def absolute_binds(volumes: List[str]) -> List[str]:
    """Docker 23+: a `-v` host path of "." or starting with "./" is relative to the cwd."""
    out = []
    for spec in volumes:
        host, sep, rest = spec.partition(":")
        if sep and (host == "." or host.startswith("./")):
            spec = f"{os.path.abspath(host)}:{rest}"
        out.append(spec)
    return out


def absolute_mount_source(spec: str) -> str:
    """Docker 23+: a `--mount` source of "." or starting with "./" is relative to the cwd."""
    import csv
    import io

    try:
        fields = next(csv.reader([spec]), [])
    except csv.Error:
        return spec  # the mount parser reports it
    changed = False
    for i, field in enumerate(fields):
        key, eq, value = field.partition("=")
        if eq and key.strip().lower() in ("source", "src") and (value == "." or value.startswith("./")):
            fields[i], changed = f"{key}={os.path.abspath(value)}", True
    if not changed:
        return spec
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(fields)
    return out.getvalue()


def check_storage_opts(settings: Any, storage_opt: list[str]) -> None:
    if storage_opt:  # checked here: it needs the store's driver
        from nerdpy.api.storage import check_container_storage_opts

        check_container_storage_opts(settings, storage_opt)


def write_cidfile(path: str, container_id: str) -> None:
    from nerdpy.errors import InvalidArgument

    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise InvalidArgument(
            f"container ID file found, make sure the other container isn't running or delete {path}") from None
    with os.fdopen(fd, "w") as handle:
        handle.write(container_id)


@contextmanager
def tool_errors_exit_125() -> Iterator[None]:
    """`docker run`/`create`: every failure of the tool itself exits 125, a missing
    image or network included (elsewhere a missing object exits 1)."""
    from nerdpy.errors import NerdpyError

    try:
        yield
    except NerdpyError as exc:
        if exc.exit_code == 1:
            exc.exit_code = 125
        raise


def _sig_proxy(value: str) -> bool:
    if value == "true":  # the default: `run` does not import the parser
        return True
    from nerdpy.booleans import parse_bool

    return parse_bool(value, "--sig-proxy")


def _pull_view() -> Callable[[Any], None]:
    """An implicit pull's layer lines on stderr, as Docker's; the view is built on the
    first event only, so a run of a present image imports nothing for it."""
    view: list[Callable[[Any], None]] = []

    def show(event: Any) -> None:
        if not view:
            from nerdpy.cli.image_pull import ProgressView

            sys.stdout.flush()
            view.append(ProgressView(sys.stderr, sys.stderr.isatty()))
        view[0](event)
    return show


def _streams(opts: Any) -> tuple[Optional[int], int, int]:
    """The fds the container's stdin, stdout and stderr are attached to: `-a`
    leaves the others out (their output goes to /dev/null, as unattached)."""
    wanted = {a.lower() for a in opts.attach} or {"stdin", "stdout", "stderr"}
    stdin = sys.stdin.fileno() if opts.interactive and "stdin" in wanted else None
    if wanted >= {"stdout", "stderr"}:
        return stdin, sys.stdout.fileno(), sys.stderr.fileno()
    null = os.open(os.devnull, os.O_WRONLY | os.O_CLOEXEC)
    return (stdin, sys.stdout.fileno() if "stdout" in wanted else null,
            sys.stderr.fileno() if "stderr" in wanted else null)


def run(cli: CliState, *, image: str, command: List[str], detach: bool, cidfile: Optional[str], sig_proxy: str,
        detach_keys: str, quiet: bool, storage_opt: List[str], **create: Any) -> int:
    """`create`: the rest of CREATE_FLAGS, for build_options."""
    from nerdpy.api.containers import run as api_run
    from nerdpy.errors import ClientRefused, ContainerExit, InvalidArgument, NotATerminal

    proxy = _sig_proxy(str(sig_proxy))
    opts = build_options(image, command, **create)
    if cidfile and os.path.exists(cidfile):
        raise InvalidArgument(
            f"container ID file found, make sure the other container isn't running or delete {cidfile}")
    if opts.tty and opts.interactive and not detach and not sys.stdin.isatty():
        raise NotATerminal("the input device is not a TTY", hint="drop -t when stdin is not a terminal")
    if opts.attach and detach:  # docker/cli's runContainer returns it plain: exit 1
        raise ClientRefused("conflicting options: cannot specify both --attach and --detach")
    settings = entered(cli)  # the client's own checks come first: they need no namespace
    check_storage_opts(settings, storage_opt)
    stdin, stdout, stderr = _streams(opts)
    sys.stdout.flush()
    with tool_errors_exit_125():
        result = api_run(settings, opts, detach, stdin, stdout, stderr, proxy,
                         on_created=(lambda c: write_cidfile(cidfile, c.id)) if cidfile else None, quiet=quiet,
                         pull_progress=_pull_view(), detach_keys=detach_keys)
    for warning in result.warnings:
        print(f"WARNING: {warning}", file=sys.stderr)
    if detach:
        print(result.container.id)
        return 0
    if result.exit_code is not None:
        raise ContainerExit(result.exit_code)
    return 0


def create(cli: CliState, *, image: str, command: List[str], cidfile: Optional[str], quiet: bool,
           storage_opt: List[str], **create: Any) -> int:
    """`create`: the rest of CREATE_FLAGS, for build_options."""
    from nerdpy.api.containers import create as api_create

    settings = entered(cli)
    check_storage_opts(settings, storage_opt)
    opts = build_options(image, command, **create)

    def notice(line: str) -> None:  # -q keeps the warnings, as Docker's
        if not quiet or line.startswith("WARNING: "):
            print(line, file=sys.stderr, flush=True)

    with tool_errors_exit_125():
        container = api_create(settings, opts, notice, progress=None if quiet else _pull_view())
    if cidfile:
        write_cidfile(cidfile, container.id)
    print(container.id)
    return 0
