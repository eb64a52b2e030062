"""`build:` services: their image built with nerdpy's builder (nerdpy.api.build)
when missing, always with `up --build` / `pull_policy: build`, never with
`--no-build`; and `compose build`. The image is `image:` or `<project>-<service>`."""

from __future__ import annotations

import os

from nerdpy.api import build as build_api
from nerdpy.api import images as images_api
from nerdpy.api.errors import NerdpyError, NotFound
from nerdpy_compose.errors import BuildFailed

TYPE_CHECKING = False
if TYPE_CHECKING:
    from nerdpy_compose.normalize import Project
    from nerdpy_compose.ui import Ui

    from nerdpy.api.types import Settings


def image_name(project: Project, name: str) -> str:
    return project.services[name].get("image") or f"{project.name}-{name}"


def options(project: Project, name: str, no_cache: bool = False, pull: bool = False, quiet: bool = False,
            extra_args: dict[str, str | None] | None = None) -> build_api.BuildOptions:
    svc = project.services[name]
    spec = svc["build"]
    context = spec.get("context") or project.working_dir
    dockerfile = spec.get("dockerfile", "")
    if dockerfile and not os.path.isabs(dockerfile):
        dockerfile = os.path.join(context, dockerfile)  # compose: relative to the context
    args = {}
    for key, value in {**(spec.get("args") or {}), **(extra_args or {})}.items():
        if value is None:  # a bare arg takes the project environment's value, or is left out
            value = project.environment.get(key)
        if value is not None:
            args[key] = str(value)
    platforms = spec.get("platforms") or []
    return build_api.BuildOptions(
        context=context, dockerfile=dockerfile, dockerfile_text=spec.get("dockerfile_inline"),
        tags=(image_name(project, name), *spec.get("tags", ())), build_args=args,
        labels={k: str(v) for k, v in (spec.get("labels") or {}).items()}, target=spec.get("target", ""),
        no_cache=bool(spec.get("no_cache")) or no_cache, pull=bool(spec.get("pull")) or pull,
        network=spec.get("network") or "default", platform=svc.get("platform") or (platforms[0] if platforms else ""),
        progress="quiet" if quiet else "plain")


def build_one(settings: Settings, project: Project, name: str, ui: Ui, *, no_cache: bool = False,
              pull: bool = False, quiet: bool = False, extra_args: dict[str, str | None] | None = None) -> None:
    image = image_name(project, name)
    ui.event("Image", image, "Building")
    try:
        result = build_api.build(settings, options(project, name, no_cache, pull, quiet, extra_args),
                                 emit=None if quiet else (lambda line: ui.err(f"#{name} {line}")))
    except NerdpyError as exc:
        raise BuildFailed(exc.message, hint=exc.hint) from None
    for line in result.warnings:
        ui.warn(line)
    ui.event("Image", image, "Built")


def ensure_image(settings: Settings, project: Project, name: str, ui: Ui, policy: str) -> None:
    """Before creating a `build:` service's container: policy "always" (--build),
    "never" (--no-build) or "" (build when the image is missing)."""
    svc = project.services[name]
    if "build" not in svc or policy == "never":
        return
    if policy != "always" and svc.get("pull_policy") != "build":
        try:
            images_api.inspect(settings, image_name(project, name))
            return
        except NotFound:
            pass
        except NerdpyError:
            pass
    build_one(settings, project, name, ui)


def build_services(settings: Settings, project: Project, services: tuple[str, ...], ui: Ui, no_cache: bool,
                   pull: bool, quiet: bool, build_args: dict[str, str | None]) -> int:
    from nerdpy_compose import order

    names = [n for n in order.select(project, services, False) if "build" in project.services[n]]
    for name in names:
        build_one(settings, project, name, ui, no_cache=no_cache, pull=pull, quiet=quiet, extra_args=build_args)
    return 0
