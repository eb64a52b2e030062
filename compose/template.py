"""The interpolation grammar of the Compose Specification (12-interpolation.md,
compose-go template/template.go): `$VAR`, `${VAR}`, `${VAR:-d}`, `${VAR-d}`,
`${VAR:?e}`, `${VAR?e}`, `${VAR:+a}`, `${VAR+a}`, nesting in the default or
error part, and `$$` for a literal `$`. Names are `[_a-zA-Z][_a-zA-Z0-9]*`."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

_OPERATORS = (":-", ":?", ":+", "-", "?", "+")


class TemplateError(Exception):
    """An invalid `${...}` or a required variable missing: the message says which."""


def _is_name_start(ch: str) -> bool:
    return ch == "_" or ("a" <= ch.lower() <= "z")


def _is_name_char(ch: str) -> bool:
    return _is_name_start(ch) or ch.isdigit() and ch.isascii()


def substitute(text: str, env: Mapping[str, str], on_missing: Callable[[str], None] | None = None) -> str:
    """`text` with every variable replaced from `env`; an unset variable with no
    default becomes "" and is reported through `on_missing` (the caller warns once)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch != "$" or i + 1 >= n:
            out.append(ch)
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "$":
            out.append("$")
            i += 2
        elif nxt == "{":
            end = _closing_brace(text, i + 2)
            out.append(_braced(text[i + 2:end], env, on_missing))
            i = end + 1
        elif _is_name_start(nxt):
            j = i + 1
            while j < n and _is_name_char(text[j]):
                j += 1
            out.append(_lookup(text[i + 1:j], env, on_missing))
            i = j
        else:  # not a variable: kept as written
            out.append(ch)
            i += 1
    return "".join(out)


def _closing_brace(text: str, start: int) -> int:
    depth = 1
    i = start
    while i < len(text):
        if text.startswith("${", i):
            depth += 1
            i += 2
            continue
        if text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise TemplateError(f"Invalid template: \"{text[start - 2:]}\"")


def _lookup(name: str, env: Mapping[str, str], on_missing: Callable[[str], None] | None) -> str:
    if name in env:
        return env[name]
    if on_missing is not None:
        on_missing(name)
    return ""


def _braced(body: str, env: Mapping[str, str], on_missing: Callable[[str], None] | None) -> str:
    j = 0
    while j < len(body) and (_is_name_char(body[j]) if j else _is_name_start(body[j])):
        j += 1
    name, rest = body[:j], body[j:]
    if not name:
        raise TemplateError(f"Invalid template: \"${{{body}}}\"")
    if not rest:
        return _lookup(name, env, on_missing)
    op = next((o for o in _OPERATORS if rest.startswith(o)), None)
    if op is None:
        raise TemplateError(f"Invalid template: \"${{{body}}}\"")
    arg = rest[len(op):]
    value = env.get(name)
    is_set, non_empty = value is not None, bool(value)
    if op in (":-", "-"):
        wanted = non_empty if op == ":-" else is_set
        return value if wanted and value is not None else substitute(arg, env, on_missing)
    if op in (":+", "+"):
        wanted = non_empty if op == ":+" else is_set
        return substitute(arg, env, on_missing) if wanted else ""
    ok = non_empty if op == ":?" else is_set
    if ok and value is not None:
        return value
    message = substitute(arg, env, on_missing)
    if op == ":?":
        raise TemplateError(f"required variable {name} is missing a value: {message}")
    raise TemplateError(f"required variable {name} is missing a value: {message}")
