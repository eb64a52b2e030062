"""Layering is mechanical: pyproject's import-linter contracts hold, and `--help`
stays light (no requests, pyroute2, zstandard)."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("requests", "pyroute2", "zstandard")


def _exists(module: str) -> bool:
    try:
        spec = importlib.util.find_spec(module)
    except ModuleNotFoundError:
        return False
    # A directory without __init__.py (an area not started yet) is a namespace package.
    return spec is not None and spec.origin not in (None, "namespace")


def _ini_value(value: object) -> str:
    if isinstance(value, list):
        return "".join(f"\n    {item}" for item in value)
    return str(value)


def write_config(pyproject: Path, target: Path) -> Path:
    """pyproject's contracts as an INI file, minus forbidden-contract sources that do
    not exist yet (import-linter fails on those; layers use "(optional)" instead)."""
    config = tomllib.loads(pyproject.read_text())["tool"]["importlinter"]
    lines = ["[importlinter]"]
    lines += [f"{k} = {_ini_value(v)}" for k, v in config.items() if k != "contracts"]
    for i, contract in enumerate(config["contracts"]):
        contract = dict(contract)
        if contract["type"] == "forbidden":
            contract["source_modules"] = [m for m in contract["source_modules"] if _exists(m)]
        lines.append(f"\n[importlinter:contract:c{i}]")
        lines += [f"{k} = {_ini_value(v)}" for k, v in contract.items() if v != []]
    target.write_text("\n".join(lines) + "\n")
    return target


def _lint_imports() -> list[str]:
    exe = Path(sys.executable).parent / "lint-imports"
    if exe.exists():
        return [str(exe)]
    found = shutil.which("lint-imports")
    if found is None:
        pytest.fail("lint-imports not found: pip install -e '.[test]' (import-linter)")
    return [found]


def _run_lint(config: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([*_lint_imports(), "--no-cache", "--no-logo", str(config)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


def test_import_contracts_hold(tmp_path):
    result = _run_lint(write_config(REPO / "pyproject.toml", tmp_path / "importlinter.ini"))
    assert result.returncode == 0, f"import-linter: broken contract\n{result.stdout}\n{result.stderr}"


def test_a_broken_contract_is_caught(tmp_path):
    """The check can fail: errors may not import the CLI, but config does import errors."""
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[tool.importlinter]\nroot_packages = ["nerdpy"]\n'
        '[[tool.importlinter.contracts]]\nname = "inverted"\ntype = "layers"\n'
        'layers = ["nerdpy.errors", "nerdpy.config"]\n'
    )
    result = _run_lint(write_config(pyproject, tmp_path / "importlinter.ini"))
    assert result.returncode != 0 and "BROKEN" in result.stdout.upper()


def _imported_modules(*args: str) -> set[str]:
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "nerdpy", *args],
                            capture_output=True, text=True, timeout=60, cwd="/tmp",
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 0, result.stderr[-2000:]
    names = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    assert "nerdpy" in names
    return names


@pytest.mark.parametrize("args", [("--help",), ("version",)])
def test_help_imports_no_heavy_modules(args):
    names = _imported_modules(*args)
    heavy = sorted(n for n in names if n.split(".")[0] in HEAVY)
    assert not heavy, f"`nerdpy {' '.join(args)}` imports {heavy}: import them inside the functions that need them"


def test_a_cli_module_importing_a_store_is_caught(tmp_path):
    """The real CLI contract, on a copy of the package with one CLI module that
    imports a store directly, must break."""
    import tomllib

    shutil.copytree(REPO / "nerdpy", tmp_path / "nerdpy", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "nerdpy" / "cli" / "sneaky.py").write_text("from nerdpy.containers.store import ContainerStore\n")
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]
    contract = next(c for c in config["contracts"] if c.get("source_modules") == ["nerdpy.cli"])
    lines = ['[tool.importlinter]', 'root_packages = ["nerdpy"]', 'include_external_packages = true',
             '[[tool.importlinter.contracts]]']
    lines += [f"{k} = {json.dumps(v)}" for k, v in contract.items()]
    (tmp_path / "pyproject.toml").write_text("\n".join(lines) + "\n")
    ini = write_config(tmp_path / "pyproject.toml", tmp_path / "importlinter.ini")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = subprocess.run([*_lint_imports(), "--no-cache", "--no-logo", str(ini)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "nerdpy.cli.sneaky" in result.stdout, result.stdout
