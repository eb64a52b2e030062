"""Dockerfile text -> nodes, as BuildKit's parser reads it.

Handles the BOM, CRLF, parser directives at the top (`syntax`, `escape`,
`check`), comments (also inside continued instructions), line continuation with
the escape character, empty continuation lines (a warning), builder flags
(`--x=y` words before the arguments) and here-documents after RUN/COPY/ADD
(also under ONBUILD). It does not interpret arguments: `instructions` does.
"""

from __future__ import annotations

import re

from nerdpy.build.dockerfile.lexer import Lexer, LexError
from nerdpy.errors import InvalidArgument
from nerdpy.records import field, record

_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$")
_KNOWN_DIRECTIVES = ("syntax", "escape", "check")
_HEREDOC = re.compile(r"^(\d*)<<(-?)([^<]*)$")
_HEREDOC_INSTRUCTIONS = ("run", "copy", "add")
MAX_LINE = 65535


@record
class Heredoc:
    name: str
    content: str
    expand: bool  # no part of the delimiter was quoted
    chomp: bool  # `<<-`: leading tabs are stripped from each line when used
    fd: int | None = None

    def text(self) -> str:
        """The body as used (tabs stripped for `<<-`)."""
        if not self.chomp:
            return self.content
        return "".join(line.lstrip("\t") for line in self.content.splitlines(keepends=True))


@record
class Node:
    """One instruction as written: keyword (lower case), flags and the raw argument text."""

    instruction: str
    args: str
    flags: tuple[str, ...] = ()
    line: int = 0
    end_line: int = 0
    original: str = ""
    heredocs: tuple[Heredoc, ...] = ()


