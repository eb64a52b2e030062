"""Unit tests run commands in pytest's own process: joining the rootless
namespace there would move the whole test run into it (and fails once pytest
has threads). A command body that reaches the namespace before its own
argument checks is a bug the unit suite reports."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_namespace_join(monkeypatch):
    from nerdpy.userns import holder

    def refuse(*_args, **_kwargs):
        raise AssertionError("a unit test joined the rootless namespace (check arguments before entered())")

    monkeypatch.setattr(holder, "join", refuse)
