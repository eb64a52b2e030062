"""Service order: which services a command touches (with their dependencies
unless --no-deps) and dependency-first / dependents-first order."""

from __future__ import annotations

from nerdpy_compose.errors import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from nerdpy_compose.normalize import Project


def deps(project: Project, name: str) -> list[str]:
    """Direct dependencies: depends_on plus the implicit ones (network_mode: service:X)."""
    svc = project.services[name]
    out = [d for d in (svc.get("depends_on") or {}) if d in project.services]
    mode = svc.get("network_mode") or ""
    if mode.startswith("service:") and mode[8:] not in out:
        out.append(mode[8:])
    return out


def select(project: Project, wanted: tuple[str, ...] | list[str], with_deps: bool = True) -> list[str]:
    """The services to act on, dependencies first."""
    for name in wanted:
        if name not in project.services:
            raise ConfigError(f"no such service: {name}")
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


def dependents_first(project: Project, names: list[str]) -> list[str]:
    ordered = select(project, names, with_deps=True)
    return [n for n in reversed(ordered) if n in names]
