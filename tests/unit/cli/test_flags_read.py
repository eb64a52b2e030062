"""Nothing accepted and ignored: every flag and argument of the command table is
read by its body (or, for run/create, fills a CreateOptions field that the
container code reads). A flag a body only `del`s must say why in a comment there."""

import ast
import inspect
import re
import textwrap
from pathlib import Path

import pytest

from nerdpy.cli import fastpath
from tests.unit.cli.test_fastpath import COMMANDS, GROUP_LIST, IDS

REPO = Path(__file__).resolve().parents[3]


def names_read(fn) -> set[str]:
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Load, ast.Del))}


def unread(command, body) -> list[str]:
    params = inspect.signature(body).parameters
    read = names_read(body)
    missing = [p for p in params if params[p].kind is inspect.Parameter.KEYWORD_ONLY and p not in read]
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        from nerdpy.cli.container_run import build_options

        sink = set(inspect.signature(build_options).parameters) - {"create"}
        sink_read = names_read(build_options)
        rest = {p.name for p in command.params} - set(params)
        missing += [n for n in sorted(rest & sink) if n not in sink_read]
        missing += [f"CreateOptions.{n} (never read)" for n in sorted(rest - sink) if not create_field_read(n)]
    return missing


def create_field_read(field: str) -> bool:
    """Some module other than the record's own reads `<something>.<field>`."""
    pattern = re.compile(rf"\.{field}\b")
    for path in (REPO / "nerdpy").rglob("*.py"):
        if path.match("nerdpy/containers/__init__.py") or "cli" in path.parts:
            continue
        if pattern.search(path.read_text()):
            return True
    return False


@pytest.mark.parametrize("command", COMMANDS, ids=IDS)
def test_every_flag_is_read(command):
    assert unread(command, fastpath.resolve(command)) == []


@pytest.mark.parametrize("group", GROUP_LIST, ids=[g.body for g in GROUP_LIST])
def test_every_group_flag_is_read(group):
    assert unread(group, fastpath.resolve(group)) == []


def test_an_ignored_flag_is_caught():
    from nerdpy.cli.spec import Command, flag

    command = Command("t", "test", "x:y", (flag("--all", "-a"), flag("--quiet", "-q")))

    def body(cli, *, all, quiet):
        return all

    assert unread(command, body) == ["quiet"]
