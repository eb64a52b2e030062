"""Settings: the one module that reads configuration.

Precedence, lowest first: built-in defaults -> config file (TOML) -> environment
(NERDPY_*) -> command-line flags. Everything else receives a `Settings`.

Config file keys (all optional)::

    data_root = "/path"            storage_driver = "overlay" | "fuse-overlayfs" | "native"
    runtime_root = "/path"         insecure_registries = ["myreg:5000"]
    runtime = "runc"               log_level = "info"
    max_layer_size = 68719476736   (bytes; a layer that unpacks larger is refused: decompression bombs)
    max_layer_ratio = 100          (past max_layer_size/64, a layer unpacks to at most this many times its size; 0: any)
    storage_opts = ["overlay.mountopt=nodev"]   (driver options, as --storage-opt KEY=VALUE)
    registry_mirrors = ["https://mirror.example"]  (docker.io mirrors, in order; Docker's registry-mirrors)

Mirrors of any registry, and insecure registries, also come from podman's registries.conf
(v2 format: [[registry]] with [[registry.mirror]] tables): $CONTAINERS_REGISTRIES_CONF,
else ~/.config/containers/registries.conf, else /etc/containers/registries.conf. A pull
tries the mirrors in order and falls back to the registry when one fails.
"""

from __future__ import annotations

import os
from nerdpy.records import field, record, replace
from pathlib import Path

from nerdpy.errors import InvalidArgument
from nerdpy.paths import Layout, ensure_private_dir, root_layout, rootless_layout

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

# Set when a process already runs inside the rootless namespace (where getuid()
# says 0): the uid/gid of the user who invoked nerdpy, like podman's
# _CONTAINERS_ROOTLESS_UID.
ENV_ROOTLESS_UID = "NERDPY_ROOTLESS_UID"
ENV_ROOTLESS_GID = "NERDPY_ROOTLESS_GID"

STORAGE_DRIVERS = ("overlay", "fuse-overlayfs", "native")
# Storage driver option keys (checked per driver in nerdpy.snapshots.options).
STORAGE_OPT_KEYS = ("overlay.mount_program", "overlay.mountopt", "size")
LOG_LEVELS = ("debug", "info", "warn", "warning", "error", "fatal", "panic")


@record
class Flags:
    """Global flags as given on the command line (None: not given)."""

    debug: bool = False
    data_root: str | None = None
    storage_driver: str | None = None
    insecure_registries: tuple[str, ...] = ()
    log_level: str | None = None
    storage_opts: tuple[str, ...] = ()  # --storage-opt KEY=VALUE, repeatable


@record
class Settings:
    layout: Layout
    rootless: bool
    host_uid: int
    host_gid: int
    debug: bool = False
    log_level: str = "info"
    storage_driver: str | None = None  # None: probe
    insecure_registries: tuple[str, ...] = ()
    runtime: str = "runc"
    storage_opts: tuple[str, ...] = ()  # validated KEY=VALUE entries (nerdpy.snapshots.options reads them)
    extra: Mapping[str, Any] = field(default_factory=dict)
    # Docker's client config dir (registry credentials): $DOCKER_CONFIG or ~/.docker.
    docker_config_dir: Path | None = None
    registry_mirrors: tuple[str, ...] = ()  # docker.io mirrors (URLs), tried in order before it
    # registries.conf candidates, first existing wins (nerdpy.remotes.mirrors reads it).
    registries_conf: tuple[Path, ...] = ()

    @property
    def in_userns(self) -> bool:
        """True when this process already joined the rootless namespace."""
        return self.rootless and os.getuid() == 0


def host_identity(env: Mapping[str, str]) -> tuple[int, int]:
    uid = env.get(ENV_ROOTLESS_UID)
    if uid is not None:
        return int(uid), int(env.get(ENV_ROOTLESS_GID, uid))
    return os.getuid(), os.getgid()


