"""`up`, `create`, `start`: resources, convergence, `--wait` and the
foreground log view, under the project's lock."""

from __future__ import annotations

import time

from nerdpy_compose import lifecycle, order, resources
from nerdpy_compose.attach import LogStreams, watch
from nerdpy_compose.converge import Converger, Plan, orphans, wait_ready
from nerdpy_compose.lock import ProjectLock
from nerdpy_compose.members import members
from nerdpy_compose.prepull import pull_missing

from nerdpy.api import containers as api
from nerdpy.api.errors import InvalidArgument, NerdpyError
from nerdpy.api.types import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from nerdpy_compose.normalize import Project
    from nerdpy_compose.ui import Ui

    from nerdpy.api.types import Settings


@record
class UpRequest:
    services: tuple[str, ...] = ()
    detach: bool = False
    wait: bool = False
    wait_timeout: int = 0
    force_recreate: bool = False
    no_recreate: bool = False
    recreate_deps: bool = False  # --always-recreate-deps
    renew_anon_volumes: bool = False  # -V
    quiet_pull: bool = False
    attach_dependencies: bool = False
    remove_orphans: bool = False
    abort_on_exit: bool = False
    abort_on_failure: bool = False
    exit_code_from: str = ""
    scale: dict[str, int] = field(default_factory=dict)
    no_deps: bool = False
    timeout: int | None = None
    no_start: bool = False
    attach: tuple[str, ...] = ()
    no_attach: tuple[str, ...] = ()
    no_log_prefix: bool = False
    timestamps: bool = False
    pull: str = ""
    parallel: int = -1
    build: str = ""  # "always" (--build) | "never" (--no-build) | ""


def check(req: UpRequest) -> UpRequest:
    """docker compose's flag rules (cmd/compose/up.go validateFlags)."""
    from nerdpy.api.types import replace

    if req.exit_code_from:
        req = replace(req, abort_on_exit=True)
    if req.wait:
        req = replace(req, detach=True)
    if req.detach and (req.abort_on_exit or req.abort_on_failure):
        raise InvalidArgument("--abort-on-container-exit and --abort-on-container-failure cannot be combined "
                              "with --detach or --wait")
    if req.abort_on_exit and req.abort_on_failure:
        raise InvalidArgument("--abort-on-container-exit and --abort-on-container-failure cannot be combined")
    if req.force_recreate and req.no_recreate:
        raise InvalidArgument("--force-recreate and --no-recreate are incompatible")
    if req.recreate_deps and req.no_recreate:
        raise InvalidArgument("--always-recreate-deps and --no-recreate are incompatible")
    if req.attach_dependencies and req.detach:
        raise InvalidArgument("--attach-dependencies cannot be combined with --detach or --wait")
    if req.build and req.build not in ("always", "never"):
        raise InvalidArgument("--build and --no-build are incompatible")
    if req.pull not in ("", "always", "missing", "never"):
        raise InvalidArgument(f"invalid --pull {req.pull!r}: use always, missing or never")
    return req


def up(settings: Settings, project: Project, req: UpRequest, ui: Ui) -> int:
    req = check(req)
    for name in req.scale:
        if name not in project.services:
            raise InvalidArgument(f"no such service: {name}")
    if req.exit_code_from and req.exit_code_from not in project.services:
        raise InvalidArgument(f"no such service: {req.exit_code_from}")
    names = order.select(project, req.services, not req.no_deps)
    plan = Plan(force_recreate=req.force_recreate, no_recreate=req.no_recreate, recreate_deps=req.recreate_deps,
                selected=req.services, inherit=not req.renew_anon_volumes, quiet_pull=req.quiet_pull,
                no_start=req.no_start, scale=dict(req.scale), timeout=req.timeout, pull=req.pull, build=req.build,
                parallel=req.parallel)
    began_ns = time.time_ns()
    with ProjectLock(settings, project.name):
        pull_missing(settings, project, names, ui, req.pull, req.quiet_pull)
        _orphans(settings, project, req.remove_orphans, ui)
        resources.ensure(settings, project, names, ui)
        Converger(settings, project, plan, ui).run(names)
    if req.no_start:
        return 0
    if req.wait:
        wait_ready(settings, project, names, ui, float(req.wait_timeout))
        return 0
    if req.detach:
        return 0
    return _foreground(settings, project, req, names, ui, began_ns)


