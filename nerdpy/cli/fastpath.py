"""A typer-free path for hot commands (`run`, `ps`, ...): `import typer` alone
costs ~50 ms, a third of podman's whole `run`.

The argv grammar is still typer's: `_argspec.json` is generated from the typer
definitions (`python -m nerdpy.cli.fastpath`; a unit test fails on drift). This
module parses argv against it the way click does for the common forms, then
calls the command's implementation function directly. Anything it is not sure
about — `--help`, an unknown flag, a bad value, a missing argument — returns
None and the caller falls back to typer, which prints the proper message.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Sequence

SPEC_PATH = Path(__file__).with_name("_argspec.json")


class _Fallback(Exception):
    """The fast parser declines; typer handles this argv."""


def _convert(param: dict, raw: str) -> Any:
    kind = param["type"]
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
    except ValueError:
        raise _Fallback from None
    if kind == "choice" and raw not in param["choices"]:
        raise _Fallback
    if kind not in ("str", "int", "float", "choice"):
        raise _Fallback
    return raw


def _option_index(params: list[dict]) -> dict[str, dict]:
    index = {}
    for p in params:
        if p["kind"] == "option":
            for opt in p["opts"]:
                index[opt] = p
    return index


def parse(spec: dict, args: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
    """Parse `args` for one command: (values by parameter name, leftover args)."""
    params = spec["params"]
    options = _option_index(params)
    values: dict[str, Any] = {}
    positional: list[str] = []
    interspersed = spec["interspersed"]
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if positional and not interspersed:
            positional.append(arg)
            continue
        if arg == "--":
            positional.extend(args[i:])
            break
        if arg in ("-h", "--help"):
            raise _Fallback
        if arg.startswith("--") and len(arg) > 2:
            name, eq, inline = arg.partition("=")
            param = options.get(name)
            if param is None:
                raise _Fallback
            if param["flag"]:
                if eq:
                    raise _Fallback
                values[param["name"]] = True
                continue
            if not eq:
                if i >= len(args):
                    raise _Fallback
                inline = args[i]
                i += 1
            _store(values, param, inline)
        elif arg.startswith("-") and len(arg) > 1:
            i = _short_cluster(arg, args, i, options, values)
        else:
            positional.append(arg)
    return values, positional


def _short_cluster(arg: str, args: Sequence[str], i: int, options: dict, values: dict) -> int:
    """`-it`, `-p8080:80`, `-p 8080:80`: click's rules for short options."""
    pos = 1
    while pos < len(arg):
        param = options.get("-" + arg[pos])
        if param is None:
            raise _Fallback
        pos += 1
        if param["flag"]:
            values[param["name"]] = True
            continue
        if pos < len(arg):
            _store(values, param, arg[pos:])
        else:
            if i >= len(args):
                raise _Fallback
            _store(values, param, args[i])
            i += 1
        break
    return i


def _store(values: dict, param: dict, raw: str) -> None:
    value = _convert(param, raw)
    if param["multiple"]:
        values.setdefault(param["name"], []).append(value)
    else:
        values[param["name"]] = value


def bind(spec: dict, values: dict[str, Any], positional: list[str]) -> dict[str, Any]:
    """Assign positionals to arguments and fill defaults, as typer would."""
    kwargs: dict[str, Any] = {}
    rest = list(positional)
    for p in spec["params"]:
        if p["kind"] == "argument":
            if p["nargs"] == -1:
                taken, rest = rest, []
                kwargs[p["name"]] = [_convert(p, a) for a in taken] or p["default"]
            elif rest:
                kwargs[p["name"]] = _convert(p, rest.pop(0))
            elif p["required"]:
                raise _Fallback
            else:
                kwargs[p["name"]] = p["default"]
        else:
            if p["name"] in values:
                kwargs[p["name"]] = values[p["name"]]
            elif p["required"]:
                raise _Fallback
            else:
                default = p["default"]
                kwargs[p["name"]] = list(default) if isinstance(default, list) else default
    if rest:
        raise _Fallback
    return kwargs


