"""Shared pytest fixtures: an isolated nerdpy, a real local registry, busybox images.

Fixtures
    nerdpy          session-wide isolated store: nerdpy("run", "--rm", img, "true") -> CompletedProcess
    fresh_nerdpy    the same, with a store of its own for this test
    registry        "127.0.0.1:PORT" of a running Debian docker-registry (session)
    busybox_tar     path of a docker-archive holding busybox:latest (for `nerdpy load -i`)
    busybox_image   "busybox:latest", loaded into the session store
    registry_busybox  "127.0.0.1:PORT/library/busybox:latest", pushed to the session registry
    images          the tests.fixtures.images module (builder, writers, push)

`requires("runc", "tun", ...)` is a skip marker for host prerequisites (names in
PREREQS). Skips are for missing host parts only: CI installs everything and fails
on any skipped integration test, except skips whose reason starts with
"identity:" (`requires("root")` / `requires("rootless")`), which the other pass runs.
An xfail integration test counts as skipped (a known-missing feature is not green).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from tests.fixtures import images as _images

IS_ROOT = os.getuid() == 0
REPO = Path(__file__).resolve().parent.parent
IDENTITY_SKIP = "identity:"


# ---------------------------------------------------------------- prerequisites


def _has(tool: str) -> bool:
    """Installed where nerdpy looks: $PATH, then the system directories (a user's
    login PATH has no sbin, where Debian puts runc and nft)."""
    from nerdpy.linux.which import find_executable

    return find_executable(tool) is not None


def _subids() -> bool:
    import pwd

    name = pwd.getpwuid(os.getuid()).pw_name
    try:
        lines = Path("/etc/subuid").read_text().splitlines()
    except OSError:
        return False
    return any(line.split(":")[0] in (name, str(os.getuid())) for line in lines if line.strip())


PREREQS: dict[str, tuple[Callable[[], bool], str]] = {
    "runc": (lambda: _has("runc"), "runc is not installed"),
    "crun": (lambda: _has("crun"), "crun is not installed"),
    "newuidmap": (lambda: _has("newuidmap") and _has("newgidmap"), "uidmap (newuidmap) is not installed"),
    "slirp4netns": (lambda: _has("slirp4netns"), "slirp4netns is not installed"),
    "pasta": (lambda: _has("pasta"), "passt (pasta) is not installed"),
    "fuse-overlayfs": (lambda: _has("fuse-overlayfs"), "fuse-overlayfs is not installed"),
    "fuse": (lambda: os.access("/dev/fuse", os.R_OK | os.W_OK),
             "/dev/fuse is not usable by this user (Debian ships it 0600; .ci/run opens it)"),
    "docker-registry": (lambda: _has("docker-registry"), "docker-registry is not installed"),
    "busybox": (lambda: _images.BUSYBOX.exists(), "busybox-static is not installed"),
    "podman": (lambda: _has("podman"), "podman is not installed"),
    "skopeo": (lambda: _has("skopeo"), "skopeo is not installed"),
    "umoci": (lambda: _has("umoci"), "umoci is not installed"),
    "catatonit": (lambda: _has("catatonit"), "catatonit is not installed"),
    "tini": (lambda: _has("tini") or _has("tini-static"), "tini is not installed"),
    "nft": (lambda: _has("nft"), "nftables is not installed"),
    "tun": (lambda: os.access("/dev/net/tun", os.R_OK | os.W_OK), "/dev/net/tun is not usable (chmod 0666 it)"),
    "userns": (lambda: IS_ROOT or _subids(), "no /etc/subuid range for this user"),
    "root": (lambda: IS_ROOT, f"{IDENTITY_SKIP} needs root"),
    "rootless": (lambda: not IS_ROOT, f"{IDENTITY_SKIP} needs an unprivileged user"),
}


def requires(*names: str) -> pytest.MarkDecorator:
    """Skip unless every named prerequisite holds, e.g. `@requires("runc", "tun")`."""
    unknown = [n for n in names if n not in PREREQS]
    if unknown:
        raise ValueError(f"unknown prerequisite(s) {unknown}; known: {sorted(PREREQS)}")
    missing = [PREREQS[n][1] for n in names if not PREREQS[n][0]()]
    return pytest.mark.skipif(bool(missing), reason="; ".join(missing) or "ok")


# Importable as `from tests.conftest import requires`; also exposed as a fixture-free helper.
pytest.requires = requires  # type: ignore[attr-defined]


# ---------------------------------------------------------------- no skips in CI


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Everything under tests/integration is an integration test, marked or not."""
    for item in items:
        if "integration" in Path(str(item.fspath)).parts and item.get_closest_marker("integration") is None:
            item.add_marker(pytest.mark.integration)


