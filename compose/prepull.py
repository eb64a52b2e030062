"""Before `up` or `create` makes anything: the images its services lack, pulled
side by side, as docker compose does, so a missing image fails the command (exit
18) before a network or container exists and the pulls overlap."""

from __future__ import annotations

import threading

from nerdpy_compose.errors import PullFailed

from nerdpy.api import images as api_images
from nerdpy.api import registry
from nerdpy.api.errors import NerdpyError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from nerdpy_compose.normalize import Project
    from nerdpy_compose.ui import Ui

    from nerdpy.api.types import Settings

# pull_policy values that pull only a missing image; "always" is left to create.
_WHEN_MISSING = ("missing", "if_not_present")


def missing_images(settings: Settings, project: Project, names: list[str], pull: str) -> dict[str, str]:
    """{image: the first service naming it} for the images to pull now; `pull` is --pull."""
    wanted: dict[str, str] = {}
    for name in names:
        svc = project.services[name]
        image = svc.get("image")
        policy = pull or str(svc.get("pull_policy", "missing"))
        if not image or "build" in svc or policy not in _WHEN_MISSING or image in wanted:
            continue
        try:
            api_images.inspect(settings, image)
        except NerdpyError:
            wanted[image] = name
    return wanted


def pull_missing(settings: Settings, project: Project, names: list[str], ui: Ui, pull: str = "",
                 quiet: bool = False) -> None:
    wanted = missing_images(settings, project, names, pull)
    failures: dict[str, NerdpyError] = {}

    def one(image: str) -> None:
        if not quiet:
            ui.event("Image", image, "Pulling")
        try:
            registry.pull(settings, image, project.services[wanted[image]].get("platform") or None)
        except NerdpyError as exc:
            failures[image] = exc
            return
        if not quiet:
            ui.event("Image", image, "Pulled")

    threads = [threading.Thread(target=one, args=(image,), name=f"pull-{image}") for image in wanted]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for image, exc in failures.items():
        raise PullFailed(f"{wanted[image]}: {exc.message}", hint=exc.hint)