def _load_spec() -> dict:
    return json.loads(SPEC_PATH.read_text())


def try_run(argv: Sequence[str]) -> int | None:
    """Run a hot command without typer; None when typer must handle argv."""
    try:
        spec = _load_spec()
    except (OSError, ValueError):
        return None
    try:
        global_values, rest = _split_globals(spec["root"], argv)
        command = spec["commands"].get(rest[0]) if rest else None
        if command is None:
            return None
        values, positional = parse(command, rest[1:])
        kwargs = bind(command, values, positional)
    except _Fallback:
        return None
    if global_values.get("version"):
        return None
    impl = _resolve(command["impl"])
    from nerdpy.cli.state import CliState
    from nerdpy.config import Flags, load_settings

    flags = Flags(
        bool(global_values.get("debug", False)),
        global_values.get("data_root"),
        global_values.get("storage_driver"),
        tuple(global_values.get("insecure_registry", ())),
        global_values.get("log_level"),
        tuple(global_values.get("storage_opt", ())),
    )
    result = impl(CliState(load_settings(flags)), **kwargs)
    return result if isinstance(result, int) else 0


def _split_globals(root: dict, argv: Sequence[str]) -> tuple[dict, list[str]]:
    """Global flags come before the command name."""
    options = _option_index(root["params"])
    values: dict[str, Any] = {}
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        arg = argv[i]
        name, eq, inline = arg.partition("=")
        param = options.get(name)
        if param is None:
            raise _Fallback
        i += 1
        if param["flag"]:
            values[param["name"]] = True
        else:
            if not eq:
                if i >= len(argv):
                    raise _Fallback
                inline = argv[i]
                i += 1
            _store(values, param, inline)
    return values, list(argv[i:])


def _resolve(target: str) -> Callable[..., Any]:
    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr)


# --- generation (development time; imports typer) ---------------------------


_TYPE_NAMES = {"text": "str", "str": "str", "integer": "int", "int": "int", "float": "float",
               "boolean": "bool", "bool": "bool", "choice": "choice"}


def describe(command: Any, context_settings: dict | None = None) -> dict:
    settings = dict(getattr(command, "context_settings", None) or {})
    settings.update(context_settings or {})
    params = []
    for p in command.params:
        if p.name == "ctx":
            continue
        type_name = _TYPE_NAMES.get(getattr(p.type, "name", ""), "unsupported")
        entry = {
            "name": p.name,
            "kind": p.param_type_name,
            "opts": list(p.opts) + list(p.secondary_opts),
            "flag": bool(getattr(p, "is_flag", False)),
            "multiple": bool(getattr(p, "multiple", False)),
            "nargs": p.nargs,
            "type": type_name,
            "choices": list(getattr(p.type, "choices", []) or []),
            "default": _json_default(p.default),
            "required": bool(p.required),
        }
        if p.secondary_opts or getattr(p, "count", False):
            entry["type"] = "unsupported"
        params.append(entry)
    return {"params": params, "interspersed": settings.get("allow_interspersed_args", True)}


def _json_default(value: Any) -> Any:
    if callable(value):
        return None
    if isinstance(value, tuple):
        return list(value)
    return value


def generate() -> dict:
    import typer.main

    from nerdpy.cli.lazy import load_command
    from nerdpy.cli.main import build_app
    from nerdpy.cli.registry import TOP

    root = typer.main.get_command(build_app())
    commands = {}
    for name, entry in sorted(TOP.items()):
        if entry.fast is None:
            continue
        commands[name] = describe(load_command(entry.target, name))
        commands[name]["impl"] = entry.fast
    return {"root": describe(root), "commands": commands}


def render() -> str:
    return json.dumps(generate(), indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    SPEC_PATH.write_text(render())
