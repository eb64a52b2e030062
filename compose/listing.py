"""`ps`, `top`, `port`, `images`, `ls`, `logs`: what a project runs, from its
containers' labels and state."""

from __future__ import annotations

import json

from nerdpy_compose import labels as L
from nerdpy_compose.attach import LogStreams
from nerdpy_compose.members import Member, members, projects

from nerdpy.api import containers as api
from nerdpy.api.errors import InvalidArgument, NerdpyError, NotFound

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from nerdpy_compose.normalize import Project
    from nerdpy_compose.ui import Ui

    from nerdpy.api.types import Settings


def _publishers(m: Member) -> list[dict[str, Any]]:
    """One per port of the PORTS column, whose groups (`0.0.0.0:8000-8001->8000-8001/tcp`,
    `80-81/tcp`) stand for several."""
    out = []
    for part in filter(None, (p.strip() for p in str(m.row.get("Ports", "")).split(","))):
        host, arrow, inner = part.partition("->")
        target, _, proto = (inner if arrow else host).partition("/")
        url, _, port = host.rpartition(":") if arrow else ("", "", "")
        targets = _span(target)
        for i, number in enumerate(targets):
            published = _span(port)[i] if port else 0
            out.append({"URL": url, "TargetPort": number, "PublishedPort": published, "Protocol": proto})
    return out


def _span(text: str) -> list[int]:
    first, _, last = text.partition("-")
    return list(range(int(first or 0), int(last or first or 0) + 1))


def ps_rows(settings: Settings, project: Project, services: tuple[str, ...], show_all: bool,
            statuses: tuple[str, ...], filters: tuple[str, ...], no_trunc: bool = True) -> list[dict[str, Any]]:
    """The project's containers as docker compose lists them; without `no_trunc` the
    COMMAND is cut to 20 characters as its table shows it."""
    wanted = list(statuses)  # as docker compose: a status no container has matches none, no error
    for f in filters:
        key, eq, value = f.partition("=")
        if not eq:
            raise InvalidArgument("arguments to --filter should be in form KEY=VAL")
        if key != "status":
            raise InvalidArgument(f"unknown filter {key}", hint="compose ps filters on status only")
        wanted.append(value)
    for name in services:
        if name not in project.services:
            raise InvalidArgument(f"no such service: {name}")
    found = members(settings, project.name, services, oneoff=None, include_stopped=show_all or bool(wanted))
    rows = []
    for m in found:
        if wanted and m.status not in wanted:
            continue
        rows.append({
            "ID": m.id[:12], "Name": m.name, "Image": m.image, "Command": _command(m.row.get("Command", ""), no_trunc),
            "Project": project.name, "Service": m.service, "Created": m.row.get("RunningFor", ""),
            "CreatedAt": m.row.get("CreatedAt", ""), "State": m.status, "Status": m.row.get("Status", ""),
            "Health": _health(settings, m), "ExitCode": m.exit_code, "Ports": m.row.get("Ports", ""), "Publishers": _publishers(m),
            "Labels": m.row.get("Labels", ""), "LocalVolumes": "0", "Mounts": m.row.get("Mounts", ""),
            "Networks": m.row.get("Networks", ""), "RunningFor": m.row.get("RunningFor", ""), "Size": "",
        })
    return sorted(rows, key=lambda r: r["Name"])  # docker compose's cmd/compose/ps.go sorts by name


def _health(settings: Settings, m: Member) -> str:
    """State.Health.Status as docker compose reports it: "" without a healthcheck."""
    try:
        return str((api.health(settings, m.id) or {}).get("Status", ""))
    except NotFound:
        return ""  # removed meanwhile


def _command(quoted: str, no_trunc: bool) -> str:
    """Docker's Ellipsis: at most 20 characters, the last one `…`, inside the quotes."""
    inner = quoted[1:-1] if len(quoted) >= 2 and quoted[0] == quoted[-1] == '"' else quoted
    if no_trunc or len(inner) <= 20:
        return quoted
    return f'"{inner[:19]}…"'


def ps_json(rows: list[dict[str, Any]]) -> str:
    return "\n".join(json.dumps(r, separators=(",", ":")) for r in rows)


