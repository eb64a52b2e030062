"""`--change` instructions (Dockerfile syntax) applied to an image config's "config" part.

Supported, as `docker import --change`: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL,
ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR.
"""

from __future__ import annotations

import json
import shlex

from nerdpy.errors import InvalidArgument

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SUPPORTED = ("CMD", "ENTRYPOINT", "ENV", "EXPOSE", "LABEL", "ONBUILD", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR")


def _exec_or_shell(value: str) -> list[str]:
    text = value.strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if isinstance(parsed, list) and all(isinstance(x, str) for x in parsed):
            return parsed
    return ["/bin/sh", "-c", text]


def _pairs(value: str, instruction: str) -> list[tuple[str, str]]:
    try:
        words = shlex.split(value)
    except ValueError as exc:
        raise InvalidArgument(f"{instruction}: {exc}") from None
    if not words:
        raise InvalidArgument(f"{instruction} requires at least one argument")
    if "=" not in words[0]:  # legacy form: ENV KEY value with spaces
        if len(words) < 2:
            raise InvalidArgument(f"{instruction} requires a value: {value!r}")
        return [(words[0], " ".join(words[1:]))]
    out = []
    for word in words:
        key, sep, val = word.partition("=")
        if not sep or not key:
            raise InvalidArgument(f"{instruction}: expected KEY=VALUE, got {word!r}")
        out.append((key, val))
    return out


def apply_change(config: dict[str, Any], change: str) -> None:
    """Apply one instruction to `config` (the image config's "config" object) in place."""
    instruction, _, value = change.strip().partition(" ")
    instruction = instruction.upper()
    value = value.strip()
    if instruction not in SUPPORTED:
        raise InvalidArgument(
            f"{instruction or change!r} is not a valid change command", hint=f"use one of {', '.join(SUPPORTED)}"
        )
    if not value:
        raise InvalidArgument(f"{instruction} requires an argument")
    if instruction in ("CMD", "ENTRYPOINT"):
        config["Cmd" if instruction == "CMD" else "Entrypoint"] = _exec_or_shell(value)
    elif instruction == "ENV":
        env = [e for e in config.get("Env") or []]
        for key, val in _pairs(value, "ENV"):
            env = [e for e in env if e.split("=", 1)[0] != key] + [f"{key}={val}"]
        config["Env"] = env
    elif instruction == "LABEL":
        labels = dict(config.get("Labels") or {})
        labels.update(_pairs(value, "LABEL"))
        config["Labels"] = labels
    elif instruction == "EXPOSE":
        ports = dict(config.get("ExposedPorts") or {})
        for port in value.split():
            number, _, proto = port.partition("/")
            if not number.isdigit() or not 0 < int(number) < 65536 or proto not in ("", "tcp", "udp", "sctp"):
                raise InvalidArgument(f"EXPOSE: invalid port {port!r}")
            ports[f"{int(number)}/{proto or 'tcp'}"] = {}
        config["ExposedPorts"] = ports
    elif instruction == "VOLUME":
        paths = _exec_or_shell(value) if value.startswith("[") else value.split()
        if paths[:2] == ["/bin/sh", "-c"]:
            paths = value.split()
        volumes = dict(config.get("Volumes") or {})
        volumes.update({p: {} for p in paths})
        config["Volumes"] = volumes
    elif instruction == "ONBUILD":
        config["OnBuild"] = [*(config.get("OnBuild") or []), value]
    else:
        key = {"USER": "User", "WORKDIR": "WorkingDir", "STOPSIGNAL": "StopSignal"}[instruction]
        config[key] = value


def apply_changes(config: dict[str, Any], changes: list[str]) -> dict[str, Any]:
    for change in changes:
        apply_change(config, change)
    return config
