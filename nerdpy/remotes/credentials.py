"""Registry credentials in Docker's config.json, shared with docker and nerdctl.

Reads `auths` (base64 "user:password" in `auth`, or `username`/`password`,
or `identitytoken`), `credHelpers` (per-registry helper) and `credsStore`
(default helper); helpers are the `docker-credential-<name>` executables
speaking Docker's get/store/erase protocol on stdin/stdout. Writes keep every
other key, are atomic (temp file + fsync + rename) and mode 0600.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import subprocess
from pathlib import Path
from typing import Any, Callable

from nerdpy.errors import InvalidArgument, NotFound, PermissionDenied, Unavailable
from nerdpy.remotes import DOCKER_HUB, DOCKER_HUB_AUTH_KEY, Credentials

HelperRunner = Callable[[str, str, str], str]  # (helper, action, stdin) -> stdout


def auth_key(registry: str) -> str:
    """The key Docker uses for `registry` in config.json."""
    return DOCKER_HUB_AUTH_KEY if registry == DOCKER_HUB else registry


def _normalise_key(key: str) -> str:
    for prefix in ("https://", "http://"):
        key = key.removeprefix(prefix)
    key = key.split("/", 1)[0]
    return DOCKER_HUB if key in ("index.docker.io", "registry-1.docker.io", "docker.io") else key


def run_helper(helper: str, action: str, data: str) -> str:
    """Run `docker-credential-<helper> <action>`; its stdout. Missing creds -> NotFound."""
    program = f"docker-credential-{helper}"
    try:
        proc = subprocess.run([program, action], input=data, capture_output=True, text=True, timeout=60)
    except (FileNotFoundError, PermissionError):
        # PermissionError: the search met a PATH directory this user cannot read
        # (sudo or runuser keeps root's PATH) before failing to find the program.
        raise Unavailable(f"credential helper {program} not found (or not executable)",
                          hint="install it or remove it from the Docker config.json") from None
    except subprocess.TimeoutExpired:
        raise Unavailable(f"credential helper {program} timed out") from None
    if proc.returncode != 0:
        message = (proc.stdout.strip() or proc.stderr.strip()).splitlines()[:1]
        text = message[0] if message else f"exit status {proc.returncode}"
        if "credentials not found" in text.lower():
            raise NotFound(text)
        raise Unavailable(f"credential helper {program} {action} failed: {text}")
    return proc.stdout


class CredentialStore:
    """Docker-compatible credential storage rooted at one config.json."""

    def __init__(self, path: Path, helper_runner: HelperRunner = run_helper) -> None:
        self.path = path
        self._run = helper_runner

    def _load(self) -> dict[str, Any]:
        try:
            raw = self.path.read_text()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise InvalidArgument(f"cannot read {self.path}: {exc.strerror}") from None
        try:
            data = json.loads(raw) if raw.strip() else {}
        except json.JSONDecodeError as exc:
            raise InvalidArgument(f"invalid Docker config {self.path}: {exc.msg} (line {exc.lineno})") from None
        if not isinstance(data, dict):
            raise InvalidArgument(f"invalid Docker config {self.path}: not a JSON object")
        return data

    def _save(self, data: dict[str, Any]) -> None:
        try:
            self._write(data)
        except OSError as exc:
            raise PermissionDenied(f"cannot write {self.path}: {exc.strerror}",
                                   hint="set DOCKER_CONFIG to a directory you own") from None

    def _write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            with os.fdopen(fd, "w") as f:
                json.dump(data, f, indent="\t")
                f.write("\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def _helper_for(self, data: dict[str, Any], registry: str) -> str | None:
        helpers = data.get("credHelpers") or {}
        for key, helper in helpers.items():
            if _normalise_key(key) == registry and helper:
                return str(helper)
        store = data.get("credsStore")
        return str(store) if store else None

    def _find_auth(self, data: dict[str, Any], registry: str) -> tuple[str, dict[str, Any]] | None:
        auths = data.get("auths") or {}
        if not isinstance(auths, dict):
            raise InvalidArgument(f"invalid Docker config {self.path}: auths must be an object")
        for key, entry in auths.items():
            if _normalise_key(key) == registry and isinstance(entry, dict):
                return key, entry
        return None

    def get(self, registry: str) -> Credentials | None:
        data = self._load()
        helper = self._helper_for(data, registry)
        if helper is not None:
            try:
                out = self._run(helper, "get", auth_key(registry))
            except NotFound:
                return None
            try:
                reply = json.loads(out)
                return Credentials(str(reply["Username"]), str(reply["Secret"]))
            except (ValueError, KeyError, TypeError):
                raise Unavailable(f"credential helper docker-credential-{helper} returned invalid data") from None
        found = self._find_auth(data, registry)
        return None if found is None else _decode_entry(found[1], self.path)

    def store(self, registry: str, creds: Credentials) -> bool:
        """Save `creds`; True when a credential helper holds them (not the file)."""
        data = self._load()
        helper = self._helper_for(data, registry)
        auths = data.setdefault("auths", {})
        if helper is not None:
            payload = {"ServerURL": auth_key(registry), "Username": creds.username, "Secret": creds.secret}
            self._run(helper, "store", json.dumps(payload))
            auths[auth_key(registry)] = {}  # Docker records the registry with an empty entry
        else:
            found = self._find_auth(data, registry)
            if found is not None:
                del auths[found[0]]
            token = base64.b64encode(f"{creds.username}:{creds.secret}".encode()).decode()
            auths[auth_key(registry)] = {"auth": token}
        self._save(data)
        return helper is not None

    def erase(self, registry: str) -> bool:
        """Forget `registry`'s credentials; False when there were none."""
        data = self._load()
        found = self._find_auth(data, registry)
        helper = self._helper_for(data, registry)
        erased = False
        if helper is not None:
            try:
                self._run(helper, "erase", auth_key(registry))
                erased = True
            except NotFound:
                pass
        if found is not None:
            del data["auths"][found[0]]
            self._save(data)
            erased = True
        return erased


def _decode_entry(entry: dict[str, Any], path: Path) -> Credentials | None:
    token = entry.get("identitytoken")
    if token:
        return Credentials("<token>", str(token))
    if entry.get("auth"):
        try:
            user, sep, password = base64.b64decode(str(entry["auth"]), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise InvalidArgument(f"invalid Docker config {path}: undecodable auth entry") from None
        if not sep:
            raise InvalidArgument(f"invalid Docker config {path}: auth entry lacks a password")
        return Credentials(user, password)
    if entry.get("username"):
        return Credentials(str(entry["username"]), str(entry.get("password", "")))
    return None
