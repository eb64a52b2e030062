"""A service with `build:` and no image: built by nerdpy's builder, run, and
removed with `down --rmi all`."""

import pytest

pytestmark = pytest.mark.integration


def test_build_run_and_remove_image(compose, nerdpy):
    c = compose("built_image", project="builtimage")
    result = c("up", "--exit-code-from", "app", timeout=300)
    assert "Image builtimage-app  Built" in result.stderr and "app-1  | built-by-compose" in result.stdout
    assert "builtimage-app" in nerdpy("images", "--format", "{{.Repository}}").stdout.split()
    again = c("up", "--exit-code-from", "app", timeout=120)
    assert "Built" not in again.stderr, "an existing image is not rebuilt without --build"
    c("down", "--rmi", "all")
    assert "builtimage-app" not in nerdpy("images", "--format", "{{.Repository}}").stdout.split()
