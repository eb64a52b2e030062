"""COPY --chmod's symbolic modes, as chmod(1) (BSD setmode, umask 022) computes them."""

import pytest

from nerdpy.build.modes import parse_symbolic


@pytest.mark.parametrize("text, mode, is_dir, want", [
    ("+x", 0o644, False, 0o755),
    ("+w", 0o444, False, 0o644),  # no who letters: umask 022 keeps group/other write off
    ("u=rwX,go=rX", 0o600, False, 0o644),
    ("u=rwX,go=rX", 0o700, True, 0o755),
    ("u=rwX,go=rX", 0o711, False, 0o755),
    ("g=u-w", 0o700, False, 0o750),
    ("go=", 0o777, True, 0o700),
    ("a=r", 0o4755, False, 0o444),
    ("u+s,+t", 0o755, True, 0o5755),
    ("=rw,+X", 0o755, False, 0o755),  # X looks at the mode before the change
    ("ug+x,o-rwx", 0o644, False, 0o750),
])
def test_symbolic_modes(text, mode, is_dir, want):
    assert parse_symbolic(text).apply(mode, is_dir) == want


@pytest.mark.parametrize("text", ["", "+q", "u=rwx,", "ugo", "x", "u=gr", "0755"])
def test_not_symbolic(text):
    assert parse_symbolic(text) is None