def env_true(value: str) -> bool:
    """docker compose's utils.StringToBool, for its COMPOSE_* switches: y, or Go's ParseBool true."""
    return value.strip().lower() in ("y", "1", "t", "true")


def _orphans(settings: Settings, project: Project, remove: bool, ui: Ui) -> None:
    # COMPOSE_IGNORE_ORPHANS (the shell or .env) silences the warning, as docker compose.
    ignore = env_true(project.environment.get("COMPOSE_IGNORE_ORPHANS", ""))
    if ignore and remove:
        raise InvalidArgument("cannot combine COMPOSE_IGNORE_ORPHANS and --remove-orphans")
    found = orphans(settings, project)
    if found and not remove and not ignore:
        ui.warn(f"Found orphan containers ({', '.join(m.name for m in found)}) for this project. If you removed or "
                "renamed this service in your compose file, you can run this command with the --remove-orphans flag "
                "to clean it up.")
    for m in found if remove else []:
        ui.event("Container", m.name, "Removing")
        api.remove(settings, m.id, True, False)
        ui.event("Container", m.name, "Removed")


def _foreground(settings: Settings, project: Project, req: UpRequest, names: list[str], ui: Ui,
                began_ns: int) -> int:
    """The containers' output since this `up` began: docker compose attaches, so a
    container's earlier runs are not replayed."""
    # As docker compose: the services named (all when none is), with their dependencies
    # under --attach-dependencies, less those with `attach: false`; or --attach's.
    default = req.services if req.services and not req.attach_dependencies else names
    attached = req.attach or [n for n in default if project.services[n].get("attach", True) is not False]
    shown = [n for n in attached if n not in req.no_attach]
    streams = LogStreams(settings, ui, prefix=not req.no_log_prefix, timestamps=req.timestamps)
    everything = members(settings, project.name, tuple(names))
    # As docker compose: sorted by name, each without its project (`web-1`).
    ui.out("Attaching to " + ", ".join(m.short for m in sorted(everything, key=lambda m: m.name) if m.service in shown))
    for m in everything:
        if m.service in shown:
            streams.add(m, tail=-1, since_ns=began_ns)

    def stop_all(force: bool) -> None:
        if not force:  # dependents first, replicas together, as `stop` does
            lifecycle.stop(settings, project, tuple(names), req.timeout, ui)
            return
        for m in reversed(everything):
            try:
                api.kill(settings, m.id, "KILL")
            except NerdpyError:
                continue

    completions = frozenset(d for n in names for d, spec in (project.services[n].get("depends_on") or {}).items()
                            if spec["condition"] == "service_completed_successfully")
    return watch(settings, ui, everything, streams, stop_all, req.abort_on_exit, req.abort_on_failure,
                 req.exit_code_from, completions)


def create(settings: Settings, project: Project, services: tuple[str, ...], plan: Plan, ui: Ui) -> None:
    from nerdpy.api.types import replace

    names = order.select(project, services, True)
    with ProjectLock(settings, project.name):
        pull_missing(settings, project, names, ui, plan.pull, plan.quiet_pull)
        resources.ensure(settings, project, names, ui)
        Converger(settings, project, replace(plan, no_start=True), ui).run(names)


def start(settings: Settings, project: Project, services: tuple[str, ...], ui: Ui) -> None:
    """Start existing containers, dependencies first (with their conditions)."""
    from nerdpy_compose.converge import wait_condition

    names = order.select(project, services, True)
    for name in names:
        for dep in order.deps(project, name):
            spec = (project.services[name].get("depends_on") or {}).get(dep, {"condition": "service_started"})
            wait_condition(settings, project, dep, spec["condition"], ui)
        for m in members(settings, project.name, (name,)):
            if m.running:
                continue
            ui.event("Container", m.name, "Starting")
            api.start(settings, m.id, False, False, None, ui.out_fd, ui.err_fd)
            ui.event("Container", m.name, "Started")
