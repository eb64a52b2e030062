"""Service order: which services a command touches (with their dependencies
unless --no-deps) and dependency-first / dependents-first order."""

from __future__ import annotations

from nerdpy_compose.errors import NoSuchService

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from nerdpy_compose.normalize import Project


NAMESPACE_KEYS = ("network_mode", "ipc", "pid", "uts", "cgroup")


def shared_with(svc: dict[str, Any]) -> list[str]:
    """The services whose container this one joins (`KEY: service:X`): recreating
    X recreates it."""
    out = []
    for key in NAMESPACE_KEYS:
        mode = str(svc.get(key) or "")
        if mode.startswith("service:") and mode[8:] not in out:
            out.append(mode[8:])
    return out


def volumes_from_service(entry: str, services: dict[str, Any]) -> str:
    """The service a `volumes_from` entry names (`NAME[:ro|rw]`, `service:NAME[...]`),
    or "" for `container:NAME[...]`."""
    head, _, rest = entry.partition(":")
    if head == "container" and rest:
        return ""
    if head == "service" and rest and rest.partition(":")[0] in services:
        return rest.partition(":")[0]
    return head


def implied_deps(svc: dict[str, Any], services: dict[str, Any]) -> list[str]:
    """The dependencies compose-go adds to depends_on: links,
    `network_mode|ipc|pid|uts|cgroup: service:X` and `volumes_from: X`."""
    implied = [*(str(link).partition(":")[0] for link in svc.get("links") or ()), *shared_with(svc),
               *(volumes_from_service(str(v), services) for v in svc.get("volumes_from") or ())]
    return [d for d in dict.fromkeys(implied) if d and d in services]


def deps(project: Project, name: str) -> list[str]:
    """Direct dependencies: depends_on plus the implied ones."""
    svc = project.services[name]
    out = [d for d in (svc.get("depends_on") or {}) if d in project.services]
    return out + [d for d in implied_deps(svc, project.services) if d not in out]


def select(project: Project, wanted: tuple[str, ...] | list[str], with_deps: bool = True) -> list[str]:
    """The services to act on, dependencies first."""
    for name in wanted:
        if name not in project.services:
            raise NoSuchService(f"no such service: {name}")
    roots = list(wanted) or list(project.services)
    seen: list[str] = []

    def visit(name: str) -> None:
        if name in seen:
            return
        if with_deps:
            for dep in deps(project, name):
                visit(dep)
        seen.append(name)

    for name in roots:
        visit(name)
    return seen if with_deps else [n for n in seen if n in roots]


def with_restart_dependents(project: Project, names: tuple[str, ...]) -> tuple[str, ...]:
    """`names` and, transitively, the services depending on one of them with
    `restart: true`: docker compose's `restart SERVICE` restarts those too."""
    out = list(names)
    for name in out:  # grows while walked
        out += [other for other, svc in project.services.items() if other not in out
                and (svc.get("depends_on") or {}).get(name, {}).get("restart")]
    return tuple(out)


def dependents_first(project: Project, names: list[str]) -> list[str]:
    ordered = select(project, names, with_deps=True)
    return [n for n in reversed(ordered) if n in names]