_FORBIDDEN_SKIPS: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if not report.skipped or os.environ.get("NERDPY_TEST_NO_SKIPS", "") in ("", "0"):
        return
    if "integration" not in report.keywords:
        return
    if hasattr(report, "wasxfail"):  # an xfail is a known-missing feature: not green either
        reason = f"xfail: {report.wasxfail}"
    else:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    if not reason.removeprefix("Skipped: ").startswith(IDENTITY_SKIP):
        _FORBIDDEN_SKIPS.append(f"{report.nodeid}: {reason}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _FORBIDDEN_SKIPS:
        lines = "\n  ".join(_FORBIDDEN_SKIPS)
        print(f"\nNERDPY_TEST_NO_SKIPS: {len(_FORBIDDEN_SKIPS)} integration test(s) skipped:\n  {lines}",
              file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# ---------------------------------------------------------------- running nerdpy


class NerdpyFailed(AssertionError):
    def __init__(self, result: subprocess.CompletedProcess[str]) -> None:
        self.result = result
        super().__init__(
            f"nerdpy {' '.join(map(str, result.args[3:]))} exited {result.returncode}\n"
            f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
        )


@dataclass
class Nerdpy:
    """Runs `python -m nerdpy` against one isolated data root + runtime root."""

    data_root: Path
    runtime_root: Path
    base_env: dict[str, str] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(self.base_env)
        env.update({
            "NERDPY_DATA_ROOT": str(self.data_root),
            "NERDPY_RUNTIME_ROOT": str(self.runtime_root),
            "NERDPY_CONFIG": str(self.runtime_root.parent / "no-config.toml"),
            # The subprocess runs the tree under test, whatever is installed.
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        })
        return env

    def argv(self, *args: Any) -> list[str]:
        return [sys.executable, "-m", "nerdpy", *map(str, args)]

    def __call__(self, *args: Any, input: str | None = None, check: bool = True, timeout: float = 60,
                 env: dict[str, str] | None = None, cwd: str | Path | None = None) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            self.argv(*args), input=input, capture_output=True, text=True, timeout=timeout,
            env={**self.env, **(env or {})}, cwd=cwd or "/tmp",
            stdin=None if input is not None else subprocess.DEVNULL,
        )
        if check and result.returncode != 0:
            raise NerdpyFailed(result)
        return result

    def popen(self, *args: Any, env: dict[str, str] | None = None, **kwargs: Any) -> subprocess.Popen[str]:
        """Start nerdpy in the background (attach, logs -f, ...); caller waits/kills it."""
        kwargs.setdefault("stdout", subprocess.PIPE)
        kwargs.setdefault("stderr", subprocess.PIPE)
        kwargs.setdefault("stdin", subprocess.DEVNULL)
        kwargs.setdefault("text", True)
        kwargs.setdefault("cwd", "/tmp")
        return subprocess.Popen(self.argv(*args), env={**self.env, **(env or {})}, **kwargs)

    def unshare(self, *cmd: Any, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a host command inside the rootless namespace (plain command as root)."""
        if IS_ROOT:
            return subprocess.run(list(map(str, cmd)), capture_output=True, text=True, check=check, timeout=120)
        return self("unshare", *cmd, check=check)

    def cleanup(self) -> None:
        """Stop containers, drop the store (owned by subuids when rootless), kill the holder.

        Belt and braces: whatever `rm -f` left behind (runc containers, shims) is
        removed too, so one broken test cannot leak processes into the next session.
        """
        holder = _holder_pid(self.runtime_root / "holder.pid")
        if self.data_root.exists():
            ids = self("ps", "-aq", check=False, timeout=60)
            if ids.returncode == 0 and ids.stdout.split():
                self("rm", "-f", *ids.stdout.split(), check=False, timeout=120)
        self._force_remove_leftovers()
        if not IS_ROOT and self.data_root.exists():
            self("unshare", "rm", "-rf", str(self.data_root), str(self.runtime_root), check=False, timeout=120)
        shutil.rmtree(self.data_root, ignore_errors=True)
        if holder is not None:
            _kill(holder)
        shutil.rmtree(self.data_root.parent, ignore_errors=True)

    def _force_remove_leftovers(self) -> None:
        runc_root = self.runtime_root / "runc"
        leftovers = sorted(p.name for p in runc_root.iterdir()) if runc_root.is_dir() else []
        for cid in leftovers:
            self.unshare("runc", "--root", runc_root, "delete", "--force", cid, check=False)
        marker = str(self.runtime_root).encode()
        for pidfile in self.runtime_root.glob("shims/*/shim.pid"):
            pid = _holder_pid(pidfile)
            try:
                alive_shim = pid is not None and marker in Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                alive_shim = False
            if alive_shim:
                _kill(pid)


def _holder_pid(pidfile: Path) -> int | None:
    try:
        return int(pidfile.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def _new_nerdpy(tag: str) -> Nerdpy:
    # The runtime root holds unix sockets (108-byte limit): keep it short, under /tmp.
    base = Path(tempfile.mkdtemp(prefix=f"np{tag}-", dir="/tmp"))
    runtime, data = base / "r", base / "d"
    runtime.mkdir(mode=0o700)
    data.mkdir(mode=0o700)
    return Nerdpy(data_root=data, runtime_root=runtime)


@pytest.fixture(scope="session")
def nerdpy() -> Iterator[Nerdpy]:
    """Session-wide isolated nerdpy; tests share its store (use unique names)."""
    np = _new_nerdpy("s")
    yield np
    np.cleanup()


@pytest.fixture
def fresh_nerdpy() -> Iterator[Nerdpy]:
    """A nerdpy with a store of its own (slower: new namespace holder; use sparingly)."""
    np = _new_nerdpy("t")
    yield np
    np.cleanup()


# ---------------------------------------------------------------- registry and images


@pytest.fixture(scope="session")
def images():
    return _images


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not _has("docker-registry"):
        pytest.skip("docker-registry is not installed")
    reg = _images.LocalRegistry(tmp_path_factory.mktemp("registry")).start()
    yield reg.address
    reg.stop()


@pytest.fixture(scope="session")
def busybox_built() -> _images.Image:
    """The small busybox image (OCI media types, gzip) as bytes."""
    if not _images.BUSYBOX.exists():
        pytest.skip("busybox-static is not installed")
    return _images.busybox_image()


@pytest.fixture(scope="session")
def busybox_tar(tmp_path_factory: pytest.TempPathFactory, busybox_built: _images.Image) -> Path:
    path = tmp_path_factory.mktemp("busybox") / "busybox.tar"
    return _images.write_docker_archive(path, busybox_built, ["busybox:latest"])


@pytest.fixture(scope="session")
def busybox_image(nerdpy: Nerdpy, busybox_tar: Path) -> str:
    """"busybox:latest" loaded into the session store with `nerdpy load`."""
    result = nerdpy("load", "-i", busybox_tar, check=False, timeout=120)
    if result.returncode != 0:
        if "not implemented" in result.stderr.lower() or "no such command" in result.stderr.lower():
            pytest.skip(f"nerdpy load is not available yet: {result.stderr.strip()}")
        raise NerdpyFailed(result)
    return "busybox:latest"


@pytest.fixture(scope="session")
def registry_busybox(registry: str, busybox_built: _images.Image) -> str:
    """busybox pushed to the session registry; returns the full reference."""
    _images.push(registry, "library/busybox", "latest", busybox_built)
    return f"{registry}/library/busybox:latest"
