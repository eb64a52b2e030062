"""Platforms (`os/arch[/variant]`): parse `--platform`, the host default, matching."""

from __future__ import annotations

import os

from nerdpy.errors import InvalidArgument
from nerdpy.records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

_ARCH_ALIASES = {"x86_64": "amd64", "x86-64": "amd64", "aarch64": "arm64", "armhf": "arm", "armel": "arm",
                 "i386": "386", "i686": "386"}
# Default variants, as containerd normalises them: arm64 means v8; arm means v7.
_DEFAULT_VARIANT = {"arm64": "v8", "arm": "v7"}


@record
class Platform:
    os: str
    architecture: str
    variant: str = ""

    def __str__(self) -> str:
        return format_platform(self)


def normalize(p: Platform) -> Platform:
    arch = _ARCH_ALIASES.get(p.architecture.lower(), p.architecture.lower())
    variant = p.variant.lower()
    if arch == "arm64" and variant in ("8", "v8"):
        variant = ""
    elif variant and not variant.startswith("v") and variant.isdigit():
        variant = "v" + variant
    if arch == "arm" and not variant:
        variant = "v7"
    return Platform((p.os or "linux").lower(), arch, variant)


def format_platform(p: Platform) -> str:
    text = f"{p.os}/{p.architecture}"
    return f"{text}/{p.variant}" if p.variant else text


def parse_platform(text: str) -> Platform:
    """`linux/arm64`, `linux/arm/v7`, `arm64` (os defaults to linux)."""
    parts = [x for x in text.strip().split("/")]
    if not text.strip() or any(not x for x in parts) or len(parts) > 3:
        raise InvalidArgument(f"invalid platform {text!r}", hint="use os/arch[/variant], e.g. linux/amd64")
    if len(parts) == 1:
        parts = ["linux", parts[0]]
    p = normalize(Platform(parts[0], parts[1], parts[2] if len(parts) == 3 else ""))
    if p.os != "linux":
        raise InvalidArgument(f"unsupported platform {text!r}: only linux images run here")
    return p


def host_platform() -> Platform:
    machine = os.uname().machine
    variant = ""
    if machine.startswith("armv"):
        variant, machine = "v" + machine[4], "arm"
    return normalize(Platform("linux", machine, variant))


def platform_of(data: Mapping[str, Any] | None) -> Platform:
    if not data:
        return Platform("", "", "")
    return normalize(Platform(str(data.get("os", "")), str(data.get("architecture", "")), str(data.get("variant", ""))))


def matches(want: Platform, have: Platform) -> bool:
    """Does an image for `have` run where `want` is asked? (variant-less entries match any variant)."""
    want, have = normalize(want), normalize(have)
    if want.os != have.os or want.architecture != have.architecture:
        return False
    return not have.variant or not want.variant or have.variant == want.variant