def load_settings(flags: Flags = Flags(), env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    uid, gid = host_identity(env)
    rootless = uid != 0
    layout = rootless_layout(uid, env) if rootless else root_layout()
    values: dict[str, Any] = {}
    values.update(_read_file(Path(env.get("NERDPY_CONFIG", layout.config_file))))
    values.update(_from_env(env))
    values.update(_from_flags(flags))
    layout = Layout(
        data_root=Path(values.pop("data_root", layout.data_root)).expanduser(),
        runtime_root=Path(values.pop("runtime_root", layout.runtime_root)).expanduser(),
        config_dir=layout.config_dir,
    )
    driver = values.pop("storage_driver", None)
    if driver is not None and driver not in STORAGE_DRIVERS:
        raise InvalidArgument(
            f"unknown storage driver {driver!r}", hint=f"use one of: {', '.join(STORAGE_DRIVERS)}"
        )
    level = str(values.pop("log_level", "debug" if flags.debug else "info")).lower()
    if level not in LOG_LEVELS:
        raise InvalidArgument(f"unknown log level {level!r}", hint=f"use one of: {', '.join(LOG_LEVELS)}")
    insecure = tuple(values.pop("insecure_registries", ()))
    storage_opts = _storage_opts(values.pop("storage_opts", ()))
    mirrors = tuple(values.pop("registry_mirrors", ()))
    return Settings(
        layout=layout,
        rootless=rootless,
        host_uid=uid,
        host_gid=gid,
        debug=bool(values.pop("debug", False)),
        log_level=level,
        storage_driver=driver,
        insecure_registries=insecure,
        runtime=str(values.pop("runtime", "runc")),
        storage_opts=storage_opts,
        extra=values,
        docker_config_dir=docker_config_dir(env, uid),
        registry_mirrors=mirrors,
        registries_conf=registries_conf_paths(env, uid),
    )


def registries_conf_paths(env: Mapping[str, str], uid: int) -> tuple[Path, ...]:
    """Where podman looks for registries.conf: the override, else the user's file (which
    replaces the system one when it exists), else the system file."""
    override = env.get("CONTAINERS_REGISTRIES_CONF")
    if override:
        return (Path(override).expanduser(),)
    config_home = env.get("XDG_CONFIG_HOME") or str(_home(env, uid) / ".config")
    return (Path(config_home) / "containers" / "registries.conf", Path("/etc/containers/registries.conf"))


def _storage_opts(entries: Any) -> tuple[str, ...]:
    """KEY=VALUE entries with known keys; an empty entry clears the ones before it (as podman)."""
    out: list[str] = []
    for entry in entries:
        if not entry:
            out.clear()
            continue
        key, eq, _ = entry.partition("=")
        if not eq:
            raise InvalidArgument(f"invalid storage option {entry!r}", hint="use KEY=VALUE")
        if key not in STORAGE_OPT_KEYS:
            raise InvalidArgument(f"unknown storage option {key!r}", hint=f"use one of: {', '.join(STORAGE_OPT_KEYS)}")
        out.append(entry)
    return tuple(out)


def docker_config_dir(env: Mapping[str, str], uid: int) -> Path:
    """Where docker/nerdctl keep config.json: $DOCKER_CONFIG, else ~/.docker of the invoking user."""
    if env.get("DOCKER_CONFIG"):
        return Path(env["DOCKER_CONFIG"]).expanduser()
    return _home(env, uid) / ".docker"


def _home(env: Mapping[str, str], uid: int) -> Path:
    home = env.get("HOME")
    if not home:
        import pwd

        try:
            home = pwd.getpwuid(uid).pw_dir
        except KeyError:
            home = "/"
    return Path(home)


def with_flags(settings: Settings, **changes: Any) -> Settings:
    return replace(settings, **changes)


_LIST_KEYS = ("insecure_registries", "storage_opts", "registry_mirrors")


def _read_file(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise InvalidArgument(f"cannot read config file {path}: {exc.strerror}") from None
    import tomllib  # only paid for when a config file exists

    try:
        data = tomllib.loads(raw.decode())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InvalidArgument(f"invalid config file {path}: {exc}") from None
    known = {"data_root", "runtime_root", "storage_driver", "insecure_registries", "runtime", "log_level", "debug",
             "max_layer_size", "max_layer_ratio", "storage_opts", "registry_mirrors"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise InvalidArgument(f"invalid config file {path}: unknown key {unknown[0]!r}")
    for key in _LIST_KEYS:
        if key in data and not isinstance(data[key], list):
            raise InvalidArgument(f"invalid config file {path}: {key} must be a list")
    # Wrong types would surface later as internal errors (Path(5)) or odd behaviour.
    for key, value in data.items():
        if key in _LIST_KEYS:
            ok, kind = all(isinstance(item, str) for item in value), "a list of strings"
        elif key == "debug":
            ok, kind = isinstance(value, bool), "true or false"
        elif key == "max_layer_size":
            ok, kind = isinstance(value, int) and not isinstance(value, bool) and value > 0, "a positive number of bytes"
        elif key == "max_layer_ratio":
            ok, kind = isinstance(value, int) and not isinstance(value, bool) and value >= 0, "a number (0: no limit)"
        else:
            ok, kind = isinstance(value, str), "a string"
        if not ok:
            raise InvalidArgument(f"invalid config file {path}: {key} must be {kind}")
    return data


_PROXY_VARS = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY")


def _from_env(env: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key in ("data_root", "runtime_root", "storage_driver", "runtime", "log_level"):
        value = env.get(f"NERDPY_{key.upper()}")
        if value:
            values[key] = value
    insecure = env.get("NERDPY_INSECURE_REGISTRY")
    if insecure:
        values["insecure_registries"] = [r for r in insecure.split(",") if r]
    if env.get("NERDPY_DEBUG", "") not in ("", "0", "false"):
        values["debug"] = True
    # Registry proxies, as Docker honours them (nerdpy.remotes.transport applies NO_PROXY).
    proxies = {k: v for k in _PROXY_VARS if (v := env.get(k))}
    if proxies:
        values["proxy_env"] = proxies
    if "NERDPY_STORAGE_OPT" in env:
        values["storage_opts"] = env["NERDPY_STORAGE_OPT"].split("\n")
    if env.get("NERDPY_FAULT"):  # test-only: see fault_point
        values["fault"] = env["NERDPY_FAULT"]
    limit = env.get("NERDPY_MAX_LAYER_SIZE")
    if limit:
        if not limit.isdigit() or int(limit) <= 0:
            raise InvalidArgument(f"invalid NERDPY_MAX_LAYER_SIZE {limit!r}", hint="a positive number of bytes")
        values["max_layer_size"] = int(limit)
    ratio = env.get("NERDPY_MAX_LAYER_RATIO")
    if ratio:
        if not ratio.isdigit():
            raise InvalidArgument(f"invalid NERDPY_MAX_LAYER_RATIO {ratio!r}", hint="a number (0: no limit)")
        values["max_layer_ratio"] = int(ratio)
    return values


def _from_flags(flags: Flags) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if flags.debug:
        values["debug"] = True
    if flags.data_root:
        values["data_root"] = flags.data_root
    if flags.storage_driver:
        values["storage_driver"] = flags.storage_driver
    if flags.insecure_registries:
        values["insecure_registries"] = list(flags.insecure_registries)
    if flags.log_level:
        values["log_level"] = flags.log_level
    if flags.storage_opts:
        values["storage_opts"] = list(flags.storage_opts)
    return values


def fault_point(settings: Settings, step: str) -> None:
    """TEST-ONLY fault injection: with NERDPY_FAULT=<step> in the environment this process
    kills itself (SIGKILL, as a user's kill -9 or an OOM kill would) when it reaches `step`,
    so tests prove that what a killed command leaves behind is reclaimed. Steps of `run -d`:
    run:shim-spawned, run:record-added, run:rootfs-prepared, start:network-up,
    start:rootfs-mounted, start:bundle-written. Never set it outside tests."""
    if settings.extra.get("fault") == step:
        os.kill(os.getpid(), 9)  # SIGKILL by number: `signal` stays off the run path


def prepare_runtime_root(settings: Settings) -> Path:
    """Create the runtime root privately (tightened when an older version left it
    open); the /tmp fallback's parent too."""
    root = settings.layout.runtime_root
    if settings.rootless and root.parent.name.startswith("nerdpy-run-"):
        ensure_private_dir(root.parent)
    return ensure_private_dir(root)
