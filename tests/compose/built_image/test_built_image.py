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


def test_a_rebuilt_image_recreates_the_container(compose):
    c = compose("built_image", project="rebuilt")
    c("up", "-d", timeout=300)
    first = c.ids()
    dockerfile = c.dir / "app" / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text() + "RUN echo changed > /changed\n")
    c("up", "-d", timeout=120)
    assert c.ids() == first, "without --build the existing image (and container) stay"
    result = c("up", "-d", "--build", timeout=300)
    assert "Container rebuilt-app-1  Recreate" in result.stderr, result.stderr
    second = c.ids()
    assert len(second) == 1 and second != first
    again = c("up", "-d", timeout=120)
    assert "Recreate" not in again.stderr and c.ids() == second
    c("down", "--rmi", "local")
