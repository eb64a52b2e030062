"""The subset of Go's text/template that Docker users type in `--format`, one
implementation for every command.

Actions: `{{.Field}}`, `{{.A.B}}`, `{{.}}`, `{{$}}`, variables (`{{$x := .A}}`,
`{{range $k, $v := .Labels}}`), pipelines (`{{.X | json}}`), parenthesised
calls (`{{(index .L 0).Name}}`), `{{if}}/{{else if}}/{{else}}/{{end}}`,
`{{range}}…{{else}}…{{end}}`, `{{with}}…{{end}}`, comments `{{/* */}}`, and
`{{- ` / ` -}}` trimming. Functions: Go's (and, or, not, eq, ne, lt, le, gt,
ge, len, index, slice, print, printf, println) and Docker's (json, join,
split, lower, upper, title, pad, truncate). Field names match exactly, then
case-insensitively. Values print as Go's fmt does: `[a b]`, `map[k:v]`,
`<no value>` for a missing key.
"""

from __future__ import annotations

import json
import re

from nerdpy.errors import InvalidArgument, TemplateError, TemplateSyntaxError
from nerdpy.formatting.gofuncs import FUNCS, NO_VALUE, _err, _lookup, to_text, truth
from nerdpy.records import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["render", "compile_template", "table_header", "FUNCS", "to_text"]


# The parse tree. A pipeline is (declared variable names, commands).
@record
class Text:
    text: str


@record
class Action:
    pipeline: tuple


@record(frozen=False)
class Block:
    kind: str  # "if", "range" or "with"
    pipeline: tuple
    body: list = field(default_factory=list)
    alt: list = field(default_factory=list)  # the {{else}} branch
    closes: bool = True  # False: the `if` of an `{{else if}}`, closed by its chain's {{end}}

_ACTION = re.compile(r"\{\{(-\s)?(.*?)(\s-)?\}\}", re.S)
_TOKEN = re.compile(
    r"""\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<raw>`[^`]*`)|(?P<num>-?\d+(?:\.\d+)?)(?![\w.])|(?P<decl>:=)"""
    r"""|(?P<assign>=)|(?P<lp>\()|(?P<rp>\))|(?P<pipe>\|)|(?P<comma>,)"""
    r"""|(?P<field>\$\w*(?:\.\w+)*|(?:\.\w+)+|\.)|(?P<ident>[A-Za-z_]\w*))"""
)


