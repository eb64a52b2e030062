"""The subset of Go's text/template that Docker users type in `--format`.

Supported: `{{.Field}}`, `{{.A.B}}`, `{{.}}`, `{{json .X}}`, pipelines
(`{{.X | json}}`), `{{index .Labels "k"}}`, `{{join .L ","}}`, `{{lower}}`,
`{{upper}}`, `{{title}}`, `{{len}}`, `{{printf "%s" .X}}`, `{{println}}`,
`{{if}}…{{else}}…{{end}}`, `{{range .L}}…{{end}}`, `{{with .X}}…{{end}}`, and
`{{- ` / ` -}}` trimming. Field names match exactly, then case-insensitively.
"""

from __future__ import annotations

import json
import re
import shlex
from typing import Any

from nerdpy.errors import InvalidArgument

_ACTION = re.compile(r"\{\{(-?)\s*(.*?)\s*(-?)\}\}", re.S)


def _lookup(value: Any, name: str) -> Any:
    if isinstance(value, dict):
        if name in value:
            return value[name]
        for key in value:
            if isinstance(key, str) and key.lower() == name.lower():
                return value[key]
        return None
    attr = getattr(value, name, None)
    if attr is None:
        for candidate in dir(value):
            if candidate.lower() == name.lower():
                return getattr(value, candidate)
    return attr


def _to_text(value: Any) -> str:
    if value is None:
        return "<no value>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        if isinstance(value, list):
            return "[" + " ".join(_to_text(v) for v in value) + "]"
        return "map[" + " ".join(f"{k}:{_to_text(v)}" for k, v in sorted(value.items())) + "]"
    return str(value)


def _json(value: Any) -> str:
    return json.dumps(value, default=lambda o: getattr(o, "__dict__", str(o)), separators=(",", ":"))


FUNCS = {
    "json": lambda v: _json(v),
    "lower": lambda v: _to_text(v).lower(),
    "upper": lambda v: _to_text(v).upper(),
    "title": lambda v: _to_text(v).title(),
    "len": lambda v: len(v or ()),
    "join": lambda v, sep: sep.join(_to_text(x) for x in (v or [])),
    "index": lambda v, *keys: _index(v, keys),
    "printf": lambda fmt, *args: _printf(fmt, args),
    "println": lambda *args: " ".join(_to_text(a) for a in args) + "\n",
    "print": lambda *args: "".join(_to_text(a) for a in args),
    "split": lambda v, sep: _to_text(v).split(sep),
    "truncate": lambda v, n: _to_text(v)[: int(n)],
    "pad": lambda v, before, after: " " * int(before) + _to_text(v) + " " * int(after),
}


def _index(value: Any, keys: tuple) -> Any:
    for key in keys:
        if value is None:
            return None
        value = value.get(key) if isinstance(value, dict) else value[int(key)]
    return value


def _printf(fmt: str, args: tuple) -> str:
    converted = re.sub(r"%v", "%s", fmt)
    return converted % tuple(_to_text(a) if not isinstance(a, (int, float)) else a for a in args)


class _Template:
    def __init__(self, source: str) -> None:
        self.nodes = self._parse(self._tokens(source))

    @staticmethod
    def _tokens(source: str) -> list[tuple[str, str]]:
        tokens: list[tuple[str, str]] = []
        pos = 0
        for match in _ACTION.finditer(source):
            text = source[pos : match.start()]
            if match.group(1):
                text = text.rstrip()
            if tokens and tokens[-1][0] == "trim":
                tokens.pop()
                text = text.lstrip()
            tokens.append(("text", text))
            tokens.append(("action", match.group(2)))
            if match.group(3):
                tokens.append(("trim", ""))
            pos = match.end()
        tail = source[pos:]
        if tokens and tokens[-1][0] == "trim":
            tokens.pop()
            tail = tail.lstrip()
        tokens.append(("text", tail))
        if "{{" in tail:
            raise InvalidArgument(f"template: unclosed action in {source!r}")
        return tokens

    def _parse(self, tokens: list[tuple[str, str]]) -> list:
        stack: list[list] = [[]]
        blocks: list[list] = []
        for kind, value in tokens:
            if kind == "text":
                stack[-1].append(("text", value))
                continue
            word = value.split(None, 1)[0] if value else ""
            if word in ("if", "range", "with"):
                node = [word, value[len(word):].strip(), [], []]
                stack[-1].append(node)
                blocks.append(node)
                stack.append(node[2])
            elif word == "else":
                if not blocks:
                    raise InvalidArgument("template: unexpected {{else}}")
                stack.pop()
                stack.append(blocks[-1][3])
            elif word == "end":
                if not blocks:
                    raise InvalidArgument("template: unexpected {{end}}")
                blocks.pop()
                stack.pop()
            else:
                stack[-1].append(("pipe", value))
        if blocks:
            raise InvalidArgument(f"template: missing {{{{end}}}} for {{{{{blocks[-1][0]}}}}}")
        return stack[0]

    def render(self, data: Any) -> str:
        out: list[str] = []
        self._render(self.nodes, data, out)
        return "".join(out)

    def _render(self, nodes: list, dot: Any, out: list[str]) -> None:
        for node in nodes:
            if node[0] == "text":
                out.append(node[1])
            elif node[0] == "pipe":
                out.append(_to_text(self._pipeline(node[1], dot)))
            else:
                kind, expr, body, alt = node
                value = self._pipeline(expr, dot)
                if kind == "range":
                    items = value.items() if isinstance(value, dict) else (value or [])
                    if not items:
                        self._render(alt, dot, out)
                    for item in (v for _, v in sorted(items)) if isinstance(value, dict) else items:
                        self._render(body, item, out)
                elif value:
                    self._render(body, value if kind == "with" else dot, out)
                else:
                    self._render(alt, dot, out)

    def _pipeline(self, expr: str, dot: Any) -> Any:
        result: Any = None
        for i, stage in enumerate(s.strip() for s in expr.split("|")):
            try:
                words = shlex.split(stage, posix=True)
            except ValueError as exc:
                raise InvalidArgument(f"template: {exc} in {stage!r}") from None
            if not words:
                raise InvalidArgument(f"template: empty command in {expr!r}")
            args = [self._arg(w, dot) for w in words[1:]] + ([result] if i > 0 else [])
            head = words[0]
            if head in FUNCS:
                try:
                    result = FUNCS[head](*args)
                except (TypeError, ValueError, KeyError, IndexError) as exc:
                    raise InvalidArgument(f"template: error calling {head}: {exc}") from None
            elif len(words) == 1 and i == 0:
                result = self._arg(head, dot)
            else:
                raise InvalidArgument(f'template: function "{head}" not defined')
        return result

    @staticmethod
    def _arg(word: str, dot: Any) -> Any:
        if word == ".":
            return dot
        if word.startswith("."):
            value = dot
            for part in word[1:].split("."):
                value = _lookup(value, part)
            return value
        if re.fullmatch(r"-?\d+", word):
            return int(word)
        return word


def render(template: str, data: Any) -> str:
    """Render `template` (Docker's `--format`) against `data`."""
    return _Template(template.replace("\\t", "\t").replace("\\n", "\n")).render(data)


def table_header(template: str) -> tuple[str, bool]:
    """Split a `table ...` template: (row template, is_table)."""
    if template.startswith("table"):
        return template[5:].lstrip(), True
    return template, False