def top(settings: Settings, project: Project, services: tuple[str, ...]) -> list[tuple[str, list[str], list[list[str]]]]:
    out = []
    for m in members(settings, project.name, services, include_stopped=False):
        header, rows = api.top(settings, m.id)
        out.append((m.name, header, rows))
    return out


def port(settings: Settings, project: Project, service: str, private: str, protocol: str, index: int) -> str:
    """As docker compose's Port: the service's running container (#index, or the
    first), and the container's ports in the error when none is `private`."""
    if not private.isdigit():
        raise InvalidArgument(f'strconv.ParseUint: parsing "{private}": invalid syntax',
                              hint="the protocol goes in --protocol")
    found = [m for m in members(settings, project.name, (service,), include_stopped=False)
             if index <= 0 or m.number == index]
    if not found:
        raise NotFound(f'service "{service}" is not running' + (f" container #{index}" if index > 0 else ""))
    try:
        return api.ports(settings, found[0].id, f"{int(private)}/{protocol.lower()}")[0]
    except NotFound:
        ports = ", ".join(f"{p['TargetPort']}/{p['Protocol']}" for p in _publishers(found[0]))
        raise NotFound(f"no port {int(private)}/{protocol.lower()} for container {found[0].name}: {ports}") from None


def images(settings: Settings, project: Project, services: tuple[str, ...]) -> list[dict[str, Any]]:
    """Each service container's image as docker compose's ImageSummary (v2.30): the whole
    ID (sha256:…), the container, repository, tag and size in bytes."""
    from nerdpy.api import images as images_api

    out = []
    for m in members(settings, project.name, services):
        try:
            info = images_api.inspect(settings, m.image)
        except NerdpyError:
            info = {}
        last = m.image.rsplit("/", 1)[-1]
        repo, tag = (m.image.rsplit(":", 1) if ":" in last else (m.image, "latest"))
        out.append({"ID": str(info.get("Id", "")), "ContainerName": m.name, "Repository": repo, "Tag": tag,
                    "Size": info.get("Size", 0)})
    return out


def ls(settings: Settings, show_all: bool, filters: tuple[str, ...]) -> list[dict[str, str]]:
    names = [f.partition("=")[2] for f in filters if f.startswith("name=")]
    bad = [f for f in filters if not f.startswith("name=")]
    if bad:
        raise InvalidArgument(f"invalid filter {bad[0]!r}: use name=...")
    out = []
    for name, found in sorted(projects(settings, show_all).items()):
        if names and not any(n in name for n in names):
            continue
        counts: dict[str, int] = {}
        for m in found:
            counts[m.status] = counts.get(m.status, 0) + 1
        status = ", ".join(f"{s}({n})" for s, n in sorted(counts.items()))
        files = found[0].labels.get(L.CONFIG_FILES, "")
        out.append({"Name": name, "Status": status, "ConfigFiles": files})
    return out


def logs(settings: Settings, project: Project, services: tuple[str, ...], follow: bool, tail: str, timestamps: bool,
         no_prefix: bool, since: str, index: int, ui: Ui, until: str = "") -> None:
    from nerdpy.api import log_reader as logs_api

    if tail != "all" and not tail.lstrip("-").isdigit():
        raise InvalidArgument(f"invalid --tail {tail!r}: use a number or all")
    count = -1 if tail == "all" or int(tail) < 0 else int(tail)
    since_ns = logs_api.parse_since(since) if since else 0
    until_ns = logs_api.parse_since(until) if until else 0
    for name in services:
        if name not in project.services:
            raise InvalidArgument(f"no such service: {name}")
    found = members(settings, project.name, services, oneoff=None)
    if index:
        found = [m for m in found if m.number == index]
    streams = LogStreams(settings, ui, prefix=not no_prefix, timestamps=timestamps)
    for m in found:
        streams.width = max(streams.width, len(m.short) + 1)
    for m in found:
        streams.add(m, tail=count, follow=follow, since_ns=since_ns, until_ns=until_ns)
    try:
        for m in found:
            thread = streams.threads[m.id]
            while thread.is_alive():
                thread.join(0.2)
    except KeyboardInterrupt:
        return
