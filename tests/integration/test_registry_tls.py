"""Registry TLS the Docker way: certs.d/<host:port>/ca.crt adds a CA for that registry,
client.cert/client.key give mutual TLS. A real docker-registry serves TLS with a CA the
test makes (openssl CLI); it listens on a non-loopback address, since loopback registries
are insecure by design. certs.d: /etc/docker/certs.d as root, $XDG_CONFIG_HOME/nerdpy/certs.d
rootless."""

from __future__ import annotations

import os
import select
import shutil
import socket
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import requires
from tests.fixtures.registry import free_port

pytestmark = [pytest.mark.integration, requires("docker-registry", "busybox", "userns", "newuidmap")]


def host_address() -> str:
    """The first global-scope IPv4 address (a registry there is not loopback, so TLS is verified)."""
    out = subprocess.run(["ip", "-4", "-o", "addr", "show", "scope", "global"], capture_output=True,
                         text=True, check=True).stdout
    for line in out.splitlines():
        return line.split()[3].split("/")[0]
    raise AssertionError("this host has no global IPv4 address for the TLS registry test")


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_pki(d: Path, ip: str) -> None:
    """ca.crt, server.crt/key (SAN = ip), client.cert/key, all EC P-256, valid one day."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "1", "-subj", "/CN=nerdpy test CA",
            cwd=d)
    for name, ext in (("server", f"subjectAltName=IP:{ip}"), ("client", "extendedKeyUsage=clientAuth")):
        openssl("req", *ec, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}", cwd=d)
        (d / f"{name}.ext").write_text(ext + "\n")
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", f"{name}.crt", "-days", "1", "-extfile", f"{name}.ext", cwd=d)


class TlsRegistry:
    def __init__(self, workdir: Path, ip: str, client_auth: bool) -> None:
        self.workdir, self.ip, self.port = workdir, ip, free_port()
        clientcas = f"    clientcas:\n      - {workdir / 'ca.crt'}\n" if client_auth else ""
        config = workdir / f"config-{self.port}.yml"
        config.write_text(
            "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\n"
            f"storage:\n  filesystem:\n    rootdirectory: {workdir / f'storage-{self.port}'}\n"
            f"http:\n  addr: {ip}:{self.port}\n  tls:\n    certificate: {workdir / 'server.crt'}\n"
            f"    key: {workdir / 'server.key'}\n" + clientcas)
        self.proc = subprocess.Popen(["docker-registry", "serve", str(config)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        self._wait()

    @property
    def address(self) -> str:
        return f"{self.ip}:{self.port}"

    def _wait(self) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection((self.ip, self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("TLS registry did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Iterator[tuple[Path, str]]:
    d = tmp_path_factory.mktemp("pki")
    ip = host_address()
    make_pki(d, ip)
    for path in d.iterdir():
        path.chmod(0o644)  # the rootless run reads them from inside its namespace
    d.chmod(0o755)
    yield d, ip


class CertsD:
    """The certs.d nerdpy reads for this identity; `env` for nerdpy; removes what it installed."""

    def __init__(self, tmp_path: Path) -> None:
        if os.getuid() == 0:
            self.base, self.env = Path("/etc/docker/certs.d"), {}
        else:
            self.base = tmp_path / "xdg" / "nerdpy" / "certs.d"
            self.env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg")}
        self.made: list[Path] = []

    def install(self, registry: str, pki: Path, files: dict[str, str]) -> None:
        target = self.base / registry
        target.mkdir(parents=True, exist_ok=True)
        self.made.append(target)
        for dest, src in files.items():
            shutil.copy(pki / src, target / dest)

    def cleanup(self) -> None:
        for path in self.made:
            shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def certs_d(tmp_path) -> Iterator[CertsD]:
    certs = CertsD(tmp_path)
    yield certs
    certs.cleanup()


def _error_line(result) -> str:
    assert result.returncode == 125 and "Traceback" not in result.stderr, result
    lines = [x for x in result.stderr.splitlines() if x.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_certs_d_ca_makes_a_private_registry_trusted(nerdpy, busybox_image, pki, certs_d):
    d, ip = pki
    env = certs_d.env
    reg = TlsRegistry(d, ip, client_auth=False)
    try:
        ref = f"{reg.address}/tls/bb:{uuid.uuid4().hex[:6]}"
        nerdpy("tag", busybox_image, ref)
        line = _error_line(nerdpy("push", ref, check=False, env=env))
        assert "TLS" in line or "certificate" in line
        certs_d.install(reg.address, d, {"ca.crt": "ca.crt"})
        nerdpy("push", ref, env=env)
        nerdpy("rmi", ref)
        assert "Downloaded newer image" in nerdpy("pull", ref, env=env).stdout
        probe_env = dict(env, PYTHONPROFILEIMPORTTIME="1")
        again = nerdpy("pull", ref, env=probe_env)
        assert "Image is up to date" in again.stdout
        imported = {x.rsplit("|", 1)[-1].strip() for x in again.stderr.splitlines() if "|" in x}
        assert "ssl" in imported and "requests" not in imported  # the stdlib probe verified the CA
        nerdpy("rmi", ref)
    finally:
        reg.stop()


def test_certs_d_client_certificate_for_mutual_tls(nerdpy, busybox_image, pki, certs_d):
    d, ip = pki
    env = certs_d.env
    reg = TlsRegistry(d, ip, client_auth=True)
    try:
        ref = f"{reg.address}/mtls/bb:v1"
        nerdpy("tag", busybox_image, ref)
        certs_d.install(reg.address, d, {"ca.crt": "ca.crt"})
        _error_line(nerdpy("push", ref, check=False, env=env))  # the server wants a client certificate
        certs_d.install(reg.address, d, {"client.cert": "client.crt", "client.key": "client.key"})
        nerdpy("push", ref, env=env)
        nerdpy("rmi", ref)
        nerdpy("pull", ref, env=env)
        again = nerdpy("pull", ref, env=dict(env, PYTHONPROFILEIMPORTTIME="1"))
        assert "Image is up to date" in again.stdout and "| requests\n" not in again.stderr
        nerdpy("rmi", ref)
    finally:
        reg.stop()


class ConnectProxy:
    """An HTTPS proxy (CONNECT tunnels only) on 127.0.0.1 that records the targets it was asked for."""

    def __init__(self) -> None:
        proxy = self
        self.targets: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_CONNECT(self) -> None:
                proxy.targets.append(self.path)
                host, port = self.path.rsplit(":", 1)
                upstream = socket.create_connection((host, int(port)), timeout=10)
                self.send_response(200)
                self.end_headers()
                _pipe(self.connection, upstream)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _pipe(a: socket.socket, b: socket.socket) -> None:
    with b:
        while True:
            ready, _, _ = select.select([a, b], [], [], 10)
            if not ready:
                return
            for src in ready:
                data = src.recv(65536)
                if not data:
                    return
                (b if src is a else a).sendall(data)


def test_https_proxy_carries_registry_traffic_unless_no_proxy(nerdpy, busybox_image, pki, certs_d):
    d, ip = pki
    reg = TlsRegistry(d, ip, client_auth=False)
    proxy = ConnectProxy()
    try:
        certs_d.install(reg.address, d, {"ca.crt": "ca.crt"})
        ref = f"{reg.address}/proxied/bb:v1"
        nerdpy("tag", busybox_image, ref)
        env = dict(certs_d.env, HTTPS_PROXY=proxy.url, NO_PROXY="example.com")
        nerdpy("push", ref, env=env)
        assert proxy.targets and set(proxy.targets) == {reg.address}
        proxy.targets.clear()
        # Present locally, but a proxy applies: the full client (through the proxy), not the probe.
        assert "Image is up to date" in nerdpy("pull", ref, env=env).stdout
        assert set(proxy.targets) == {reg.address}
        proxy.targets.clear()
        direct = dict(env, NO_PROXY=ip)
        assert "Image is up to date" in nerdpy("pull", ref, env=direct).stdout
        assert proxy.targets == []
        nerdpy("rmi", ref)
    finally:
        proxy.stop()
        reg.stop()