# -- parsing actions ---------------------------------------------------------------
def _lex(expr: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    expr = expr.rstrip()
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if not m or m.end() == pos:
            raise _err(f"unexpected {expr[pos:].strip()[:20]!r} in {{{{{expr}}}}}")
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    return tokens


class _Parser:
    """pipeline := [vars ':='] command ('|' command)*; command := operand+."""

    def __init__(self, tokens: list[tuple[str, str]], source: str) -> None:
        self.tokens, self.pos, self.source = tokens, 0, source

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _kind(self) -> str:
        """The next token's kind, "" at the end."""
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else ""

    def _text(self) -> str:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else ""

    def pipeline(self, allow_decl: bool = True) -> tuple[list[str], list[list[tuple]]]:
        names: list[str] = []
        if allow_decl:
            names = self._declaration()
        commands = [self.command()]
        while self._kind() == "pipe":
            self.pos += 1
            commands.append(self.command())
        return names, commands

    def _declaration(self) -> list[str]:
        save = self.pos
        names = []
        while self._kind() == "field" and self._text().startswith("$") and "." not in self._text():
            names.append(self._text())
            self.pos += 1
            if self._kind() == "comma":
                self.pos += 1
                continue
            break
        if names and self._kind() in ("decl", "assign"):
            self.pos += 1
            return names
        self.pos = save
        return []

    def command(self) -> list[tuple]:
        operands = []
        while self._kind() not in ("", "pipe", "rp"):
            operands.append(self.operand())
        if not operands:
            raise _err(f"missing value for command in {{{{{self.source}}}}}")
        return operands

    def operand(self) -> tuple:
        kind, text = self.tokens[self.pos]
        self.pos += 1
        if kind == "str":
            return ("lit", json.loads(text))
        if kind == "raw":
            return ("lit", text[1:-1])
        if kind == "num":
            return ("lit", float(text) if "." in text else int(text))
        if kind == "field":
            return ("field", text)
        if kind == "ident":
            literals = {"true": True, "false": False, "nil": None}
            if text in literals:
                return ("lit", literals[text])
            if text not in FUNCS:
                raise _err(f'function "{text}" not defined')
            return ("func", text)
        if kind == "lp":
            inner = self.pipeline(allow_decl=False)
            if self._kind() != "rp":
                raise _err(f"unclosed left paren in {{{{{self.source}}}}}")
            self.pos += 1
            # `(pipeline).Field`: a field token right after the paren chains on it.
            if self._kind() == "field" and self._text().startswith(".") and self._text() != ".":
                field = self.tokens[self.pos][1]
                self.pos += 1
                return ("chain", inner, field)
            return ("pipe", inner)
        raise _err(f"unexpected {text!r} in {{{{{self.source}}}}}")


def _parse_pipeline(expr: str) -> tuple[list[str], list[list[tuple]]]:
    parser = _Parser(_lex(expr), expr)
    result = parser.pipeline()
    left = parser.peek()
    if left is not None:
        raise _err(f"unexpected {left[1]!r} in {{{{{expr}}}}}")
    return result


# -- the template tree ------------------------------------------------------------------
class _Template:
    def __init__(self, source: str) -> None:
        self.nodes = self._build(self._tokens(source))

    @staticmethod
    def _tokens(source: str) -> list[tuple[str, str]]:
        tokens: list[tuple[str, str]] = []
        pos, trim_next = 0, False
        for match in _ACTION.finditer(source):
            text = source[pos : match.start()]
            if trim_next:
                text = text.lstrip()
            if match.group(1):
                text = text.rstrip()
            tokens.append(("text", text))
            body = match.group(2).strip()
            if not (body.startswith("/*") and body.endswith("*/")):
                tokens.append(("action", body))
            trim_next = bool(match.group(3))
            pos = match.end()
        tail = source[pos:]
        if "{{" in tail:
            raise _err(f"unclosed action in {source!r}")
        tokens.append(("text", tail.lstrip() if trim_next else tail))
        return tokens

    def _build(self, tokens: list[tuple[str, str]]) -> list:
        root: list = []
        stack: list[list] = [root]
        blocks: list[Block] = []
        for kind, value in tokens:
            if kind == "text":
                if value:
                    stack[-1].append(Text(value))
                continue
            word = value.split(None, 1)[0] if value else ""
            rest = value[len(word):].strip()
            if word in ("if", "range", "with"):
                node = Block(word, _parse_pipeline(rest))
                stack[-1].append(node)
                blocks.append(node)
                stack.append(node.body)
            elif word == "else":
                if not blocks:
                    raise _err("unexpected {{else}}")
                stack.pop()
                head = rest.split(None, 1)[0] if rest else ""
                if head in ("if", "with"):  # else if: an if nested in the else branch, closed by the same end
                    node = Block(head, _parse_pipeline(rest[len(head):].strip()), closes=False)
                    blocks[-1].alt.append(node)
                    blocks.append(node)
                    stack.append(node.body)
                else:
                    stack.append(blocks[-1].alt)
            elif word == "end":
                if not blocks:
                    raise _err("unexpected {{end}}")
                while blocks and not blocks[-1].closes:  # unwind the else-if chain
                    blocks.pop()
                blocks.pop()
                stack.pop()
                while len(stack) > len(blocks) + 1:
                    stack.pop()
            else:
                stack[-1].append(Action(_parse_pipeline(value)))
        if blocks:
            raise _err(f"unexpected EOF: missing {{{{end}}}} for {{{{{blocks[-1].kind}}}}}")
        return root

    def render(self, data: Any) -> str:
        out: list[str] = []
        self._render(self.nodes, data, {"$": data}, out)
        return "".join(out)

    def _render(self, nodes: list, dot: Any, scope: dict[str, Any], out: list[str]) -> None:
        for node in nodes:
            if isinstance(node, Text):
                out.append(node.text)
            elif isinstance(node, Action):
                names, _ = node.pipeline
                value = self._pipeline(node.pipeline, dot, scope)
                if names:
                    scope[names[0]] = value
                else:
                    out.append(to_text(value))
            elif node.kind == "range":
                self._range(node, dot, scope, out)
            else:
                value = self._pipeline(node.pipeline, dot, scope)
                inner = dict(scope)
                if node.pipeline[0]:
                    inner[node.pipeline[0][0]] = value
                if truth(value):
                    self._render(node.body, value if node.kind == "with" else dot, inner, out)
                else:
                    self._render(node.alt, dot, dict(scope), out)

    def _range(self, node: Block, dot: Any, scope: dict[str, Any], out: list[str]) -> None:
        pipeline, body, alt = node.pipeline, node.body, node.alt
        names = pipeline[0]
        value = self._pipeline(pipeline, dot, scope)
        if isinstance(value, dict):
            items = [(k, value[k]) for k in sorted(value, key=str)]
        elif isinstance(value, (list, tuple)):
            items = list(enumerate(value))
        elif isinstance(value, int) and not isinstance(value, bool):
            items = [(i, i) for i in range(value)]
        elif value is None or value is NO_VALUE:
            items = []
        else:
            raise _err(f"range can't iterate over {to_text(value)}")
        if not items:
            self._render(alt, dot, dict(scope), out)
        for key, item in items:
            inner = dict(scope)
            if len(names) == 1:
                inner[names[0]] = item
            elif len(names) == 2:
                inner[names[0]], inner[names[1]] = key, item
            self._render(body, item, inner, out)

    def _pipeline(self, pipeline: tuple[list[str], list[list[tuple]]], dot: Any, scope: dict[str, Any]) -> Any:
        result: Any = NO_VALUE
        for i, command in enumerate(pipeline[1]):
            result = self._command(command, dot, scope, result if i > 0 else None, i > 0)
        return result

    def _command(self, command: list[tuple], dot: Any, scope: dict[str, Any], piped: Any, has_piped: bool) -> Any:
        head = command[0]
        if head[0] == "func":
            args = [self._operand(op, dot, scope) for op in command[1:]]
            if has_piped:
                args.append(piped)
            try:
                return FUNCS[head[1]](*args)
            except InvalidArgument:
                raise
            except (TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
                raise _err(f"error calling {head[1]}: {exc}") from None
        if len(command) > 1 or has_piped:
            method = self._operand(head, dot, scope) if head[0] != "lit" else None
            if not callable(method):  # `.Label "key"`: a method of the value, as in Go
                raise _err(f"can't give argument to non-function {head[1] if len(head) > 1 else head}")
            args = [self._operand(op, dot, scope) for op in command[1:]] + ([piped] if has_piped else [])
            try:
                return method(*args)
            except TypeError as exc:
                raise _err(f"error calling {head[1]}: {exc}") from None
        return self._operand(head, dot, scope)

    def _operand(self, op: tuple, dot: Any, scope: dict[str, Any]) -> Any:
        kind = op[0]
        if kind == "lit":
            return op[1]
        if kind == "pipe":
            return self._pipeline(op[1], dot, scope)
        if kind == "chain":
            return self._path(self._pipeline(op[1], dot, scope), op[2][1:].split("."))
        if kind == "func":
            return self._command([op], dot, scope, None, False)
        text = op[1]
        if text == ".":
            return dot
        if text.startswith("$"):
            var, _, path = text.partition(".")
            if var not in scope:
                raise _err(f"undefined variable: {var}")
            return self._path(scope[var], path.split(".") if path else [])
        return self._path(dot, text[1:].split("."))

    @staticmethod
    def _path(value: Any, parts: list[str]) -> Any:
        for part in parts:
            value = _lookup(value, part)
        return value


_CACHE: dict[str, _Template] = {}


def compile_template(template: str) -> None:
    """Parse `template` now, so a bad `--format` fails even when there is nothing to print."""
    _compiled(table_header(template)[0])


def _compiled(template: str) -> _Template:
    compiled = _CACHE.get(template)
    if compiled is None:
        try:
            compiled = _Template(template.replace("\\t", "\t").replace("\\n", "\n"))
        except TemplateError as exc:
            raise TemplateSyntaxError(exc.message) from None
        _CACHE[template] = compiled
    return compiled


def render(template: str, data: Any) -> str:
    """Render `template` (Docker's `--format`) against `data`."""
    return _compiled(template).render(data)


def table_header(template: str) -> tuple[str, bool]:
    """Split a `table ...` template: (row template, is_table)."""
    if template.startswith("table"):
        return template[5:].lstrip(), True
    return template, False
