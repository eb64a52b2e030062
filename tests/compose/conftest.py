"""Compose test projects: one directory per feature beside its test module.
Each test copies its project into a private temp dir (bind sources are created
there, never in the checkout) and drives `nerdpy compose` in it; whatever it
brings up is taken down afterwards."""

import shutil
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


class Compose:
    def __init__(self, nerdpy, directory: Path, project: str) -> None:
        self.nerdpy, self.dir, self.project = nerdpy, directory, project
        self.touched = False  # only `config` so far: nothing to take down

    def __call__(self, *args, check=True, timeout=90, env=None, input=None):
        self.touched = self.touched or "config" not in args
        return self.nerdpy("compose", "-p", self.project, *args, check=check, timeout=timeout, env=env,
                           cwd=self.dir, input=input)

    def raw(self, *args, check=True, timeout=90, env=None):
        """Without -p: the project name comes from the files, .env or the directory."""
        self.touched = self.touched or "config" not in args
        return self.nerdpy("compose", *args, check=check, timeout=timeout, env=env, cwd=self.dir)

    def ids(self, *services):
        out = self("ps", "-aq", *services).stdout.split()
        return sorted(out)


@pytest.fixture
def compose(nerdpy, busybox_image, tmp_path, request):
    """compose(feature) -> Compose over a copy of tests/compose/<feature>."""
    made = []

    def make(feature: str, project: str = "") -> Compose:
        target = tmp_path / feature
        shutil.copytree(HERE / feature, target, ignore=shutil.ignore_patterns("test_*.py", "__pycache__"))
        c = Compose(nerdpy, target, project or feature.replace("_", ""))
        made.append(c)
        return c

    yield make
    for c in (c for c in made if c.touched):
        c("down", "-v", "-t", "0", "--remove-orphans", check=False, timeout=120)
