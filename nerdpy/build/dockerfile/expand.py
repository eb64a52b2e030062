"""Which instruction expands which words, and how (BuildKit's builder-side rules).

Expanded: ADD/COPY (sources, dest, --chown, --chmod, --checksum, unquoted heredoc
bodies with the raw lexer), ENV and LABEL (keys and values), ARG defaults, EXPOSE
(re-split), FROM (meta args only), STOPSIGNAL, USER, VOLUME, WORKDIR, RUN's
--mount values except `from=`. Not expanded: RUN's command, CMD, ENTRYPOINT,
SHELL, HEALTHCHECK, MAINTAINER, COPY --from.
"""

from __future__ import annotations

from collections.abc import Mapping

from nerdpy.build.dockerfile.instructions import Instruction
from nerdpy.build.dockerfile.lexer import Lexer, LexError
from nerdpy.build.dockerfile.parser import DockerfileSyntaxError, parse_heredoc
from nerdpy.records import record

DEFAULT_SHELL = ("/bin/sh", "-c")


@record
class CopySpec:
    """COPY/ADD after expansion: context (or --from) sources, inline files, the destination."""

    sources: tuple[str, ...]
    inline: tuple[tuple[str, str], ...]  # heredoc name -> content
    dest: str
    chown: str = ""
    chmod: str = ""
    checksum: str = ""


class Expander:
    """Expands the words of one instruction against an environment, recording names used."""

    def __init__(self, path: str, escape: str = "\\") -> None:
        self.path, self.escape = path, escape

    def _lexer(self, raw: bool = False) -> Lexer:
        return Lexer(self.escape, raw=raw)

    def _fail(self, ins: Instruction, e: Exception) -> DockerfileSyntaxError:
        return DockerfileSyntaxError(self.path, ins.line, str(e), ins.kind)

    def word(self, ins: Instruction, text: str, env: Mapping[str, str]) -> str:
        try:
            return self._lexer().word(text, env)
        except LexError as e:
            raise self._fail(ins, e) from None

    def words(self, ins: Instruction, text: str, env: Mapping[str, str]) -> list[str]:
        try:
            return self._lexer().words(text, env)
        except LexError as e:
            raise self._fail(ins, e) from None

    def pairs(self, ins: Instruction, env: Mapping[str, str]) -> list[tuple[str, str]]:
        """ENV/LABEL: every key and value expanded with the environment before the instruction."""
        out = []
        for key, value in ins.pairs:
            name = self.word(ins, key, env)
            if not name:
                raise DockerfileSyntaxError(self.path, ins.line, f"{ins.kind.upper()} names can not be blank", ins.kind)
            out.append((name, self.word(ins, value or "", env)))
        return out

    def arg(self, ins: Instruction, key: str, default: str | None, env: Mapping[str, str],
            build_args: Mapping[str, str]) -> tuple[str, str | None]:
        """An ARG's name and value: a --build-arg verbatim, else the expanded default, else unset."""
        name = self.word(ins, key, env)
        if name in build_args:
            return name, build_args[name]
        if default is None:
            return name, None
        return name, self.word(ins, default, env)

    def expose(self, ins: Instruction, env: Mapping[str, str]) -> list[str]:
        """`80 8000-8002/udp` -> sorted "port/proto" keys (ranges expanded, tcp by default)."""
        ports: set[str] = set()
        for word in self.words(ins, " ".join(ins.words), env):
            spec = word.rsplit(":", 1)[-1]  # ip:host:ctr keeps the container port (linted by BK)
            port, _, proto = spec.partition("/")
            proto = (proto or "tcp").lower()
            low, _, high = port.partition("-")
            if not low.isdigit() or (high and not high.isdigit()):
                raise DockerfileSyntaxError(self.path, ins.line, f"invalid containerPort: {port}", "expose")
            for number in range(int(low), int(high or low) + 1):
                ports.add(f"{number}/{proto}")
        return sorted(ports, key=lambda p: (int(p.split("/")[0]), p))

    def copy(self, ins: Instruction, env: Mapping[str, str]) -> CopySpec:
        names = {doc.name: doc for doc in ins.heredocs}
        sources: list[str] = []
        inline: list[tuple[str, str]] = []
        for word in ins.words[:-1]:
            marker = parse_heredoc(word) if word.startswith("<<") and not ins.json else None
            doc = names.get(marker.name) if marker else None
            if doc is not None:
                inline.append((doc.name, self._heredoc(ins, doc.text(), doc.expand, env)))
            else:
                sources.append(word if ins.json else self.word(ins, word, env))
        dest = ins.words[-1] if ins.json else self.word(ins, ins.words[-1], env)
        flags = {name: self.word(ins, str(ins.flag(name, "")), env) for name in ("chown", "chmod", "checksum")}
        return CopySpec(tuple(sources), tuple(inline), dest, flags["chown"], flags["chmod"], flags["checksum"])

    def _heredoc(self, ins: Instruction, text: str, expand: bool, env: Mapping[str, str]) -> str:
        if not expand:
            return text
        try:
            return self._lexer(raw=True).word(text, env)
        except LexError as e:
            raise self._fail(ins, e) from None

    def mounts(self, ins: Instruction, env: Mapping[str, str]) -> list[str]:
        """RUN --mount values expanded field by field; `from=` must be literal."""
        out = []
        for spec in ins.list_flag("mount"):
            fields = []
            for part in split_csv(str(spec)):
                key, eq, value = part.partition("=")
                if key.lower() == "from" and "$" in value:
                    raise DockerfileSyntaxError(
                        self.path, ins.line, "'from' doesn't support variable expansion, define alias stage instead",
                        "run")
                fields.append(key + eq + (self.word(ins, value, env) if eq else ""))
            out.append(",".join(fields))
        return out


