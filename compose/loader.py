"""Loading a compose project, in compose-go's order (parsing.md): for each file
parse YAML, interpolate, validate, expand short forms, resolve relative paths,
apply `extends`; then merge the files in order, apply `include`, and normalize
(names, defaults, profiles, environment) in `normalize`. Pure: it reads files
and returns a Project; warnings go to the callback."""

from __future__ import annotations

import os

from nerdpy_compose import merge, paths, schema, yamlio
from nerdpy_compose.errors import ConfigError, at
from nerdpy_compose.interpolate import interpolate
from nerdpy_compose.normalize import Project, normalize
from nerdpy_compose.options import ProjectOptions, discover, project_environment

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

MAX_INCLUDE_DEPTH = 20


def load_project(opts: ProjectOptions, warn: Callable[[str], None], selected: tuple[str, ...] = ()) -> Project:
    """The project `opts` points at; `selected` services enable their profiles."""
    sources = discover(opts, warn)
    env = dict(sources.env)
    texts = {path: opts.stdin() if path == "-" and opts.stdin is not None else _read(path) for path in sources.files}
    if opts.project_name:
        env["COMPOSE_PROJECT_NAME"] = opts.project_name
    elif opts.interpolate and not env.get("COMPOSE_PROJECT_NAME"):
        env["COMPOSE_PROJECT_NAME"] = _name_before_load(texts, env, sources.project_dir)
    ctx = _Context(env, opts.interpolate, warn)
    data: dict[str, Any] = {}
    for path, text in texts.items():
        data = merge.merge_files(data, ctx.load(path, text, sources.project_dir))
    data = _apply_includes(data, ctx, sources.project_dir, opts, 0, sources.files)
    config_files = tuple(f if f != "-" else "-" for f in sources.files)
    return normalize(data, opts, env, sources.project_dir, config_files, sources.env_files, selected, warn)


def _name_before_load(texts: dict[str, str], env: dict[str, str], project_dir: str) -> str:
    """The project name the files will get (the last top-level `name:`, else the
    directory's), known before interpolation so that ${COMPOSE_PROJECT_NAME}
    resolves to it, as compose-go's projectName() arranges."""
    from nerdpy_compose.normalize import normalize_name

    name, source = "", ""
    for path, text in texts.items():
        declared = yamlio.load(text, path).get("name")
        if isinstance(declared, str) and declared:
            name, source = declared, path
    if name:  # warnings about its variables come once, from the load proper
        name = normalize_name(str(interpolate({"name": name}, env, source, lambda _: None)["name"]))
    return name or normalize_name(os.path.basename(project_dir))


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None


