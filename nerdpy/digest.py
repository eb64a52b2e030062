"""sha256 of small in-memory data without loading OpenSSL.

`import hashlib` loads OpenSSL's libcrypto (~2 ms), which `run` would pay only
to verify an image config of a few KB and to derive chain IDs. CPython's own
sha256 module gives the same digests for that. Streams (layers, blobs) keep
using hashlib: OpenSSL is much faster per byte.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Protocol

    class _Hash(Protocol):  # what _sha256, _sha2 and hashlib's sha256 objects share
        def hexdigest(self) -> str: ...

LARGE = 256 << 10  # above this, OpenSSL's speed outweighs its load time
_impl: Callable[[bytes], _Hash] | None = None


def _sha256() -> Callable[[bytes], _Hash]:
    global _impl
    if _impl is None:
        try:
            from _sha256 import sha256 as impl  # CPython <= 3.11
        except ImportError:
            try:
                from _sha2 import sha256 as impl  # CPython >= 3.12
            except ImportError:
                from hashlib import sha256 as impl
        _impl = impl
    return _impl


def sha256_hex(data: bytes) -> str:
    if len(data) > LARGE:
        import hashlib

        return hashlib.sha256(data).hexdigest()
    return _sha256()(data).hexdigest()


def sha256_digest(data: bytes) -> str:
    """`sha256:<hex>` of `data`, the OCI digest form."""
    return "sha256:" + sha256_hex(data)
