"""`Image`: one stored image as its record says, manifest and config read from the
content store on first use; and the OCI chain IDs of its layers."""

from __future__ import annotations

import re
from functools import cached_property

from nerdpy.content import Descriptor
from nerdpy.content.store import ContentStore
from nerdpy.digest import sha256_digest
from nerdpy.errors import NerdpyError
from nerdpy.images import manifest as mf
from nerdpy.images.platform import Platform
from nerdpy.records import field, record
from nerdpy.reference import parse

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable


def parse_time(text: str | None) -> float:
    """RFC 3339 (with nanoseconds, as Go writes it) -> epoch seconds; 0 when absent or bad."""
    if not text:
        return 0.0
    from datetime import datetime  # not on the `run` hot path unless a time is parsed

    text = re.sub(r"(\.\d{6})\d+", r"\1", text.strip()).replace("Z", "+00:00")
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        return 0.0


def chain_ids(diff_ids: Iterable[str]) -> list[str]:
    """OCI chain IDs: chain[0] = diff[0]; chain[n] = sha256(chain[n-1] + " " + diff[n])."""
    out: list[str] = []
    for diff_id in diff_ids:
        if out:
            diff_id = sha256_digest(f"{out[-1]} {diff_id}".encode())
        out.append(diff_id)
    return out


@record
class Image:
    """One stored image. Manifest and config are read from the content store on first use."""

    names: tuple[str, ...]
    target: Descriptor
    manifest_descriptor: Descriptor
    id: str
    platform: Platform
    size: int
    labels: dict[str, str]
    stored_at: float
    updated_at: float
    content: ContentStore = field(repr=False, compare=False)

    @property
    def name(self) -> str | None:
        return self.names[0] if self.names else None

    @property
    def dangling(self) -> bool:
        return not self.names

    @cached_property
    def manifest(self) -> mf.Manifest:
        data = self.content.read_bytes(self.manifest_descriptor.digest, mf.MANIFEST_MAX)
        return mf.parse_manifest(data, self.manifest_descriptor.media_type)

    @cached_property
    def config(self) -> dict[str, Any]:
        return mf.parse_config(self.content.read_bytes(self.id, mf.CONFIG_MAX))

    @property
    def layers(self) -> list[Descriptor]:
        return list(self.manifest.layers)

    @property
    def diff_ids(self) -> list[str]:
        return [str(d) for d in self.config["rootfs"]["diff_ids"]]

    @property
    def chain_ids(self) -> list[str]:
        return chain_ids(self.diff_ids)

    @property
    def created(self) -> str:
        """The config's `created` (RFC 3339), as Docker shows it."""
        return str(self.config.get("created") or "")

    @property
    def created_ts(self) -> float:
        try:
            return parse_time(self.config.get("created")) or self.stored_at
        except NerdpyError:  # a damaged config must not break `images` for every other image
            return self.stored_at

    @property
    def short_id(self) -> str:
        return self.id.split(":", 1)[1][:12]

    def repo_digests(self) -> list[str]:
        repos = sorted({_repository(n) for n in self.names})
        return [f"{r}@{self.target.digest}" for r in repos]


def _repository(name: str) -> str:
    ref = parse(name, default_tag=False)
    return ref.name
