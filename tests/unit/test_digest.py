"""nerdpy.digest: the OpenSSL-free sha256 gives hashlib's digests."""

import hashlib
import os
import subprocess
import sys

from nerdpy.digest import sha256_digest, sha256_hex


def test_matches_hashlib():
    for data in (b"", b"abc", os.urandom(70_000)):
        assert sha256_hex(data) == hashlib.sha256(data).hexdigest()
    assert sha256_digest(b"abc") == "sha256:" + hashlib.sha256(b"abc").hexdigest()


def test_does_not_load_openssl():
    code = "import sys; from nerdpy.digest import sha256_hex; sha256_hex(b'x'); print('_hashlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"
