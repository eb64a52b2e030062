"""Bearer tokens kept between commands, so a later pull need not ask the token server again.

Layout (runtime root, private 0700; files 0600, replaced atomically)::

    <runtime_root>/registry-tokens/<sha256(identity, registry)[:32]>/<sha256(scopes)[:32]>.json
        {"token": "...", "expires": <epoch seconds>}

`identity` is the Docker config file the credentials come from, so another
DOCKER_CONFIG never sees these tokens. One directory per registry so `login`/`logout`
can drop every token of a registry (a token must not outlive its credentials). Only tokens are
stored here, never credentials; they live in the runtime root (tmpfs, per boot).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
import time
from pathlib import Path

_MARGIN_S = 10.0  # a token about to expire is not worth a request that it may fail


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class TokenCache:
    def __init__(self, runtime_root: Path, identity: str = "") -> None:
        self.root = runtime_root / "registry-tokens"
        self.identity = identity

    def _dir(self, registry: str) -> Path:
        return self.root / _key(f"{self.identity}\n{registry}")

    def _path(self, registry: str, scopes: tuple[str, ...]) -> Path:
        return self._dir(registry) / (_key("\n".join(scopes)) + ".json")

    def get(self, registry: str, scopes: tuple[str, ...]) -> tuple[str, float] | None:
        """(token, expiry epoch) while it is still good; None otherwise."""
        try:
            data = json.loads(self._path(registry, scopes).read_bytes())
            token, expires = data["token"], float(data["expires"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not isinstance(token, str) or not token or expires - _MARGIN_S <= time.time():
            return None
        return token, expires

    def put(self, registry: str, scopes: tuple[str, ...], token: str, expires: float) -> None:
        """Best effort: a cache that cannot be written only costs a token request later."""
        path = self._path(registry, scopes)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")  # pull's threads too
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "w") as f:
                json.dump({"token": token, "expires": expires}, f)
            os.replace(tmp, path)
        except OSError:
            try:
                os.unlink(tmp)
            except OSError:
                pass

    def forget(self, registry: str) -> None:
        shutil.rmtree(self._dir(registry), ignore_errors=True)
