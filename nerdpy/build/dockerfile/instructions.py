"""Nodes -> typed instructions grouped in stages, with BuildKit's argument rules.

Nothing is expanded here: each instruction keeps its words as written (quotes
included where BuildKit keeps them) and the builder expands them with the
stage's environment at dispatch time (`expand.py` says which ones expand).
"""

from __future__ import annotations

import re

from nerdpy.build.dockerfile.parser import (
    Dockerfile,
    DockerfileSyntaxError,
    Heredoc,
    Node,
    node_from_line,
    parse_json_array,
)
from nerdpy.records import field, record

# flag name -> kind: "str" (one value), "bool", "list" (repeatable)
_FLAGS: dict[str, dict[str, str]] = {
    "from": {"platform": "str"},
    "run": {"mount": "list", "network": "str", "security": "str", "device": "list"},
    "copy": {"from": "str", "chown": "str", "chmod": "str", "link": "bool", "parents": "bool",
             "exclude": "list"},
    "add": {"chown": "str", "chmod": "str", "link": "bool", "checksum": "str", "keep-git-dir": "bool",
            "unpack": "bool", "exclude": "list"},
    "healthcheck": {"interval": "str", "timeout": "str", "start-period": "str",
                    "start-interval": "str", "retries": "str"},
}
KNOWN = ("from", "run", "copy", "add", "env", "arg", "label", "expose", "volume", "user", "workdir",
         "cmd", "entrypoint", "healthcheck", "shell", "stopsignal", "onbuild", "maintainer")
_STAGE_NAME = re.compile(r"^[a-z][a-z0-9\-_.]*$")


@record
class Instruction:
    """One typed instruction.

    `words`: the arguments (exec form: the JSON strings; shell form: one string;
    COPY/ADD: sources then dest; EXPOSE/VOLUME: the words). `pairs`: ENV/LABEL/ARG
    keys and values as written (ARG value None: no default). `json`: exec form.
    """

    kind: str
    node: Node
    words: tuple[str, ...] = ()
    pairs: tuple[tuple[str, str | None], ...] = ()
    flags: dict[str, str | bool | list[str]] = field(default_factory=dict)
    json: bool = False
    heredocs: tuple[Heredoc, ...] = ()
    trigger: Instruction | None = None  # ONBUILD's sub-instruction

    @property
    def line(self) -> int:
        return self.node.line

    def flag(self, name: str, default: str | bool | list[str] | None = None) -> str | bool | list[str] | None:
        return self.flags.get(name, default)

    def list_flag(self, name: str) -> list[str]:
        """A repeatable flag's values (`--mount`, `--exclude`); [] when not given."""
        values = self.flags.get(name)
        return list(values) if isinstance(values, list) else []


@record
class Stage:
    index: int
    base: str  # as written; expanded with the meta args at plan time
    name: str = ""  # lower-cased `AS` name
    platform: str = ""
    line: int = 0
    instructions: tuple[Instruction, ...] = ()


