"""Healthcheck configuration (Docker's `Config.Healthcheck`) and the CLI's side
of health state: what `run`/`create` store, what the shim is told, what
`ps`/`inspect` read and `nerdpy healthcheck run` does.

`Config.Healthcheck` is Docker's shape: `Test` (["CMD", ...], ["CMD-SHELL",
"cmd"], ["NONE"]) and `Interval`, `Timeout`, `StartPeriod`, `StartInterval`
in nanoseconds, `Retries`; zero fields are left out (Docker's omitempty) and
take the image's value, then Docker's defaults at run time.
"""

from __future__ import annotations

import os

from nerdpy.errors import InvalidArgument

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000, "s": 1_000_000_000,
          "m": 60_000_000_000, "h": 3_600_000_000_000}
DURATIONS = (("interval", "Interval"), ("timeout", "Timeout"), ("start_period", "StartPeriod"),
             ("start_interval", "StartInterval"))


def parse_go_duration(text: str, flag: str) -> int:
    """Go's time.ParseDuration: "30s", "1m30s", "500ms", "1.5h"; nanoseconds."""
    import re

    text = text.strip()
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    if body in ("0", ""):
        return 0
    parts = re.findall(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)", body)
    if not parts or "".join(n + u for n, u in parts) != body:
        raise InvalidArgument(f'invalid argument "{text}" for "{flag}" flag: time: invalid duration "{text}"')
    return sign * int(sum(float(n) * _UNITS[u] for n, u in parts))


def from_flags(cmd: str | None, interval: str | None, timeout: str | None, start_period: str | None,
               start_interval: str | None, retries: int | None, disabled: bool) -> dict[str, Any] | None:
    """The container's own Healthcheck from the --health-* flags (None: none given)."""
    values = {"interval": interval, "timeout": timeout, "start_period": start_period, "start_interval": start_interval}
    given = cmd or retries or any(values.values())
    if disabled:
        if given:
            raise InvalidArgument("--no-healthcheck conflicts with --health-* options")
        return {"Test": ["NONE"]}
    if not given:
        return None
    out: dict[str, Any] = {"Test": ["CMD-SHELL", cmd]} if cmd else {}
    for key, docker in DURATIONS:
        given_duration = values[key]
        if given_duration:
            nanos = parse_go_duration(given_duration, "--health-" + key.replace("_", "-"))
            if nanos < 0:
                raise InvalidArgument(f"--health-{key.replace('_', '-')} cannot be negative")
            if 0 < nanos < 1_000_000:
                raise InvalidArgument(f"{docker} in Healthcheck cannot be less than 1ms")
            if nanos:
                out[docker] = nanos
    if retries:
        if retries < 0:
            raise InvalidArgument("--health-retries cannot be negative")
        out["Retries"] = retries
    return out


def merge(own: dict[str, Any] | None, image: dict[str, Any] | None) -> dict[str, Any] | None:
    """Docker's merge: unset parts of the container's healthcheck come from the image's."""
    if not own:
        return dict(image) if image else None
    if not image:
        return own
    out = dict(own)
    if not out.get("Test"):
        out["Test"] = list(image.get("Test") or [])
    for key in ("Interval", "Timeout", "StartPeriod", "StartInterval", "Retries"):
        if not out.get(key) and image.get(key):
            out[key] = image[key]
    return out


def probe_args(check: dict[str, Any] | None) -> list[str] | None:
    """The probe's argv, or None when there is no healthcheck to run."""
    test = list((check or {}).get("Test") or [])
    if not test or test[0] == "NONE":
        return None
    if test[0] == "CMD":
        return test[1:] or None
    if test[0] == "CMD-SHELL":
        return ["/bin/sh", "-c", " ".join(test[1:])] if len(test) > 1 else None
    raise InvalidArgument(f"unknown healthcheck type {test[0]!r}", hint="use CMD, CMD-SHELL or NONE")


def shim_settings(check: dict[str, Any]) -> dict[str, Any]:
    """What the shim needs: seconds and retries (zeros: Docker's defaults, applied by the shim)."""
    return {"interval": (check.get("Interval") or 0) / 1e9, "timeout": (check.get("Timeout") or 0) / 1e9,
            "start_period": (check.get("StartPeriod") or 0) / 1e9,
            "start_interval": (check.get("StartInterval") or 0) / 1e9, "retries": int(check.get("Retries") or 0)}


def write_process_file(shim_dir: Any, process: dict[str, Any], args: list[str]) -> None:
    """The probe's runc process file: the container's own process with the check's argv."""
    import json

    from nerdpy.shim.health import PROCESS_FILE

    probe = dict(process, args=args, terminal=False)
    probe.pop("consoleSize", None)
    path = os.path.join(str(shim_dir), PROCESS_FILE)
    fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(probe, handle)
    os.replace(path + ".tmp", path)


def read_health(container_dir: Any) -> dict[str, Any] | None:
    """The stored `State.Health`, or None when there is none yet."""
    from nerdpy.shim.health import HealthFile

    data = HealthFile(str(container_dir)).read()
    return data or None


def status_suffix(health: dict[str, Any] | None) -> str:
    """Docker's ps wording: (healthy), (unhealthy), (health: starting)."""
    status = (health or {}).get("Status")
    if not status:
        return ""
    return " (health: starting)" if status == "starting" else f" ({status})"


def run_once(settings: Any, store: Any, container: Any) -> dict[str, Any]:
    """`healthcheck run`: one probe now, through the same runc exec path and state
    file as the shim's; the probe's result (its ExitCode says healthy or not)."""
    import time

    from nerdpy.containers.lifecycle import runc
    from nerdpy.errors import Conflict
    from nerdpy.logs import parse_time
    from nerdpy.shim import health as shim_health

    check = container.cfg.get("Healthcheck")
    if probe_args(check) is None:
        raise InvalidArgument(f"container {container.name} has no defined healthcheck")
    state = store.state(container.id)
    if state.status != "running":
        raise Conflict(f"container {container.name} is not running")
    cfg = {k: v or shim_health.DEFAULTS[k] for k, v in shim_settings(check).items()}
    shim_dir = str(store.shim_dir(container.id))
    pid_file = os.path.join(shim_dir, f"health-{os.getpid()}.pid")
    runner = runc(settings)
    argv = shim_health.probe_argv(runner.binary, runner.root, container.id, shim_dir, pid_file)
    began = time.time()
    try:
        result = shim_health.run_probe(argv, float(cfg["timeout"]), pid_file)
    finally:
        try:
            os.unlink(pid_file)
        except OSError:
            pass
    in_period = began - parse_time(state.started_at) / 1e9 < float(cfg["start_period"])
    shim_health.HealthFile(str(store.dir(container.id))).update(
        lambda h: shim_health.apply_result(h, result, int(cfg["retries"]), in_period))
    return result
