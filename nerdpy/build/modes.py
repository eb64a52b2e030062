"""COPY/ADD `--chmod` in chmod(1)'s symbolic form (`+x`, `u=rwX,go=rX`, `g=u-w`),
applied to each copied file's own mode, as BuildKit does since dockerfile 1.14
(BSD setmode semantics: clauses left to right, `X` looks at the mode before any
change, and a clause without who letters leaves alone the bits of umask 022).
"""

from __future__ import annotations

import re

from nerdpy.records import record

UMASK = 0o022  # buildkitd's: `+w` alone gives the owner write, as `chmod +w` in a shell
_CLAUSE = re.compile(r"[ugoa]*(?:[-+=](?:[rwxXst]*|[ugo]))+")
_WHO = {"u": 0o4700, "g": 0o2070, "o": 0o0007, "a": 0o6777}
_PERM = {"r": 0o444, "w": 0o222, "x": 0o111}
_SHIFT = {"u": 6, "g": 3, "o": 0}


@record
class Symbolic:
    text: str

    def apply(self, mode: int, is_dir: bool) -> int:
        new = mode & 0o7777
        executable = is_dir or bool(mode & 0o111)
        for clause in self.text.split(","):
            who_text = clause[:len(clause) - len(clause.lstrip("ugoa"))]
            who = 0
            for letter in who_text:
                who |= _WHO[letter]
            for op, perms in re.findall(r"([-+=])([rwxXstugo]*)", clause[len(who_text):]):
                new = _action(new, who, op, perms, executable)
        return new


def parse_symbolic(text: str) -> Symbolic | None:
    """The mode if `text` is a valid symbolic mode, else None."""
    if text and all(_CLAUSE.fullmatch(clause) for clause in text.split(",")):
        return Symbolic(text)
    return None


def _action(mode: int, who: int, op: str, perms: str, executable: bool) -> int:
    if perms and perms in "ugo":  # copy another class's bits
        bits = (mode >> _SHIFT[perms]) & 0o7
        bits = bits << 6 | bits << 3 | bits
    else:
        bits = 0
        for letter in perms:
            bits |= _PERM.get(letter, 0)
            if letter == "X" and executable:
                bits |= 0o111
            if letter == "s" and (not who or who & 0o6700):
                bits |= 0o6000
            if letter == "t" and (not who or who & 0o6770):
                bits |= 0o1000
    # the bits this clause may touch: its who letters (and sticky when t is named), else all but umask
    allowed = (who | (0o1000 if "t" in perms else 0)) if who else 0o7777 & ~UMASK
    if op == "+":
        return mode | (bits & allowed)
    if op == "-":
        return mode & ~(bits & allowed)
    return (mode & ~(who or 0o6777)) | (bits & allowed)
