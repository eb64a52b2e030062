"""ruff and mypy, configured in pyproject.toml, hold for the tree."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _run(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        __import__(module)
    except ImportError:
        pytest.fail(f"{module} is not installed: pip install -e '.[test]'")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", module, *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)


def test_ruff():
    result = _run("ruff", "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy():
    result = _run("mypy", "--no-incremental", "--cache-dir", os.devnull)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_can_fail(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import os\n")
    result = _run("ruff", "check", "--no-cache", str(bad))
    assert result.returncode != 0 and "F401" in result.stdout
