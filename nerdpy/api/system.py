"""System use cases: host report, running a command in the namespace."""

from __future__ import annotations

import os

from nerdpy.api.session import enter_namespace
from nerdpy.config import Settings
from nerdpy.errors import CannotInvoke, CommandNotFound, InvalidArgument
from nerdpy.hostinfo import HostReport, host_report
from nerdpy.records import field, record


def info(settings: Settings) -> HostReport:
    return host_report(settings)


def unshare_exec(settings: Settings, argv: list[str]) -> None:
    """Replace this process with `argv` inside the rootless namespace."""
    enter_namespace(settings)
    if not argv:
        argv = [os.environ.get("SHELL", "/bin/sh")]
    os.environ["NERDPY_DATA_ROOT"] = str(settings.layout.data_root)
    try:
        os.execvp(argv[0], argv)
    except FileNotFoundError:
        raise CommandNotFound(f"{argv[0]}: command not found") from None
    except PermissionError:
        raise CannotInvoke(f"{argv[0]}: permission denied") from None
    except OSError as exc:
        raise InvalidArgument(f"{argv[0]}: {exc.strerror}") from None


@record(frozen=False)
class PruneReport:
    containers: list[str] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)  # "untagged: ..." / "deleted: ..." lines
    volumes: list[str] = field(default_factory=list)
    build_cache: list[str] = field(default_factory=list)  # keys of the build cache records removed
    reclaimed: int = 0


def prune(settings: Settings, all_images: bool, volumes: bool, filters: list[str]) -> PruneReport:
    """Docker's `system prune`: stopped containers, unused networks, dangling (or,
    with `all_images`, unused) images, the build cache (with `all_images` its cache
    mounts too), and with `volumes` unused anonymous volumes."""
    from nerdpy.api import containers, images, networks
    from nerdpy.api import volumes as volume_api

    labels = validate_prune_filters(filters)
    enter_namespace(settings)
    report = PruneReport()
    report.containers = containers.prune(settings, tuple(filters))
    report.networks = networks.prune(settings, list(filters))
    if volumes:
        vol = volume_api.prune(settings, labels)
        report.volumes, report.reclaimed = list(vol.deleted), vol.reclaimed
    # Before the images: layers only the build cache still held go with them.
    report.build_cache, freed = _prune_build_cache(settings, all_images, filters)
    report.reclaimed += freed
    events, freed = images.prune(settings, all_images, filters, stale_ingests=True)
    report.images = list(events)
    report.reclaimed += freed
    return report


def _prune_build_cache(settings: Settings, everything: bool, filters: list[str]) -> tuple[list[str], int]:
    from nerdpy.api.prune_filters import parse_prune_filters
    from nerdpy.build.cache import prune

    chosen = parse_prune_filters(filters, "system prune")
    if not chosen.selects(0.0, {}):  # a label= filter: build cache records carry no labels
        return [], 0
    return prune(settings, everything, chosen.until)


def validate_prune_filters(filters: list[str]) -> list[str]:
    """Docker's `system prune` takes `label`, `label!` and `until`; the label ones
    apply to every kind, until to all but volumes. Returns the label filters."""
    labels = []
    for item in filters:
        key = item.split("=", 1)[0]
        if "=" not in item or key not in ("label", "label!", "until"):
            raise InvalidArgument(f"invalid filter {item!r}", hint="system prune takes label=, label!= and until=")
        if key != "until":
            labels.append(item)
    return labels
