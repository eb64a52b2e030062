"""What a compose command is pointed at — files, project directory, name,
environment files, profiles — and how the defaults are found: the process
environment first, then `--env-file`s or the project's `.env` (read before file
discovery, so it may set COMPOSE_FILE, COMPOSE_PROJECT_NAME, COMPOSE_PROFILES,
COMPOSE_PATH_SEPARATOR), then `-f` / COMPOSE_FILE / an upward search for
compose.yaml. Reads files only; the caller passes the environment in."""

from __future__ import annotations

import os

from nerdpy_compose import dotenv
from nerdpy_compose.errors import ConfigError, FileNotFound

from nerdpy.api.types import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

CANDIDATES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
OVERRIDES = ("compose.override.yaml", "compose.override.yml", "docker-compose.override.yaml",
             "docker-compose.override.yml")


@record
class ProjectOptions:
    """The global flags of `nerdpy compose` (docker compose's names)."""

    files: tuple[str, ...] = ()
    project_name: str = ""
    project_directory: str = ""
    env_files: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()
    environ: dict[str, str] = field(default_factory=dict)  # the process environment
    cwd: str = "."
    stdin: Callable[[], str] | None = None  # `-f -`
    interpolate: bool = True


@record
class Sources:
    """The result of discovery: the environment and the files to load."""

    env: dict[str, str]
    files: tuple[str, ...]  # absolute paths, "-" for stdin
    project_dir: str
    env_files: tuple[str, ...]  # the env files that were read


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes", "y", "on")


def read_env_file(path: str, lookup: dict[str, str], warn: Callable[[str], None], raw: bool = False) -> dict[str, str]:
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        return dotenv.parse(text, lookup, None, raw=raw)
    except dotenv.DotenvError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def project_environment(opts: ProjectOptions, base_dir: str, warn: Callable[[str], None]) -> tuple[dict[str, str], tuple[str, ...]]:
    """The interpolation environment: the env files' variables under the process
    environment (which wins, as compose-go's TestEnvVariablePrecedence shows)."""
    environ = dict(opts.environ)
    if opts.env_files:
        paths = tuple(os.path.join(opts.cwd, p) for p in opts.env_files)
    elif _truthy(environ.get("COMPOSE_DISABLE_ENV_FILE")):
        paths = ()
    else:
        default = os.path.join(base_dir, ".env")
        paths = (default,) if os.path.isfile(default) else ()
    merged: dict[str, str] = {}
    for path in paths:
        if os.path.isdir(path):
            raise ConfigError(f"{path}: is a directory, not an env file")
        merged.update(read_env_file(path, {**merged, **environ}, warn))
    return {**merged, **environ}, paths


def discover(opts: ProjectOptions, warn: Callable[[str], None]) -> Sources:
    cwd = os.path.abspath(opts.cwd)
    early_dir = os.path.join(cwd, opts.project_directory) if opts.project_directory else None
    if early_dir is None and opts.files and opts.files[0] != "-":
        early_dir = os.path.dirname(os.path.join(cwd, opts.files[0]))
    env, env_files = project_environment(opts, early_dir or cwd, warn)
    files = _files(opts, env, cwd, os.path.join(cwd, opts.project_directory) if opts.project_directory else cwd, warn)
    if opts.project_directory:
        project_dir = os.path.join(cwd, opts.project_directory)
    elif files[0] == "-":
        project_dir = cwd
    else:
        project_dir = os.path.dirname(files[0])
    if early_dir is None and project_dir != cwd and not opts.env_files:
        env, env_files = project_environment(opts, project_dir, warn)  # the .env beside a found file
    return Sources(env, files, os.path.normpath(project_dir), env_files)


def _files(opts: ProjectOptions, env: dict[str, str], cwd: str, search_from: str,
           warn: Callable[[str], None]) -> tuple[str, ...]:
    """-f and COMPOSE_FILE paths are relative to the cwd; without them the search
    starts in --project-directory (as compose-go's working directory) or the cwd."""
    if opts.files:
        names = list(opts.files)
    elif env.get("COMPOSE_FILE"):
        sep = env.get("COMPOSE_PATH_SEPARATOR") or os.pathsep
        names = [n for n in env["COMPOSE_FILE"].split(sep) if n]
    else:
        return _search(search_from, warn)
    out = []
    for name in names:
        if name == "-":
            out.append("-")
            continue
        path = os.path.normpath(os.path.join(cwd, os.path.expanduser(name)))
        if not os.path.exists(path):
            raise FileNotFound(f"open {path}: no such file or directory")
        out.append(path)
    return tuple(out)


def _search(cwd: str, warn: Callable[[str], None]) -> tuple[str, ...]:
    directory = cwd
    while True:
        found = [n for n in CANDIDATES if os.path.isfile(os.path.join(directory, n))]
        if found:
            if len(found) > 1:
                warn(f"Found multiple config files with supported names: {', '.join(os.path.join(directory, n) for n in found)}")
                warn(f"Using {os.path.join(directory, found[0])}")
            files = [os.path.join(directory, found[0])]
            override = next((n for n in OVERRIDES if os.path.isfile(os.path.join(directory, n))), None)
            if override:
                files.append(os.path.join(directory, override))
            return tuple(files)
        parent = os.path.dirname(directory)
        if parent == directory:
            raise FileNotFound("no configuration file provided: not found")
        directory = parent