def split_csv(text: str) -> list[str]:
    import csv

    rows = list(csv.reader([text]))
    return [f.strip() for f in rows[0]] if rows else []


def command(ins: Instruction, shell: tuple[str, ...] | list[str] | None) -> tuple[list[str], list[tuple[str, str]]]:
    """RUN/CMD/ENTRYPOINT argv and the heredoc files RUN needs written (name, content).

    A RUN that is one heredoc alone runs its body: as a file if it starts with `#!`,
    else as the shell's command string. Other RUNs with heredocs become a script of
    the line followed by each body and its terminator, for the shell to read.
    """
    shell = tuple(shell or DEFAULT_SHELL)
    if ins.json:
        return list(ins.words), []
    if not ins.words:
        return [], []
    text = ins.words[0]
    files: list[tuple[str, str]] = []
    if ins.heredocs:
        only = parse_heredoc(text)
        if len(ins.heredocs) == 1 and only is not None:
            body = ins.heredocs[0].text()
            if body.startswith("#!"):
                name = ins.heredocs[0].name
                return [f"/dev/pipes/{name}"], [(name, body)]
            text = body
        else:
            text = text + "".join("\n" + doc.content + doc.name for doc in ins.heredocs)
    return [*shell, text], files


def created_by(kind: str, text: str) -> str:
    """History `created_by` as BuildKit writes it (RUN/COPY/ADD end in ` # buildkit`)."""
    if kind in ("run", "copy", "add"):
        return f"{kind.upper()} {text} # buildkit"
    return f"{kind.upper()} {text}"


def go_list(items: list[str] | tuple[str, ...]) -> str:
    """Go's `%v` of a string slice: `[a b]` (EXPOSE, VOLUME, SHELL history)."""
    return "[" + " ".join(items) + "]"


def go_quoted_list(items: list[str] | tuple[str, ...]) -> str:
    """Go's `%q` of a string slice: `["a" "b"]` (CMD/ENTRYPOINT history)."""
    import json

    return "[" + " ".join(json.dumps(i) for i in items) + "]"


def run_created_by(argv: list[str], args: list[tuple[str, str | None]]) -> str:
    """`RUN |2 A=1 B= /bin/sh -c cmd # buildkit` with the in-scope ARGs, as BuildKit."""
    text = " ".join(argv)
    if args:
        prefix = " ".join(f"{k}={v or ''}" for k, v in args)
        text = f"|{len(args)} {prefix} {text}"
    return created_by("run", text)
