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


def test_push_sends_only_built_and_named_images(compose, registry):
    # docker compose push skips a service without both build and image (pkg/compose/push.go);
    # nerdpy pushed busybox towards docker.io too and failed.
    c = compose("built_image", project="pushing")
    env = {"REGISTRY": registry}
    c("--profile", "push", "build", "pushed", env=env, timeout=300)
    result = c("--profile", "push", "push", env=env, timeout=120)
    assert f"Image {registry}/compose/pushed:1  Pushed" in result.stderr
    assert " pulled  Skipped" in result.stderr and " app  Skipped" in result.stderr
    assert c("--profile", "push", "push", "-q", "pulled", env=env).stderr == ""


def test_pull_of_a_buildable_image_only_warns(compose, registry):
    # docker compose pull: an image that is not in the registry but can be built is a
    # warning and a hint to build, exit 0; nerdpy failed with exit 18.
    c = compose("built_image", project="pullbuild")
    result = c("--profile", "push", "pull", "pushed", env={"REGISTRY": registry, "TAG": "never-pushed"}, timeout=120)
    assert " pushed  Warning " in result.stderr and "Pulled" not in result.stderr
    assert result.stderr.endswith("must be built from source by running:\n    nerdpy compose build pushed\n")
    skipped = c("pull", "app", timeout=120)
    assert skipped.stderr == " app  Skipped - No image to be pulled\n"
