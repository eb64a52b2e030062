"""`.dockerignore` rules (moby/patternmatcher): `#` comments, `!` exceptions, `**`,
last matching pattern wins, a pattern matching a parent directory matches its contents."""

from __future__ import annotations

import posixpath
import re

from nerdpy.records import record


@record
class _Pattern:
    regex: re.Pattern[str]
    exclusion: bool
    text: str


def read_patterns(text: str) -> list[str]:
    """The patterns of an ignore file: comments and blanks dropped, paths cleaned."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        neg = line.startswith("!")
        body = line[1:].strip() if neg else line
        body = posixpath.normpath(body).lstrip("/") if body else body
        if body in (".", ""):
            body = "."
        out.append(("!" if neg else "") + body)
    return out


def _regex(pattern: str) -> re.Pattern[str]:
    out = ["^"]
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "*":
            if pattern.startswith("**", i):
                i += 1
                if pattern.startswith("/", i + 1):  # `**/` matches zero or more directories
                    out.append("(.*/)?")
                    i += 2
                    continue
                out.append(".*")
            else:
                out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        elif ch == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                out.append(re.escape(ch))
            else:
                body = pattern[i + 1:end].replace("\\", "\\\\")
                out.append("[" + ("^" + body[1:] if body.startswith("^") else body) + "]")
                i = end
        else:
            out.append(re.escape(ch))
        i += 1
    out.append("$")
    return re.compile("".join(out), re.DOTALL)


class Matcher:
    """Decides whether a context path (relative, `/`-separated) is excluded."""

    def __init__(self, patterns: list[str]) -> None:
        self.patterns = [_Pattern(_regex(p.removeprefix("!")), p.startswith("!"), p)
                         for p in patterns]

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def excluded(self, path: str) -> bool:
        path = path.strip("/")
        if not path or path == ".":
            return False
        parents = []
        parent = posixpath.dirname(path)
        while parent:
            parents.append(parent)
            parent = posixpath.dirname(parent)
        matched = False
        for pattern in self.patterns:
            if pattern.exclusion != matched:  # only a pattern that can change the answer matters
                continue
            if pattern.regex.match(path) or any(pattern.regex.match(p) for p in parents):
                matched = not pattern.exclusion
        return matched

    def may_have_exceptions(self) -> bool:
        """Whether an excluded directory may still hold included files (walk it anyway)."""
        return any(p.exclusion for p in self.patterns)
