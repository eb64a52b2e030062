"""Variable substitution in Dockerfile words, as BuildKit's shell lexer does it.

Forms: `$NAME`, `${NAME}` and the modifiers `:-`, `-`, `:+`, `+`, `:?`, `?`,
`#`, `##`, `%`, `%%`, `/`, `//` (Dockerfile 1.7). Quotes: single quotes are
literal; inside double quotes `$` expands and the escape character escapes only
`"`, `$` and itself; outside quotes it escapes anything. Quotes are removed unless
the lexer is `raw` (heredoc bodies keep them). Undefined names expand to "".
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_SPECIAL = "@*#?-$!0"
_EOF = ""


class LexError(ValueError):
    """A malformed substitution; the message is BuildKit's."""


class _Scanner:
    __slots__ = ("pos", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else _EOF

    def next(self) -> str:
        ch = self.peek()
        if ch:
            self.pos += 1
        return ch


class Lexer:
    """Expands one word or a list of words against an environment (unset != empty)."""

    def __init__(self, escape: str = "\\", raw: bool = False, skip_unset: bool = False) -> None:
        self.escape = escape
        self.raw = raw  # keep quotes and escapes (heredoc bodies, heredoc detection)
        self.skip_unset = skip_unset  # leave `$X` as written when X is unset
        self.used: set[str] = set()  # names looked up (the build args a step uses)

    def word(self, text: str, env: Mapping[str, str]) -> str:
        """One word: whitespace is kept."""
        words = self._process(text, env, split=False)
        return words[0] if words else ""

    def words(self, text: str, env: Mapping[str, str]) -> list[str]:
        """Split on unquoted whitespace after expansion (EXPOSE, heredoc detection)."""
        return self._process(text, env, split=True)

    def _process(self, text: str, env: Mapping[str, str], split: bool) -> list[str]:
        sc = _Scanner(text)
        words: list[str] = []
        cur: list[str] = []
        in_word = False
        while True:
            ch = sc.peek()
            if ch == _EOF:
                break
            if split and ch in " \t\n":
                sc.next()
                if in_word:
                    words.append("".join(cur))
                    cur, in_word = [], False
                continue
            in_word = True
            cur.append(self._token(sc, env))
        if in_word or not split:
            words.append("".join(cur))
        return words

    def _token(self, sc: _Scanner, env: Mapping[str, str]) -> str:
        """One unit: a quoted run, an expansion, an escape or a plain character."""
        ch = sc.next()
        if ch == "'":
            return self._single(sc)
        if ch == '"':
            return self._double(sc, env)
        if ch == "$":
            return self._dollar(sc, env)
        if ch == self.escape:
            nxt = sc.next()
            if self.raw:
                return ch + nxt
            return nxt
        return ch

    def _single(self, sc: _Scanner) -> str:
        out = ["'"] if self.raw else []
        while True:
            ch = sc.next()
            if ch == _EOF:
                raise LexError("unexpected end of statement while looking for matching single-quote")
            if ch == "'":
                break
            out.append(ch)
        if self.raw:
            out.append("'")
        return "".join(out)

    def _double(self, sc: _Scanner, env: Mapping[str, str]) -> str:
        out = ['"'] if self.raw else []
        while True:
            ch = sc.next()
            if ch == _EOF:
                raise LexError("unexpected end of statement while looking for matching double-quote")
            if ch == '"':
                break
            if ch == "$":
                out.append(self._dollar(sc, env))
            elif ch == self.escape and sc.peek() in ('"', "$", self.escape):
                if self.raw:
                    out.append(ch)
                out.append(sc.next())
            else:
                out.append(ch)
        if self.raw:
            out.append('"')
        return "".join(out)

    def _name(self, sc: _Scanner) -> str:
        ch = sc.peek()
        if ch.isdigit():
            start = sc.pos
            while sc.peek().isdigit():
                sc.next()
            return sc.text[start:sc.pos]
        if ch and ch in _SPECIAL:
            return sc.next()
        start = sc.pos
        while sc.peek() and (sc.peek().isalnum() or sc.peek() == "_"):
            sc.next()
        return sc.text[start:sc.pos]

    def _lookup(self, name: str, env: Mapping[str, str]) -> str | None:
        self.used.add(name)
        return env.get(name)

    def _dollar(self, sc: _Scanner, env: Mapping[str, str]) -> str:
        if sc.peek() != "{":
            name = self._name(sc)
            if not name:
                return "$"
            value = self._lookup(name, env)
            if value is None:
                return "$" + name if self.skip_unset else ""
            return value
        start = sc.pos - 1
        sc.next()
        name = self._name(sc)
        if not name:
            raise LexError("bad substitution")
        op = sc.next()
        if op == "}":
            value = self._lookup(name, env)
            if value is None and self.skip_unset:
                return sc.text[start:sc.pos]
            return value or ""
        if op == _EOF:
            raise LexError("syntax error: missing '}'")
        return self._modifier(sc, env, name, op)

    def _until(self, sc: _Scanner, env: Mapping[str, str], stops: str,
               pattern: bool = False) -> tuple[str, str]:
        """The expanded text up to one of `stops` (consumed); returns (text, stop)."""
        out: list[str] = []
        while True:
            ch = sc.peek()
            if ch == _EOF:
                raise LexError("syntax error: missing '}'")
            if ch in stops:
                sc.next()
                return "".join(out), ch
            if ch == self.escape:
                sc.next()
                nxt = sc.next()
                # inside a pattern the escape stays, so `\*` matches a literal star
                out.append(ch + nxt if pattern or self.raw else nxt)
                continue
            out.append(self._token(sc, env))

    def _modifier(self, sc: _Scanner, env: Mapping[str, str], name: str, op: str) -> str:
        value = self._lookup(name, env)
        colon = op == ":"
        if colon:
            op = sc.next()
            if op not in "-+?" or op == _EOF:
                raise LexError(f"unsupported modifier ({op}) in substitution")
        if op in "-+?":
            word, _ = self._until(sc, env, "}")
            missing = value is None or (colon and value == "")
            if op == "-":
                return word if missing else (value or "")
            if op == "+":
                return "" if missing else word
            if missing:
                default = "is not allowed to be empty" if colon else "is not allowed to be unset"
                raise LexError(f"{name}: {word or default}")
            return value or ""
        if op in "#%":
            longest = sc.peek() == op
            if longest:
                sc.next()
            pattern, _ = self._until(sc, env, "}", pattern=True)
            return _trim(value or "", pattern, prefix=op == "#", longest=longest)
        if op == "/":
            every = sc.peek() == "/"
            if every:
                sc.next()
            pattern, stop = self._until(sc, env, "/}", pattern=True)
            repl = self._until(sc, env, "}")[0] if stop == "/" else ""
            return _replace(value or "", pattern, repl, every)
        raise LexError(f"unsupported modifier ({op}) in substitution")


def _pattern_regex(pattern: str) -> str:
    """A shell pattern as a regex: `*`, `?` and `\\` escapes; brackets are literal (as BuildKit)."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
        i += 1
    return "".join(out)


def _trim(value: str, pattern: str, prefix: bool, longest: bool) -> str:
    rx = re.compile(_pattern_regex(pattern), re.DOTALL)
    cuts = range(len(value), -1, -1) if longest else range(len(value) + 1)
    for n in cuts:
        part = value[:n] if prefix else value[len(value) - n:]
        if rx.fullmatch(part):
            return value[n:] if prefix else value[:len(value) - n]
    return value


def _replace(value: str, pattern: str, repl: str, every: bool) -> str:
    if not pattern:
        return value
    rx = re.compile(_pattern_regex(pattern), re.DOTALL)
    return rx.sub(lambda _m: repl, value, count=0 if every else 1)
