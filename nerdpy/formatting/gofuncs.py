"""Go template values and functions: how values print (Go's fmt), truthiness,
field lookup, and the function table (Go's builtins plus Docker's additions)."""

from __future__ import annotations

import json
import re

from nerdpy.errors import TemplateError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable


def _err(message: str) -> TemplateError:
    return TemplateError(f"template parsing error: template: {message}")  # Docker's words, run errors too


class _NoValue:
    """A missing map key, which Go prints as `<no value>`."""

    def __bool__(self) -> bool:
        return False


NO_VALUE = _NoValue()


class _NilList(list):
    """A JSON null where Docker's Go type is a slice: Go prints `[]` (json: null)."""


class _NilMap(dict):
    """A JSON null where Docker's Go type is a map: Go prints `map[]` (json: null)."""


class _StringMap(dict):
    """A Go map[string]string (Labels, Options): `index` of a missing key is its zero value
    "", where a field lookup (`.Labels.k`) still prints `<no value>`."""


class _NilStringMap(_NilMap, _StringMap):
    """A JSON null where Docker's Go type is a map[string]string."""


class _NilPointer:
    """A JSON null where Docker's Go type is a pointer: Go prints `<nil>`."""

    def __bool__(self) -> bool:
        return False


NIL_POINTER = _NilPointer()
# Fields of Docker's inspect and list types, by their Go kind: a null there is a typed nil.
_SLICE_FIELDS = frozenset((
    "Env", "Cmd", "Entrypoint", "OnBuild", "Shell", "Binds", "Dns", "DnsOptions", "DnsSearch", "ExtraHosts",
    "CapAdd", "CapDrop", "Links", "Aliases", "DNSNames", "SecurityOpt", "GroupAdd", "VolumesFrom", "Devices",
    "DeviceRequests", "DeviceCgroupRules", "Ulimits", "MaskedPaths", "ReadonlyPaths", "RepoTags", "RepoDigests",
    "Layers", "Mounts", "Args"))
_MAP_FIELDS = frozenset((
    "Labels", "Volumes", "ExposedPorts", "Ports", "PortBindings", "Options", "Networks", "Sysctls", "StorageOpt",
    "Tmpfs", "DriverOpts", "Data", "Containers"))
_POINTER_FIELDS = frozenset(("Healthcheck", "Health", "IPAMConfig"))
_STRING_MAP_FIELDS = frozenset(("Labels", "Options", "DriverOpts", "Sysctls", "StorageOpt", "Tmpfs", "Data"))


def _typed_nil(name: str) -> Any:
    if name in _STRING_MAP_FIELDS:
        return _NilStringMap()
    if name in _SLICE_FIELDS:
        return _NilList()
    if name in _MAP_FIELDS:
        return _NilMap()
    return NIL_POINTER if name in _POINTER_FIELDS else None


def _typed(name: str, found: Any) -> Any:
    if found is None:
        return _typed_nil(name)
    if name in _STRING_MAP_FIELDS and type(found) is dict:
        return _StringMap(found)
    return found


def _lookup(value: Any, name: str) -> Any:
    if isinstance(value, dict):
        if name in value:
            return _typed(name, value[name])
        for key in value:
            if isinstance(key, str) and key.lower() == name.lower():
                return _typed(key, value[key])
        typed = _typed_nil(name)  # a field Docker's JSON omits when empty (omitempty)
        if typed is not None:
            return typed
        if type(value) is not dict and not name.startswith("_") and hasattr(value, name):
            return getattr(value, name)  # a method of a row type, e.g. `.Label "key"`
        return NO_VALUE
    if value is None or value is NO_VALUE:
        return NO_VALUE
    if hasattr(value, name):
        return getattr(value, name)
    for candidate in dir(value):
        if candidate.lower() == name.lower() and not candidate.startswith("_"):
            return getattr(value, candidate)
    raise _err(f"can't evaluate field {name} in type {type(value).__name__}")


