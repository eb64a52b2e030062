"""The `.env` / `env_file` grammar (05-services.md#env_file-format, compose-go
dotenv/): `VAR[=[VAL]]` lines, `export ` prefix, `#` comments (inline ones need a
space before `#` when unquoted), single quotes literal, double quotes with
`\\n \\r \\t \\\\ \\"` escapes and multi-line values, unquoted and double-quoted
values interpolated (against the lookup and earlier lines), a bare `VAR` takes the
lookup's value or stays unset, a UTF-8 BOM is skipped."""

from __future__ import annotations

from nerdpy_compose.template import TemplateError, substitute

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", '"': '"'}


class DotenvError(Exception):
    """A line that is not `VAR=VALUE`: the message names the line."""


def parse(text: str, lookup: Mapping[str, str], on_missing: Callable[[str], None] | None = None,
          raw: bool = False) -> dict[str, str]:
    """The variables `text` defines, in order. `lookup` answers bare keys and
    interpolation (the process environment wins over the file's own lines there,
    as compose-go's TestEnvVariablePrecedence shows); `raw` takes values verbatim."""
    text = text.removeprefix("\ufeff")
    result: dict[str, str] = {}
    lines = text.replace("\r\n", "\n").split("\n")
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        i += 1
        if not line or line.startswith("#"):
            continue
        if line.startswith(("export ", "export\t")):
            line = line[7:].lstrip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not key or any(c.isspace() for c in key) or not (key[0].isalpha() or key[0] == "_"):
            raise DotenvError(f"line {i}: unexpected character in variable name {key!r}")
        if not sep:
            if key in lookup:
                result[key] = lookup[key]
            continue
        if raw:
            result[key] = value
            continue
        (unquoted, interpolates), i = _value(value.lstrip(), lines, i)

        def scope() -> dict[str, str]:
            return {**result, **lookup}

        if interpolates:
            result[key] = _interpolate(unquoted, scope(), on_missing, i)
        else:
            result[key] = unquoted
    return result


def _interpolate(value: str, env: Mapping[str, str], on_missing: Callable[[str], None] | None, line: int) -> str:
    try:
        return substitute(value, env, on_missing)
    except TemplateError as exc:
        raise DotenvError(f"line {line}: {exc}") from None


def _value(value: str, lines: list[str], i: int) -> tuple[tuple[str, bool], int]:
    """((text, interpolate?), next line index); quoted values may span lines."""
    if value[:1] in ("'", '"'):
        quote = value[0]
        body = value[1:]
        while True:
            end = _closing_quote(body, quote)
            if end >= 0:
                break
            if i >= len(lines):
                raise DotenvError(f"line {i}: unterminated quoted value")
            body += "\n" + lines[i]
            i += 1
        text = body[:end]
        if quote == '"':
            return (_unescape(text), True), i
        return (text, False), i
    hash_at = value.find(" #")
    if hash_at >= 0:
        value = value[:hash_at]
    return (value.strip(), True), i


def _closing_quote(body: str, quote: str) -> int:
    j = 0
    while j < len(body):
        if body[j] == "\\" and quote == '"':
            j += 2
            continue
        if body[j] == quote:
            return j
        j += 1
    return -1


def _unescape(text: str) -> str:
    out: list[str] = []
    j = 0
    while j < len(text):
        if text[j] == "\\" and j + 1 < len(text) and text[j + 1] in _ESCAPES:
            out.append(_ESCAPES[text[j + 1]])
            j += 2
            continue
        out.append(text[j])
        j += 1
    return "".join(out)
