"""The command table is the one declaration of every table command: the fast
parser and the click CLI built from it must agree, and bodies take exactly the
table's keywords."""

import importlib
import inspect
import pkgutil

import pytest

from nerdpy.errors import InvalidArgument

from nerdpy.cli import fastpath, table
from nerdpy.cli.commands import GROUPS, TOP, group_flags, table_command
from nerdpy.cli.spec import Arg, Command, Group, flag, many, opt, arg

RUN_LIKE = Command("t", "test", "x:y", (
    flag("--detach", "-d"), flag("--interactive", "-i"), flag("--tty", "-t"),
    many("--publish", "-p"), opt("--name"), opt("--stop-timeout", type="int"),
    many("--network", aliases=("--net",)),
    arg("image"), arg("command", required=False, many=True),
), interspersed=False)


def bound(*args, command=RUN_LIKE):
    values, positional = fastpath.parse(command, list(args))
    return fastpath.bind(command, values, positional)


def test_flags_options_and_trailing_command():
    kw = bound("-it", "--name=web", "-p", "8080:80", "-p9090:90", "--net", "n1", "img", "sh", "-c", "echo -d")
    assert kw["interactive"] and kw["tty"] and not kw["detach"]
    assert kw["name"] == "web" and kw["network"] == ["n1"]
    assert kw["publish"] == ["8080:80", "9090:90"]
    assert kw["image"] == "img"
    assert kw["command"] == ["sh", "-c", "echo -d"]


def test_defaults_are_filled_and_fresh():
    kw = bound("img")
    assert kw["publish"] == [] and kw["name"] is None and kw["command"] == []
    kw["publish"].append("x")
    assert bound("img")["publish"] == []


def test_int_conversion_and_double_dash():
    kw = bound("--stop-timeout", "5", "--", "img", "--name")
    assert kw["stop_timeout"] == 5 and kw["image"] == "img" and kw["command"] == ["--name"]


@pytest.mark.parametrize("args", [
    ["--help"], ["-h", "img"], ["--bogus", "img"], ["-x", "img"], [], ["--name"],
    ["--stop-timeout", "soon", "img"], ["-p"],
])
def test_declines_what_click_must_answer(args):
    with pytest.raises(fastpath._Fallback):
        bound(*args)


def test_boolean_flags_take_go_values_as_docker():
    assert bound("--detach=true", "img")["detach"] is True
    assert bound("--detach=false", "img")["detach"] is False
    assert bound("-d=0", "img")["detach"] is False and bound("-d=T", "img")["detach"] is True
    for bad in ("--detach=maybe", "-d=yes", "--detach="):
        with pytest.raises(InvalidArgument, match="is not a boolean"):
            bound(bad, "img")


def test_interspersed_commands_take_options_after_arguments():
    command = Command("t", "test", "x:y", (flag("--detach", "-d"), arg("names", many=True, required=False)))
    assert bound("a", "-d", "b", command=command) == {"detach": True, "names": ["a", "b"]}


# --- every table command -----------------------------------------------------


def all_commands() -> list[Command]:
    out = []
    for info in pkgutil.iter_modules(table.__path__):
        module = importlib.import_module(f"nerdpy.cli.table.{info.name}")
        out.extend(module.COMMANDS.values())
    return out


def all_groups() -> list[Group]:
    """The groups with flags of their own (compose): their body is checked as a command's."""
    out = []
    for info in pkgutil.iter_modules(table.__path__):
        module = importlib.import_module(f"nerdpy.cli.table.{info.name}")
        if hasattr(module, "GROUP"):
            out.append(module.GROUP)
    return out


COMMANDS = all_commands()
GROUP_LIST = all_groups()
IDS = [f"{c.body}" for c in COMMANDS]


def body_problems(command: Command, body) -> list[str]:
    """Why `body` cannot be `command`'s body: every parameter after the CliState is
    keyword-only (so no caller can pass two of them swapped), has no default (the
    table's is the one), and is a table keyword; every table keyword is taken."""
    params = list(inspect.signature(body).parameters.values())[1:]
    problems = [f"{p.name} is not keyword-only" for p in params
                if p.kind not in (p.KEYWORD_ONLY, p.VAR_KEYWORD)]
    problems += [f"{p.name} has a default" for p in params if p.default is not p.empty]
    names = {p.name for p in params if p.kind is p.KEYWORD_ONLY}
    table_names = {p.name for p in command.params}
    problems += [f"{n} is not in the table" for n in sorted(names - table_names)]
    rest = table_names - names
    if any(p.kind is p.VAR_KEYWORD for p in params):
        from nerdpy.containers import CreateOptions  # run/create: the rest fills CreateOptions
        from nerdpy.records import fields

        sink = {f.name for f in fields(CreateOptions)} | {"env", "env_file", "labels", "label_file", "rootfs"}
        rest -= sink
    problems += [f"{n} is not taken" for n in sorted(rest)]
    return problems


@pytest.mark.parametrize("command", COMMANDS, ids=IDS)
def test_body_takes_the_tables_keywords(command):
    assert body_problems(command, fastpath.resolve(command)) == []


