"""Bodies of `run`, `create` and `ps` without typer (the fast path calls them;
the typer commands in container_run/container_list call them too)."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager

from nerdpy.cli.state import CliState

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterator, List, Optional


def _settings(cli: CliState) -> Any:
    from nerdpy.api.session import enter_namespace

    enter_namespace(cli.settings)
    return cli.settings


def read_env_file(path: str) -> list[str]:
    from nerdpy.errors import InvalidArgument

    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except OSError as exc:
        raise InvalidArgument(f"cannot read env file {path}: {exc.strerror}") from None
    out = []
    for line in lines:
        line = line.strip()
        if line and not line.startswith("#"):
            out.extend(expand_env([line]))
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


def build_options(image: str, command: list[str], **flags) -> Any:
    from nerdpy.containers import CreateOptions

    env: list[str] = []
    for path in flags.pop("env_file"):
        env += read_env_file(path)
    env += expand_env(flags.pop("env"))
    labels = list(flags.pop("label"))
    for path in flags.pop("label_file"):
        labels += read_env_file(path)
    rootfs = image if flags.pop("rootfs") else ""
    if rootfs:
        image = ""
    tupled = {k: tuple(v) if isinstance(v, list) else v for k, v in flags.items()}
    return CreateOptions(image=image, command=tuple(command), env=tuple(env), labels=tuple(labels), rootfs=rootfs, **tupled)


def normalize_flags(
    name: Optional[str], env: List[str], env_file: List[str], workdir: Optional[str], user: Optional[str],
    group_add: List[str], hostname: Optional[str], domainname: Optional[str], tty: bool, interactive: bool,
    rm: bool, label: List[str], label_file: List[str], read_only: bool, tmpfs: List[str], volume: List[str],
    mount: List[str], volumes_from: List[str], network: List[str], publish: List[str], publish_all: bool,
    expose: List[str], dns: List[str], dns_search: List[str], dns_option: List[str], add_host: List[str],
    network_alias: List[str], ip: Optional[str], init: bool, stop_signal: Optional[str],
    stop_timeout: Optional[int], restart: str, pull: str, platform: Optional[str], cap_add: List[str],
    cap_drop: List[str], privileged: bool, security_opt: List[str], ulimit: List[str], shm_size: Optional[str],
    sysctl: List[str], log_driver: str, log_opt: List[str], memory: Optional[str], cpus: Optional[str],
    pids_limit: int, entrypoint: Optional[str], rootfs: bool, annotation: List[str], userns: Optional[str],
    storage_opt: Optional[List[str]] = None,  # checked by check_storage_opts (needs the store's driver)
) -> dict:
    return dict(
        name=name or "", env=env, env_file=env_file, workdir=workdir or "", user=user or "", group_add=group_add,
        hostname=hostname or "", domainname=domainname or "", tty=tty, interactive=interactive, auto_remove=rm,
        label=label, label_file=label_file, read_only=read_only, tmpfs=tmpfs, volumes=volume, mounts=mount,
        volumes_from=volumes_from, networks=network, publish=publish, publish_all=publish_all, expose=expose,
        dns=dns, dns_search=dns_search, dns_options=dns_option, add_hosts=add_host, network_aliases=network_alias,
        ip=ip or "", init=init, stop_signal=stop_signal or "", stop_timeout=stop_timeout, restart=restart,
        pull=pull, platform=platform or "", cap_add=cap_add, cap_drop=cap_drop, privileged=privileged,
        security_opt=security_opt, ulimits=ulimit, shm_size=shm_size or "", sysctls=sysctl,
        log_driver=log_driver, log_opts=log_opt, memory=memory or "", cpus=cpus or "", pids_limit=pids_limit,
        entrypoint=entrypoint, rootfs=rootfs, annotations=annotation, userns=userns or "",
    )


def check_storage_opts(settings: Any, flag_values: dict) -> None:
    if flag_values.get("storage_opt"):
        from nerdpy.api.storage import check_container_storage_opts

        check_container_storage_opts(settings, flag_values["storage_opt"])


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


def run(cli: CliState, image: str, command: Optional[List[str]] = None, detach: bool = False,
        cidfile: Optional[str] = None, sig_proxy: Any = "true", quiet: bool = False, **flag_values: Any) -> int:
    from nerdpy.api.containers import run as api_run
    from nerdpy.errors import ContainerExit, InvalidArgument

    proxy = sig_proxy if isinstance(sig_proxy, bool) else _sig_proxy(str(sig_proxy))
    settings = _settings(cli)
    check_storage_opts(settings, flag_values)
    opts = build_options(image, list(command or []), **normalize_flags(**flag_values))
    if cidfile and os.path.exists(cidfile):
        raise InvalidArgument(
            f"container ID file found, make sure the other container isn't running or delete {cidfile}")
    stdin = sys.stdin.fileno() if opts.interactive else None
    sys.stdout.flush()
    with tool_errors_exit_125():
        result = api_run(settings, opts, detach, stdin, sys.stdout.fileno(), sys.stderr.fileno(), proxy,
                         on_created=(lambda c: write_cidfile(cidfile, c.id)) if cidfile else None)
    for warning in result.warnings:
        print(f"WARNING: {warning}", file=sys.stderr)
    if detach:
        print(result.container.id)
        return 0
    if result.exit_code is not None:
        raise ContainerExit(result.exit_code)
    return 0


def create(cli: CliState, image: str, command: Optional[List[str]] = None, cidfile: Optional[str] = None,
           quiet: bool = False, **flag_values: Any) -> int:
    from nerdpy.api.containers import create as api_create

    settings = _settings(cli)
    check_storage_opts(settings, flag_values)
    opts = build_options(image, list(command or []), **normalize_flags(**flag_values))
    with tool_errors_exit_125():
        container = api_create(settings, opts)
    if cidfile:
        write_cidfile(cidfile, container.id)
    print(container.id)
    return 0


PS_COLUMNS = [("ID", "CONTAINER ID"), ("Image", "IMAGE"), ("Command", "COMMAND"), ("RunningFor", "CREATED"),
              ("Status", "STATUS"), ("Ports", "PORTS"), ("Names", "NAMES")]


def ps(cli: CliState, all: bool = False, quiet: bool = False, last: int = -1, latest: bool = False,
       size: bool = False, no_trunc: bool = False, filter: Optional[List[str]] = None,
       format: Optional[str] = None) -> int:
    from nerdpy.api.containers import list_rows
    from nerdpy.cli.output import print_rows

    settings = _settings(cli)
    rows = list_rows(settings, all, 1 if latest else last, tuple(filter or ()), no_trunc, size)
    columns = PS_COLUMNS + ([("Size", "SIZE")] if size else [])
    lines = print_rows(rows, columns, format, quiet_field="ID", quiet=quiet)
    if lines:
        sys.stdout.write("\n".join(lines) + "\n")
    return 0