@record
class Program:
    """A parsed Dockerfile: meta ARGs (before the first FROM) and the stages."""

    path: str
    meta_args: tuple[Instruction, ...]
    stages: tuple[Stage, ...]
    escape: str = "\\"
    directives: dict[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def stage(self, ref: str) -> Stage | None:
        """A stage by (case-insensitive) name or by index."""
        for st in self.stages:
            if st.name and st.name == ref.lower():
                return st
        if ref.isdigit() and int(ref) < len(self.stages):
            return self.stages[int(ref)]
        return None


def program(df: Dockerfile) -> Program:
    """Group a parsed Dockerfile into meta args and stages; raises DockerfileSyntaxError."""
    meta: list[Instruction] = []
    stages: list[Stage] = []
    current: list[Instruction] = []
    for node in df.nodes:
        ins = instruction(node, df.path, df.escape)
        if ins.kind == "from":
            if stages:
                stages[-1] = _with_instructions(stages[-1], current)
            stages.append(_stage(ins, len(stages), stages, df.path))
            current = []
        elif not stages:
            if ins.kind != "arg":
                raise DockerfileSyntaxError(df.path, node.line, "no build stage in current context", ins.kind)
            meta.append(ins)
        else:
            current.append(ins)
    if not stages:
        raise DockerfileSyntaxError(df.path, 0, "dockerfile contains no stages to build")
    stages[-1] = _with_instructions(stages[-1], current)
    return Program(df.path, tuple(meta), tuple(stages), df.escape, df.directives, df.warnings)


def _with_instructions(stage: Stage, ins: list[Instruction]) -> Stage:
    return Stage(stage.index, stage.base, stage.name, stage.platform, stage.line, tuple(ins))


def _stage(ins: Instruction, index: int, earlier: list[Stage], path: str) -> Stage:
    words = ins.words
    if len(words) not in (1, 3) or (len(words) == 3 and words[1].lower() != "as"):
        raise DockerfileSyntaxError(path, ins.line, "FROM requires either one or three arguments", "from")
    name = words[2].lower() if len(words) == 3 else ""
    if name and not _STAGE_NAME.match(name):
        raise DockerfileSyntaxError(
            path, ins.line, f"invalid name for build stage: {words[2]!r}, name can't start with a number "
            "or contain symbols", "from")
    if name and any(st.name == name for st in earlier):
        raise DockerfileSyntaxError(path, ins.line, f"duplicate stage name {name!r}", "from")
    platform = ins.flag("platform", "")
    return Stage(index, words[0], name, str(platform), ins.line)


def instruction(node: Node, path: str = "Dockerfile", escape: str = "\\") -> Instruction:
    """Type one node; raises DockerfileSyntaxError naming the file, line and instruction."""
    kind = node.instruction
    if kind not in KNOWN:
        raise DockerfileSyntaxError(path, node.line, f"unknown instruction: {kind.upper()}")
    try:
        flags = parse_flags(kind, node.flags)
        return _typed(kind, node, flags, path, escape)
    except ValueError as e:
        raise DockerfileSyntaxError(path, node.line, str(e), kind) from None


def parse_flags(kind: str, words: tuple[str, ...]) -> dict[str, str | bool | list[str]]:
    allowed = _FLAGS.get(kind, {})
    out: dict[str, str | bool | list[str]] = {}
    for word in words:
        name, eq, value = word[2:].partition("=")
        spec = allowed.get(name)
        if spec is None:
            raise ValueError(f"unknown flag: --{name}")
        if spec == "list":
            if not eq:
                raise ValueError(f"missing a value on flag: --{name}")
            existing = out.setdefault(name, [])
            assert isinstance(existing, list)
            existing.append(value)
            continue
        if name in out:
            raise ValueError(f"duplicate flag specified: --{name}")
        if spec == "bool":
            if eq and value.lower() not in ("true", "false"):
                raise ValueError(f"expecting boolean value for flag --{name}, not: {value}")
            out[name] = not eq or value.lower() == "true"
        elif not eq or not value:
            raise ValueError(f"missing a value on flag: --{name}")
        else:
            out[name] = value
    return out


def _typed(kind: str, node: Node, flags: dict, path: str, escape: str) -> Instruction:
    args = node.args
    if kind in ("run", "cmd", "entrypoint", "shell"):
        exec_form = parse_json_array(args)
        if kind == "shell" and not exec_form:
            raise ValueError("SHELL requires the arguments to be in JSON form")
        if exec_form is not None:
            return Instruction(kind, node, tuple(exec_form), flags=flags, json=True)
        if kind == "run" and not args:
            raise ValueError("RUN requires at least one argument")
        return Instruction(kind, node, (args,) if args else (), flags=flags, heredocs=node.heredocs)
    if kind in ("copy", "add"):
        return _copy(kind, node, flags, escape)
    if kind in ("env", "label"):
        return Instruction(kind, node, pairs=tuple(_name_values(kind, args, escape)), flags=flags)
    if kind == "arg":
        return Instruction(kind, node, pairs=tuple(_arg_pairs(args, escape)))
    if kind in ("expose", "from"):
        return Instruction(kind, node, tuple(args.split()), flags=flags)
    if kind == "volume":
        words = parse_json_array(args)
        words = words if words is not None else args.split()
        if not words or any(not w.strip() for w in words):
            raise ValueError("VOLUME specified can not be an empty string")
        return Instruction(kind, node, tuple(words), json=True)
    if kind in ("user", "workdir", "stopsignal", "maintainer"):
        if not args:
            raise ValueError(f"{kind.upper()} requires exactly one argument")
        return Instruction(kind, node, (args,))
    if kind == "healthcheck":
        return _healthcheck(node, flags)
    return _onbuild(node, path, escape)


def _copy(kind: str, node: Node, flags: dict, escape: str) -> Instruction:
    exec_form = parse_json_array(node.args)
    words = exec_form if exec_form is not None else split_words(node.args, escape)
    if len(words) < 2:
        raise ValueError(f"{kind.upper()} requires at least two arguments, but only one was provided. "
                         "Destination could not be determined")
    names = {doc.name for doc in node.heredocs}
    if words[-1].startswith("<<") and words[-1].lstrip("<-") in names:
        raise ValueError(f"{kind.upper()} cannot accept a heredoc as a destination")
    if kind == "copy" and "from" in flags and "$" in str(flags["from"]):
        raise ValueError("variable expansion is not supported for --from, define a new stage with FROM using ARG "
                         "from global scope as a workaround")
    return Instruction(kind, node, tuple(words), flags=flags, json=exec_form is not None,
                       heredocs=node.heredocs)


def split_words(text: str, escape: str) -> list[str]:
    """Whitespace-split words keeping quotes and escapes (BuildKit's parseWords)."""
    words: list[str] = []
    cur: list[str] = []
    quote = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if not quote and ch in " \t":
            if cur:
                words.append("".join(cur))
                cur = []
        else:
            cur.append(ch)
            if ch == escape and quote != "'" and i + 1 < len(text):
                i += 1
                cur.append(text[i])
            elif ch in "'\"" and quote in ("", ch):
                quote = "" if quote else ch
        i += 1
    if cur:
        words.append("".join(cur))
    return words


def _name_values(kind: str, args: str, escape: str) -> list[tuple[str, str | None]]:
    words = split_words(args, escape)
    if not words:
        raise ValueError(f"{kind.upper()} requires at least one argument")
    if "=" not in words[0]:  # legacy `ENV key value with spaces`
        parts = args.split(None, 1)
        if len(parts) < 2:
            raise ValueError(f"{kind.upper()} must have two arguments")
        return [(parts[0], parts[1])]
    pairs: list[tuple[str, str | None]] = []
    for word in words:
        key, eq, value = word.partition("=")
        if not eq:
            raise ValueError(f"Syntax error - can't find = in {word!r}. Must be of the form: name=value")
        if not key:
            raise ValueError(f"{kind.upper()} names can not be blank")
        pairs.append((key, value))
    return pairs


def _arg_pairs(args: str, escape: str) -> list[tuple[str, str | None]]:
    words = split_words(args, escape)
    if not words:
        raise ValueError("ARG requires at least one argument")
    pairs: list[tuple[str, str | None]] = []
    for word in words:
        key, eq, value = word.partition("=")
        if not key:
            raise ValueError("ARG names can not be blank")
        pairs.append((key, value if eq else None))
    return pairs


def _healthcheck(node: Node, flags: dict) -> Instruction:
    from nerdpy.build.dockerfile.durations import parse_duration

    parts = node.args.split(None, 1)
    kind = parts[0].upper() if parts else ""
    rest = parts[1] if len(parts) > 1 else ""
    if kind == "NONE":
        if rest or flags:
            raise ValueError("HEALTHCHECK NONE takes no arguments")
        return Instruction("healthcheck", node, ("NONE",))
    if kind != "CMD":
        raise ValueError(f"Unknown type {kind!r} in HEALTHCHECK (try CMD)")
    for name in ("interval", "timeout", "start-period", "start-interval"):
        if name in flags:
            ns = parse_duration(str(flags[name]))
            if 0 < ns < 1_000_000 or ns < 0:
                raise ValueError(f"Interval {name.title()} cannot be less than 1ms")
    retries = str(flags.get("retries", "0"))
    if not retries.lstrip("-").isdigit() or int(retries) < 0:
        raise ValueError("--retries cannot be negative")
    exec_form = parse_json_array(rest)
    if exec_form is not None:
        return Instruction("healthcheck", node, ("CMD", *exec_form), flags=flags, json=True)
    if not rest:
        raise ValueError("Missing command after HEALTHCHECK CMD")
    return Instruction("healthcheck", node, ("CMD-SHELL", rest), flags=flags)


def _onbuild(node: Node, path: str, escape: str) -> Instruction:
    if not node.args:
        raise ValueError("ONBUILD requires at least one argument")
    inner = node_from_line(node.args, escape, path, node.line)
    if inner.instruction in ("onbuild", "from", "maintainer"):
        raise ValueError(f"{inner.instruction.upper()} isn't allowed as an ONBUILD trigger")
    inner = Node(inner.instruction, inner.args, inner.flags, node.line, node.end_line, node.args, node.heredocs)
    return Instruction("onbuild", node, (node.args,), trigger=instruction(inner, path, escape),
                       heredocs=node.heredocs)