def test_a_swapped_or_positional_body_is_caught():
    """Swapping two parameters of a body (or of a call to it) can only matter when they
    are passed by position: the check refuses positional bodies and unknown names."""
    command = Command("t", "test", "x:y", (flag("--all", "-a"), flag("--quiet", "-q")))

    def positional(cli, quiet, all):  # swapped and positional
        pass

    def misnamed(cli, *, all, quite):
        pass

    def good(cli, *, quiet, all):
        pass

    assert body_problems(command, positional)
    assert body_problems(command, misnamed)
    assert body_problems(command, good) == []


def sample_argv(command: Command, short: bool) -> list[str]:
    """Every flag of `command` once (repeatable ones twice), then its arguments."""
    argv: list[str] = []
    for i, f in enumerate(command.flags):
        shorts = [s for s in f.spellings if len(s) == 2]
        spelling = shorts[0] if short and shorts else f.spellings[0]
        if f.type == "bool":
            argv.append(spelling)
            continue
        value = str(i) if f.type in ("int", "float") else (f.choices[0] if f.choices else f"v{i}")
        argv += [spelling, value] * (2 if f.repeat else 1)
    for a in command.args:
        argv += [f"{a.name}1", f"{a.name}2"] if a.many else [f"{a.name}1"]
    return argv


def click_values(command: Command, argv: list[str]) -> dict:
    from nerdpy.cli.clickbuild import _values, build

    click_command = build(command, command.name)
    ctx = click_command.make_context(command.name, list(argv))
    return _values(command, ctx.params)


@pytest.mark.parametrize("command", COMMANDS, ids=IDS)
@pytest.mark.parametrize("short", [False, True])
def test_fast_and_click_parse_alike(command, short):
    bare = [a for a in sample_argv(command, short) if a[:-1] in {x.name for x in command.args}]
    for argv in (sample_argv(command, short), bare):
        try:
            fast = bound(*argv, command=command)
        except fastpath._Fallback:
            pytest.fail(f"fast path declined {argv}")
        assert fast == click_values(command, argv), argv


@pytest.mark.parametrize("group", GROUP_LIST, ids=[g.body for g in GROUP_LIST])
def test_group_body_takes_the_tables_keywords(group):
    assert body_problems(group, fastpath.resolve(group)) == []


@pytest.mark.parametrize("group", GROUP_LIST, ids=[g.body for g in GROUP_LIST])
@pytest.mark.parametrize("short", [False, True])
def test_fast_and_click_parse_group_flags_alike(group, short):
    """A group's flags stop at the subcommand's name: what follows is the subcommand's."""
    from nerdpy.cli.clickbuild import _values
    from nerdpy.cli.lazy import make_group

    for argv in (sample_argv(group, short), []):
        argv = [*argv, "sub", "-x", "--file"]
        values, positional = fastpath.parse(group, argv)
        assert positional == ["sub", "-x", "--file"]
        ctx = make_group(group.name, {}, group).make_context(group.name, list(argv), resilient_parsing=True)
        assert fastpath.bind(group, values, []) == _values(group, ctx.params), argv
        assert ctx.args == positional[1:]  # click keeps the subcommand name apart


def spellings() -> list[list[str]]:
    out = [[name] for name, e in TOP.items() if e.in_table]
    out += [[g, name] for g, entries in GROUPS.items() for name, e in entries.items() if e.in_table]
    # A group's own flags before its subcommand: `compose -f A -f B -p P ... up`.
    with_flags = {g: sample_argv(group_flags(e), short=True) for g, e in TOP.items() if group_flags(e) is not None}
    out += [[g, *with_flags[g], name] for g, entries in GROUPS.items() if g in with_flags for name in entries]
    return out


@pytest.mark.parametrize("words", spellings(), ids=" ".join)
def test_every_spelling_takes_the_fast_path(words, monkeypatch):
    """`ps`, `container ps`, `container ls`, `image ls`: each finds its table command on
    the fast path, and the click CLI calls the same body with the same values."""
    from nerdpy.cli import main

    found = fastpath.find(words)
    assert found is not None and found[2] == []
    command = found[0]
    argv = ["--data-root", "/nonexistent-ct", *words, *sample_argv(command, short=False)]
    calls = []
    monkeypatch.setattr(fastpath, "resolve", lambda c: lambda cli, **kw: calls.append((c, kw)) or 0)
    assert main.run(argv) == 0
    fast = list(calls)
    calls.clear()
    monkeypatch.setattr(fastpath, "try_run", lambda args: None)
    assert main.run(argv) == 0
    assert calls == fast and calls[-1][0] == command


def test_fast_and_click_paths_print_the_same(capsys, monkeypatch):
    from nerdpy.cli import main

    assert main.run(["version", "--format", "{{.Client.Os}}"]) == 0
    fast = capsys.readouterr().out
    monkeypatch.setattr(fastpath, "try_run", lambda args: None)
    assert main.run(["version", "--format", "{{.Client.Os}}"]) == 0
    assert capsys.readouterr().out == fast == "linux\n"


def test_every_spelling_names_a_table_command_or_group():
    """Every command is in the table: an entry is a table command or a group (with its
    own help, and, if it has flags of its own, a table GROUP)."""
    for entries in (TOP, *GROUPS.values()):
        for entry in entries.values():
            if entry.in_table:
                assert isinstance(table_command(entry), Command)
            else:
                assert entry.target.startswith("@") and entry.target[1:] in GROUPS and entry.help, entry
                assert entry.flags == "" or isinstance(group_flags(entry), Group), entry


def test_arg_records_are_used():
    assert any(isinstance(p, Arg) for c in COMMANDS for p in c.params)
