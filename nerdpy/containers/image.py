"""The image a `create` starts from: the local one, or pulled as `--pull` says with
Docker's lines around the pull; and the platform warnings Docker's daemon gives."""

from __future__ import annotations

import os

from nerdpy.config import Settings
from nerdpy.containers import CreateOptions
from nerdpy.errors import NotFound

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable


def find_image(settings: Settings, opts: CreateOptions, notice: Callable[[str], None] | None = None,
               progress: Callable[[Any], None] | None = None) -> Any:
    """The image (pulled per --pull), or None with --rootfs. `notice` gets Docker's
    lines around a pull ("Unable to find image ... locally", "TAG: Pulling from REPO",
    "Digest: ...", "Status: ..."), `progress` the pull's per-layer events."""
    if opts.rootfs:
        if not os.path.isdir(opts.rootfs):
            raise NotFound(f"rootfs {opts.rootfs!r} is not a directory")
        return None
    from nerdpy.images.store import ImageStore

    store = ImageStore(settings)
    image = store.find(opts.image) if opts.pull != "always" else None
    want = None
    if opts.platform:
        from nerdpy.images.platform import format_platform, matches, parse_platform

        want = parse_platform(opts.platform)
        if image is not None and not matches(want, image.platform):
            if opts.pull == "never":  # Docker's wording
                raise NotFound(f"image with reference {opts.image} was found but does not match the specified "
                               f"platform: wanted {format_platform(want)}, actual: {format_platform(image.platform)}")
            image = None  # the local image is another platform's: pull the one asked for
    if image is None:
        if opts.pull == "never":
            raise NotFound(f"No such image: {opts.image}", hint="pull it first or use --pull missing")
        image = _pull(settings, opts, want, notice, progress)
    return image


def _pull(settings: Settings, opts: CreateOptions, want: Any, notice: Callable[[str], None] | None,
          progress: Callable[[Any], None] | None) -> Any:
    from nerdpy import reference
    from nerdpy.images.progress import silent
    from nerdpy.images.pull import pull

    ref = reference.parse(opts.image)  # a malformed reference fails before any pull line
    if notice is None:
        image = pull(settings, opts.image, want, progress or silent).image
        _pull_event(settings, opts.image)
        return image
    if opts.pull == "missing":
        notice(f"Unable to find image '{ref.familiar()}' locally")  # Docker's: busybox:latest
    header = [f"{ref.digest or ref.tag or 'latest'}: Pulling from {ref.path}"]
    shown = progress or silent

    def first() -> None:  # once the registry answered, as Docker: a failed resolve prints only its error
        try:
            line = header.pop()  # atomic: fetch threads may race here
        except IndexError:
            return
        notice(line)

    def on_event(event: Any) -> None:
        first()
        shown(event)

    result = pull(settings, opts.image, want, on_event)
    _pull_event(settings, opts.image)
    first()
    notice(f"Digest: {result.digest}")
    status = "Image is up to date for" if result.up_to_date else "Downloaded newer image for"
    notice(f"Status: {status} {result.familiar}")
    return result.image


def _pull_event(settings: Settings, image: str) -> None:
    """The `image pull` event, as `nerdpy pull` records it (nerdpy.api.registry)."""
    from nerdpy.events import emit  # here, not at the top: a run without a pull does not import it

    emit(settings.layout.runtime_root, "image", "pull", image, {"name": image})


def creation_warnings(opts: CreateOptions, image: Any) -> list[str]:
    """What Docker's daemon warns about at create (its wording)."""
    out = []
    if "host" in opts.networks and (opts.publish or opts.publish_all):
        out.append("Published ports are discarded when using host network mode")
    if image is not None and not opts.platform:
        from nerdpy.images.platform import format_platform, host_platform, matches

        host = host_platform()
        if image.platform.os and not matches(host, image.platform):
            out.append(f"The requested image's platform ({format_platform(image.platform)}) does not match the "
                       f"detected host platform ({format_platform(host)}) and no specific platform was requested")
    return out
