"""man/ and completions/ match the CLI definition; the generators produce usable output."""

from __future__ import annotations

import filecmp
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
REGEN = "python -m nerdpy.cli.docgen"


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("docgen")
    result = subprocess.run([sys.executable, "-m", "nerdpy.cli.docgen", "--out", str(out)],
                            capture_output=True, text=True, timeout=120, cwd=REPO)
    assert result.returncode == 0, result.stderr
    return out


@pytest.mark.parametrize("sub", ["man", "completions"])
def test_no_drift(generated, sub):
    fresh, committed = generated / sub, REPO / sub
    names = sorted(p.name for p in fresh.iterdir())
    have = sorted(p.name for p in committed.iterdir() if not p.name.startswith(".")) if committed.exists() else []
    stale = [n for n in names if n in have and not filecmp.cmp(fresh / n, committed / n, shallow=False)]
    problems = ([f"missing {sub}/{n}" for n in names if n not in have]
                + [f"extra {sub}/{n}" for n in have if n not in names]
                + [f"outdated {sub}/{n}" for n in stale])
    assert not problems, f"{sub}/ drifted from the CLI ({', '.join(problems[:8])}): run `{REGEN}` and commit"


def test_every_registered_command_loads():
    from nerdpy.cli.lazy import load_command
    from nerdpy.cli.commands import GROUPS, TOP

    broken = []
    for table_name, table in [("", TOP), *GROUPS.items()]:
        for name, entry in table.items():
            try:
                load_command(entry, name)
            except Exception as exc:  # noqa: BLE001 - reported below
                broken.append(f"{table_name} {name} -> {entry.target}: {type(exc).__name__}: {exc}".strip())
    assert not broken, "spellings without a command:\n" + "\n".join(broken)


def test_root_page_documents_files_and_locks(generated):
    text = (generated / "man" / "nerdpy.1").read_text()
    assert ".SH FILES" in text and "meta.db" in text and "Lock rules:" in text
    assert ".SH EXIT STATUS" in text and "125" in text


@pytest.mark.skipif(shutil.which("groff") is None, reason="groff is not installed")
def test_man_pages_render(generated):
    for page in sorted((generated / "man").glob("*.1")):
        result = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-P-cbou", str(page)], capture_output=True,
                                text=True, timeout=30)
        assert result.returncode == 0 and not result.stderr, f"{page.name}: {result.stderr}"
        assert "NAME" in result.stdout and "SYNOPSIS" in result.stdout, page.name


def _bash_complete(generated: Path, line: str) -> list[str]:
    words = line.split(" ")
    script = (f"source {generated / 'completions' / 'nerdpy'}\n"
              f"COMP_WORDS=({' '.join(repr(w) for w in words)}); COMP_CWORD={len(words) - 1}\n"
              "_nerdpy; printf '%s\\n' \"${COMPREPLY[@]}\"\n")
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=30, cwd="/")
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_bash_completion(generated):
    assert "volume" in _bash_complete(generated, "nerdpy vol")
    got = _bash_complete(generated, "nerdpy volume l")
    assert "ls" in got and all(w.startswith("l") for w in got)
    assert "--format" in _bash_complete(generated, "nerdpy info --f")
    # a value flag's argument is skipped, so the subcommand is still recognised
    assert "ls" in _bash_complete(generated, "nerdpy --data-root /x volume l")
    assert "--data-root" not in _bash_complete(generated, "nerdpy volume ls --")


@pytest.mark.parametrize("shell,name", [("zsh", "_nerdpy"), ("fish", "nerdpy.fish")])
def test_other_shells_parse(generated, shell, name):
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")
    flag = "-n" if shell == "zsh" else "--no-execute"
    result = subprocess.run([shell, flag, str(generated / "completions" / name)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_zsh_completion(generated):
    # _describe/_files stubbed: the script's own word walking is what is under test.
    stub = "_describe() { print -l -- \"${(@P)4}\"; }; _files() { echo FILES; }; "
    def complete(words: str, current: int) -> list[str]:
        script = f"{stub} words=({words}); CURRENT={current}; source {generated / 'completions' / '_nerdpy'}"
        result = subprocess.run(["zsh", "-fc", script], capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr
        return [line.split(":")[0] for line in result.stdout.splitlines()]
    assert "ls" in complete("nerdpy --data-root /x volume l", 5)
    assert "--format" in complete("nerdpy info --f", 3)


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
def test_fish_completion(generated):
    script = f"source {generated / 'completions' / 'nerdpy.fish'}; complete -C 'nerdpy volume '"
    result = subprocess.run(["fish", "--no-config", "-c", script], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "ls" in [line.split("\t")[0] for line in result.stdout.splitlines()]


def test_readme_command_table_matches_cli():
    from nerdpy.cli import docgen

    text = (REPO / "README.md").read_text()
    start, end = text.find(docgen.TABLE_BEGIN), text.find(docgen.TABLE_END)
    assert start >= 0 and end > start, "README.md lost its command-table markers"
    table = docgen.command_table(docgen.cli_tree())
    assert text[start:end + len(docgen.TABLE_END)] == table, f"README's command table drifted: run `{REGEN}`"
    assert "`nerdpy unshare`" in table and "`nerdpy version`" in table