def to_text(value: Any) -> str:
    """Go's fmt %v for JSON-like values."""
    if value is NO_VALUE or value is None:
        return "<no value>"
    if value is NIL_POINTER:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + " ".join(to_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{to_text(v)}" for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))) + "]"
    return str(value)


def to_json(value: Any) -> str:
    """docker/cli's `json` template function: a json.Encoder with SetEscapeHTML(false),
    so `<`, `>`, `&` and non-ASCII text come out as they are; compact."""
    if value is NO_VALUE or value is NIL_POINTER or isinstance(value, (_NilList, _NilMap)):
        value = None
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False,
                      default=lambda o: getattr(o, "__dict__", str(o)))


_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
               "\v": "\\v", '"': '\\"', "\\": "\\\\"}


def go_quote(text: str) -> str:
    """Go's strconv.Quote: double quotes, `"` and `\\` escaped, control characters as Go spells them."""
    out = []
    for ch in text:
        if ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x80 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def truth(value: Any) -> bool:
    if value is NO_VALUE or value is None or value is NIL_POINTER:
        return False
    if isinstance(value, (bool, int, float, str, list, tuple, dict)):
        return bool(value)
    return True


def _index(value: Any, *keys: Any) -> Any:
    for key in keys:
        if value is None or value is NO_VALUE:
            raise _err("index of untyped nil")
        if isinstance(value, dict):
            value = value.get(key, "" if isinstance(value, _StringMap) else NO_VALUE)
        else:
            try:
                value = value[int(key)]
            except (IndexError, ValueError, TypeError):
                raise _err(f"error calling index: index out of range: {key}") from None
    return value


def _printf(fmt: str, *args: Any) -> str:
    converted = re.sub(r"%[-+# 0-9.]*v", "%s", fmt).replace("%q", '"%s"')
    values = tuple(a if isinstance(a, (int, float)) and not isinstance(a, bool) else to_text(a) for a in args)
    try:
        return converted % values
    except (TypeError, ValueError) as exc:
        raise _err(f"printf: {exc}") from None


def _and(*args: Any) -> Any:
    for a in args:
        if not truth(a):
            return a
    return args[-1]


def _or(*args: Any) -> Any:
    for a in args:
        if truth(a):
            return a
    return args[-1]


def _cmp(op: Callable[[Any, Any], bool]) -> Callable[..., bool]:
    def compare(a: Any, *others: Any) -> bool:
        try:
            return any(op(a, b) for b in others) if op is _eq else all(op(a, b) for b in others)
        except TypeError:
            raise _err("incompatible types for comparison") from None

    return compare


def _eq(a: Any, b: Any) -> bool:
    return a == b


FUNCS: dict[str, Callable[..., Any]] = {
    "json": to_json,
    "lower": lambda v: to_text(v).lower(),
    "upper": lambda v: to_text(v).upper(),
    "title": lambda v: to_text(v).title(),
    "len": lambda v: len(v) if isinstance(v, (str, list, tuple, dict)) else 0,
    "join": lambda v, sep: sep.join(to_text(x) for x in (v or [])),
    "split": lambda v, sep: to_text(v).split(sep),
    "truncate": lambda v, n: to_text(v)[: int(n)],
    "pad": lambda v, before, after: " " * int(before) + to_text(v) + " " * int(after),
    "index": _index,
    "slice": lambda v, *ix: v[slice(*(int(i) for i in ix))],
    "printf": _printf,
    "print": lambda *args: "".join(to_text(a) for a in args),
    "println": lambda *args: " ".join(to_text(a) for a in args) + "\n",
    "not": lambda v: not truth(v),
    "and": _and,
    "or": _or,
    "eq": _cmp(_eq),
    "ne": _cmp(lambda a, b: a != b),
    "lt": _cmp(lambda a, b: a < b),
    "le": _cmp(lambda a, b: a <= b),
    "gt": _cmp(lambda a, b: a > b),
    "ge": _cmp(lambda a, b: a >= b),
}