@record
class Dockerfile:
    path: str
    nodes: tuple[Node, ...]
    escape: str = "\\"
    directives: dict[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


class DockerfileSyntaxError(InvalidArgument):
    """A parse or build error located in a Dockerfile (file, line, instruction); exit 1 as docker build."""

    exit_code = 1

    def __init__(self, path: str, line: int, message: str, instruction: str = "") -> None:
        where = f"{path}:{line}" if line else path
        what = f"{instruction.upper()}: " if instruction else ""
        super().__init__(f"{where}: {what}{message}")
        self.path, self.line, self.instruction, self.detail = path, line, instruction, message


def parse(text: str | bytes, path: str = "Dockerfile") -> Dockerfile:
    """Parse a whole Dockerfile; raises DockerfileSyntaxError."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="surrogateescape")
    if not text:
        raise DockerfileSyntaxError(path, 0, "the Dockerfile cannot be empty")
    lines = text.removeprefix("\ufeff").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [ln.removesuffix("\r") for ln in lines]
    for number, ln in enumerate(lines, 1):
        if len(ln) > MAX_LINE:
            raise DockerfileSyntaxError(path, number, f"dockerfile line greater than max allowed size of {MAX_LINE}")
    directives, first = _directives(lines, path)
    escape = directives.get("escape", "\\")
    reader = _Reader(lines, first, escape, path)
    nodes = reader.read_all()
    if not nodes:
        raise DockerfileSyntaxError(path, 0, "file with no instructions")
    return Dockerfile(path, tuple(nodes), escape, directives, tuple(reader.warnings))


def _directives(lines: list[str], path: str) -> tuple[dict[str, str], int]:
    """Directives at the very top; returns them and the index of the first other line."""
    found: dict[str, str] = {}
    for index, ln in enumerate(lines):
        m = _DIRECTIVE.match(ln.strip())
        if not m or m.group(1).lower() not in _KNOWN_DIRECTIVES:
            return found, index
        key = m.group(1).lower()
        if key in found:
            raise DockerfileSyntaxError(path, index + 1, f"only one {key} parser directive can be used")
        if key == "escape" and m.group(2) not in ("\\", "`"):
            raise DockerfileSyntaxError(path, index + 1, f"invalid escape token '{m.group(2)}' does not match ` or \\")
        found[key] = m.group(2)
    return found, len(lines)


def _is_comment(line: str) -> bool:
    return line.lstrip(" \t").startswith("#")


class _Reader:
    """Walks the physical lines, producing one Node per logical instruction."""

    def __init__(self, lines: list[str], start: int, escape: str, path: str) -> None:
        self.lines, self.pos, self.escape, self.path = lines, start, escape, path
        self.continuation = re.compile(re.escape(escape) + r"[ \t]*$")
        self.warnings: list[str] = []

    def _trim_continuation(self, line: str) -> tuple[str, bool]:
        m = self.continuation.search(line)
        if m:
            return line[:m.start()], False
        return line, True

    def read_all(self) -> list[Node]:
        nodes = []
        while self.pos < len(self.lines):
            node = self._next()
            if node is not None:
                nodes.append(node)
        return nodes

    def _next(self) -> Node | None:
        raw = self.lines[self.pos]
        self.pos += 1
        start = self.pos
        stripped = raw.lstrip(" \t")
        if not stripped or _is_comment(stripped):
            return None
        line, done = self._trim_continuation(stripped)
        if done and not line.strip():
            return None
        empty_continuation = False
        while not done and self.pos < len(self.lines):
            nxt = self.lines[self.pos]
            self.pos += 1
            if _is_comment(nxt):
                continue
            if not nxt.strip():
                empty_continuation = True
                continue
            part, done = self._trim_continuation(nxt)
            line += part
        if empty_continuation:
            self.warnings.append(f"{self.path}:{start}: Empty continuation line found in: {line.strip()}")
        node = node_from_line(line, self.escape, self.path, start)
        heredocs = self._heredoc_bodies(node) if _can_have_heredoc(node) else ()
        return Node(node.instruction, node.args, node.flags, start, self.pos, line, heredocs)

    def _heredoc_bodies(self, node: Node) -> tuple[Heredoc, ...]:
        try:
            found = heredocs_in(node.args)
        except LexError as e:
            raise DockerfileSyntaxError(self.path, node.line, str(e), node.instruction) from None
        bodies = []
        for doc in found:
            content: list[str] = []
            for raw in self.lines[self.pos:]:
                self.pos += 1
                candidate = raw.lstrip("\t") if doc.chomp else raw
                if candidate == doc.name:
                    break
                content.append(raw + "\n")
            else:
                raise DockerfileSyntaxError(self.path, node.line, "unterminated heredoc", node.instruction)
            bodies.append(Heredoc(doc.name, "".join(content), doc.expand, doc.chomp, doc.fd))
        return tuple(bodies)


def _can_have_heredoc(node: Node) -> bool:
    kind, args = node.instruction, node.args
    if kind == "onbuild":
        inner = args.split(None, 1)
        if not inner:
            return False
        kind, args = inner[0].lower(), inner[1] if len(inner) > 1 else ""
    return kind in _HEREDOC_INSTRUCTIONS and not looks_like_json(args)


def looks_like_json(args: str) -> bool:
    """Exec form: the whole argument text is a JSON array of strings."""
    return parse_json_array(args) is not None


def parse_json_array(args: str) -> list[str] | None:
    """The strings of a JSON array, or None (malformed JSON falls back to shell form)."""
    import json

    text = args.strip()
    if not text.startswith("["):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if not isinstance(value, list):
        return None
    if not all(isinstance(v, str) for v in value):
        raise ValueError("when using JSON array syntax, arrays must be comprised of strings only")
    return value


def heredocs_in(text: str) -> list[Heredoc]:
    """Heredoc markers among the shell words of a line (no bodies yet)."""
    words = Lexer(raw=True).words(text, {})
    return [doc for doc in (parse_heredoc(w) for w in words) if doc is not None]


def parse_heredoc(word: str) -> Heredoc | None:
    m = _HEREDOC.match(word)
    if not m or not m.group(3):
        return None
    rest = m.group(3)
    plain = Lexer(skip_unset=True).words(rest, {})
    if len(plain) != 1:
        return None
    raw = Lexer(raw=True, skip_unset=True).words(rest, {})
    fd = int(m.group(1)) if m.group(1) else None
    return Heredoc(plain[0], "", expand=plain[0] == raw[0], chomp=m.group(2) == "-", fd=fd)


def node_from_line(line: str, escape: str, path: str, number: int) -> Node:
    """Split a logical line into keyword, builder flags and argument text."""
    text = line.strip()
    parts = text.split(None, 1)
    keyword = parts[0].lower()
    rest = parts[1] if len(parts) > 1 else ""
    try:
        flags, args = split_flags(rest, escape)
    except LexError as e:
        raise DockerfileSyntaxError(path, number, str(e), keyword) from None
    return Node(keyword, args.strip(), tuple(flags), number, number, line)


def split_flags(rest: str, escape: str) -> tuple[list[str], str]:
    """Leading `--flag[=value]` words (quotes processed) and the remaining text."""
    flags: list[str] = []
    pos = 0
    while True:
        while pos < len(rest) and rest[pos] in " \t":
            pos += 1
        if not rest.startswith("--", pos):
            return flags, rest[pos:]
        word, pos = _flag_word(rest, pos, escape)
        if word == "--":
            while pos < len(rest) and rest[pos] in " \t":
                pos += 1
            return flags, rest[pos:]
        flags.append(word)


def _flag_word(text: str, pos: int, escape: str) -> tuple[str, int]:
    out: list[str] = []
    quote = ""
    while pos < len(text):
        ch = text[pos]
        pos += 1
        if quote:
            if ch == quote:
                quote = ""
            elif ch == escape and quote == '"' and pos < len(text):
                out.append(text[pos])
                pos += 1
            else:
                out.append(ch)
        elif ch in " \t":
            break
        elif ch in "'\"":
            quote = ch
        elif ch == escape and pos < len(text):
            out.append(text[pos])
            pos += 1
        else:
            out.append(ch)
    if quote:
        raise LexError("unexpected end of statement while looking for matching quote")
    return "".join(out), pos
