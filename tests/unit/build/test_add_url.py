"""ADD of an http(s) URL: the body, the file name from the URL path, --checksum."""

import hashlib
import http.server
import threading

import pytest

from nerdpy.build.dockerfile.instructions import program
from nerdpy.build.dockerfile.parser import DockerfileSyntaxError, parse
from nerdpy.build.inputs import download as _download

BODY = b"downloaded\n"


@pytest.fixture(scope="module")
def server():
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the stdlib's name
            self.send_response(200 if self.path.startswith("/files/") else 404)
            self.end_headers()
            self.wfile.write(BODY)

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


INS = program(parse("FROM a\nADD http://x/y /z\n")).stages[0].instructions[0]


def test_download_name_and_checksum(server):
    good = "sha256:" + hashlib.sha256(BODY).hexdigest()
    assert _download(f"{server}/files/tool.tgz?x=1", good, "Dockerfile", INS) == ("tool.tgz", BODY)
    assert _download(f"{server}/files/", "", "Dockerfile", INS)[0] == "files"
    with pytest.raises(DockerfileSyntaxError, match="digest mismatch"):
        _download(f"{server}/files/a", "sha256:" + "0" * 64, "Dockerfile", INS)
    with pytest.raises(DockerfileSyntaxError, match="failed to fetch"):
        _download(f"{server}/missing", "", "Dockerfile", INS)
