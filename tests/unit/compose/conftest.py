"""Helpers for the loader tests: write a project's files, load it."""

import textwrap

import pytest
from nerdpy_compose.loader import load_project
from nerdpy_compose.options import ProjectOptions


@pytest.fixture
def project(tmp_path):
    """project({"compose.yaml": "..."}, env={...}, **options) -> (Project, warnings)."""

    def load(contents, env=None, cwd=None, selected=(), **options):
        for name, text in contents.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text))
        warnings = []
        opts = ProjectOptions(environ=dict(env or {}), cwd=str(cwd or tmp_path), **options)
        return load_project(opts, warnings.append, tuple(selected)), warnings

    load.dir = tmp_path
    return load
