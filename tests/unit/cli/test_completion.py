"""The completion scripts' data comes from the command table's `completes=` declarations."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from nerdpy.cli import docgen_completion
from nerdpy.cli.docgen import Cmd, Opt, Positional
from nerdpy.cli.spec import NAME_KINDS

REPO = Path(__file__).resolve().parents[3]


def _cmd(path: tuple[str, ...], positionals=(), options=()) -> Cmd:
    return Cmd(path, "", "", "", tuple(options), (), (), tuple(positionals))


def test_arg_kinds_spell_each_argument_and_the_rest():
    run = _cmd(("run",), [Positional("images", False), Positional("", True)])
    assert docgen_completion.arg_kinds(run) == "images -..."
    assert docgen_completion.arg_kinds(_cmd(("stop",), [Positional("containers", True)])) == "containers..."
    assert docgen_completion.arg_kinds(_cmd(("build",), [Positional("", False)])) == ""


def test_flag_kinds_cover_every_spelling():
    net = Opt(("--net", "--network"), "list", "", None, "networks")
    tree = _cmd((), options=[Opt(("--name",), "string", "", None)])
    run = _cmd(("run",), options=[net])
    from dataclasses import replace

    tree = replace(tree, subcommands=(run,))
    script = docgen_completion.bash(tree)
    assert "'run|--net'|'run|--network') echo networks ;;" in script
    assert "--name" not in script.split("_nerdpy_flag_kind()")[1].split("}")[0]


def test_table_declares_only_known_kinds():
    from nerdpy.cli.commands import GROUPS, TOP, table_command

    seen = set()
    for entry in [*TOP.values(), *(e for g in GROUPS.values() for e in g.values())]:
        if entry.in_table:
            for param in table_command(entry).params:
                assert param.completes in ("", *NAME_KINDS), (entry.target, param.name, param.completes)
                seen.add(param.completes)
    assert seen >= set(NAME_KINDS), "every kind of name is completed somewhere"


@pytest.fixture(scope="module")
def tree():
    from nerdpy.cli.docgen import cli_tree

    return cli_tree()


@pytest.mark.parametrize("path,kinds", [
    (("stop",), "running-containers..."), (("container", "rm"), "containers..."), (("rmi",), "images..."),
    (("start",), "stopped-containers..."), (("unpause",), "paused-containers..."), (("logs",), "containers"),
    (("run",), "images -..."), (("exec",), "running-containers -..."), (("network", "rm"), "networks..."),
    (("network", "connect"), "networks containers"), (("volume", "rm"), "volumes..."),
])
def test_commands_complete_their_names(tree, path, kinds):
    from nerdpy.cli.docgen import walk

    (cmd,) = [c for c in walk(tree) if c.path == path]
    assert docgen_completion.arg_kinds(cmd) == kinds


def test_run_flags_complete_networks_and_containers(tree):
    from nerdpy.cli.docgen import walk

    (run,) = [c for c in walk(tree) if c.path == ("run",)]
    kinds = {name: o.completes for o in run.options for name in o.names}
    assert kinds["--network"] == kinds["--net"] == "networks"
    assert kinds["--volumes-from"] == "containers"
    assert kinds["--name"] == ""


def test_hidden_command_is_not_documented(tree):
    from nerdpy.cli.docgen import walk

    assert "__complete" not in {c.path[0] for c in walk(tree)[1:]}
    assert "completion" in {c.path[0] for c in walk(tree)[1:]}


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_command_prints_the_installed_script(shell):
    result = subprocess.run([sys.executable, "-m", "nerdpy", "completion", shell], capture_output=True, text=True,
                            timeout=120, cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (REPO / docgen_completion.FILES[shell]).read_text()


def test_completion_refuses_other_shells():
    result = subprocess.run([sys.executable, "-m", "nerdpy", "completion", "powershell"], capture_output=True,
                            text=True, timeout=60, cwd=REPO)
    assert result.returncode == 125 and result.stdout == ""
    assert result.stderr.startswith('Error: unsupported shell "powershell"')


def test_setup_installs_the_scripts_where_shells_look(monkeypatch):
    import runpy

    import setuptools

    given: dict = {}
    monkeypatch.setattr(setuptools, "setup", lambda **kwargs: given.update(kwargs))
    monkeypatch.chdir(REPO)
    runpy.run_path(str(REPO / "setup.py"))
    assert sorted(given["data_files"]) == [("share/bash-completion/completions", ["completions/nerdpy"]),
                                       ("share/fish/vendor_completions.d", ["completions/nerdpy.fish"]),
                                       ("share/zsh/site-functions", ["completions/_nerdpy"])]
    assert set(docgen_completion.FILES.values()) == {f for _, files in given["data_files"] for f in files}


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_a_missing_nerdpy_completes_nothing_silently(shell, tmp_path):
    """The command the user typed is what the script runs for names: when it is not
    there (a typo, another PATH), the prompt gets no error."""
    import shutil

    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")
    script = REPO / docgen_completion.FILES[shell]
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    if shell == "bash":
        argv = ["bash", "--norc", "-c", f"source {script}; COMP_WORDS=(nerdpy-absent volume rm ''); COMP_CWORD=3; "
                                        "_nerdpy; printf '%s\\n' \"${COMPREPLY[@]}\""]
    elif shell == "zsh":
        argv = ["zsh", "-fc", "compadd() { local a; for a in \"$@\"; do [[ $a == -* ]] || print -l -- \"${(@P)a}\"; "
                              "done; }; compset() { :; }; words=(nerdpy-absent volume rm ''); CURRENT=4; "
                              f"source {script}"]
    else:
        argv = ["fish", "--no-config", "-c", f"source {script}; complete -c nerdpy-absent -w nerdpy; "
                                             "complete -C 'nerdpy-absent volume rm '"]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, "", "")