class _Context:
    """One project's load: the environment and the files read so far (for extends)."""

    def __init__(self, env: dict[str, str], do_interpolate: bool, warn: Callable[[str], None]) -> None:
        self.env, self.do_interpolate, self.warn = env, do_interpolate, warn
        self.raw: dict[str, dict[str, Any]] = {}

    def parsed(self, path: str, text: str | None, base_dir: str) -> dict[str, Any]:
        """The file interpolated, validated and expanded (before extends), cached by path."""
        key = f"{path}\0{base_dir}"
        if key not in self.raw:
            data = yamlio.load(_read(path) if text is None else text, path)
            if self.do_interpolate:
                data = interpolate(data, self.env, path, self.warn)
            schema.validate(data, path)
            if "version" in data:
                self.warn(f"{path}: the attribute `version` is obsolete, it will be ignored")
                del data["version"]
            services = data.get("services") or {}
            expanded = {name: svc if isinstance(svc, (yamlio.Reset, yamlio.Override)) else
                        merge.expand_service(svc, path, f"services.{name}") for name, svc in services.items()}
            if services or "services" in data:
                data["services"] = {n: paths.resolve_service(s, base_dir) for n, s in expanded.items()}
            paths.resolve_top(data, base_dir)
            self.raw[key] = data
        return self.raw[key]

    def load(self, path: str, text: str | None, base_dir: str) -> dict[str, Any]:
        data = dict(self.parsed(path, text, base_dir))
        services = data.get("services") or {}
        data["services"] = {name: self.extended(path, text, base_dir, name, ()) if isinstance(svc, dict) else svc
                            for name, svc in services.items()}
        return data

    def extended(self, path: str, text: str | None, base_dir: str, name: str,
                 chain: tuple[tuple[str, str], ...]) -> dict[str, Any]:
        """Service `name` of `path` with its `extends` chain applied (base first)."""
        if (path, name) in chain:
            raise at(path, f"services.{name}.extends", "circular reference: " +
                     " -> ".join(f"{n}" for _, n in (*chain, (path, name))))
        services = self.parsed(path, text, base_dir).get("services") or {}
        svc = services.get(name)
        if not isinstance(svc, dict):
            raise at(path, f"services.{name}", "no such service to extend") if chain else at(path, f"services.{name}", "empty")
        ext = svc.get("extends")
        if ext is None:
            return merge.strip_tags(svc) if chain else svc  # tags of a -f file are for merge_files
        spec = {"service": ext} if isinstance(ext, str) else ext
        local = {k: v for k, v in svc.items() if k != "extends"}
        if spec.get("file"):
            file = os.path.normpath(os.path.join(os.path.dirname(path) if path != "-" else base_dir, spec["file"]))
            if not os.path.isfile(file):
                raise at(path, f"services.{name}.extends.file", f"{file}: no such file")
            base = self.extended(file, None, os.path.dirname(file), spec["service"], (*chain, (path, name)))
        else:
            if spec["service"] not in services:
                raise at(path, f"services.{name}.extends", f"service {spec['service']!r} not found")
            base = self.extended(path, text, base_dir, spec["service"], (*chain, (path, name)))
        return merge.merge_service(base, local)


def _apply_includes(data: dict[str, Any], ctx: _Context, project_dir: str, opts: ProjectOptions, depth: int,
                    stack: tuple[str, ...]) -> dict[str, Any]:
    """`include` entries, each loaded as its own project (own directory and .env,
    the including environment winning), added without merging: a resource
    defined twice is an error (compose-go TestLoadWithMultipleIncludeConflict)."""
    includes = data.pop("include", None) or []
    for entry in includes:
        spec = {"path": entry} if isinstance(entry, str) else entry
        files = [os.path.normpath(os.path.join(project_dir, p)) for p in _list(spec["path"])]
        for f in files:
            if f in stack or depth >= MAX_INCLUDE_DEPTH:
                raise ConfigError(f"include cycle detected: {f}")
            if not os.path.isfile(f):
                raise ConfigError(f"include: {f}: no such file")
        sub_dir = os.path.join(project_dir, spec["project_directory"]) if spec.get("project_directory") \
            else os.path.dirname(files[0])
        env_files = tuple(os.path.join(project_dir, p) for p in _list(spec.get("env_file")))
        sub_opts = ProjectOptions(env_files=env_files, environ=ctx.env, cwd=sub_dir)
        sub_env, _ = project_environment(sub_opts, sub_dir, ctx.warn)
        sub_ctx = _Context(sub_env, ctx.do_interpolate, ctx.warn)
        sub: dict[str, Any] = {}
        for f in files:
            sub = merge.merge_files(sub, sub_ctx.load(f, None, sub_dir))
        sub = _apply_includes(sub, sub_ctx, sub_dir, opts, depth + 1, (*stack, *files))
        for kind in ("services", "networks", "volumes", "secrets", "configs"):
            for name, value in (sub.get(kind) or {}).items():
                if data.get(kind) is None:
                    data[kind] = {}
                mine = data[kind]
                if name in mine and mine[name] != value:
                    raise ConfigError(f"{files[0]}: {kind} {name!r} conflicts with an imported resource of the same name")
                mine[name] = value
    return data


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)
