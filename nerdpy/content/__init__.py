"""Content-addressable blob store: its vocabulary (Descriptor, Info) and the store.

A blob is named by the sha256 of its bytes; it becomes visible only after its
digest and size verified (see `nerdpy.content.store` for layout and locking).
"""

from __future__ import annotations

from nerdpy.records import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

DIGEST_ALGORITHM = "sha256"


@record
class Descriptor:
    """An OCI content descriptor: what a manifest says about a blob."""

    media_type: str
    digest: str
    size: int
    annotations: Mapping[str, str] | None = field(default=None, hash=False)
    urls: tuple[str, ...] = ()
    platform: Mapping[str, Any] | None = field(default=None, hash=False)

    def to_json(self) -> dict[str, Any]:
        """The descriptor as OCI JSON (`mediaType`, `digest`, `size`, ...)."""
        out: dict[str, Any] = {"mediaType": self.media_type, "digest": self.digest, "size": self.size}
        if self.annotations:
            out["annotations"] = dict(self.annotations)
        if self.urls:
            out["urls"] = list(self.urls)
        if self.platform:
            out["platform"] = dict(self.platform)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Descriptor":
        """Parse an OCI descriptor; raise DataCorrupted when fields are missing or wrong."""
        from nerdpy.errors import DataCorrupted
        from nerdpy.reference import is_digest

        try:
            media_type, digest, size = data.get("mediaType", ""), data["digest"], data["size"]
        except (KeyError, TypeError, AttributeError):
            raise DataCorrupted("malformed descriptor: digest and size are required") from None
        if not isinstance(digest, str) or not is_digest(digest):
            raise DataCorrupted(f"malformed descriptor: unsupported digest {digest!r}")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise DataCorrupted(f"malformed descriptor: bad size {size!r}")
        annotations = data.get("annotations") or None
        platform = data.get("platform") or None
        urls = tuple(data.get("urls") or ())
        return cls(str(media_type or ""), digest, size, annotations, urls, platform)


@record
class Info:
    digest: str
    size: int
    updated_at: float = 0.0


__all__ = ["Descriptor", "Info", "DIGEST_ALGORITHM"]
