"""A build context for the build tests: a small tree, an ignored file, a gzip'd tar."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

# (name, data, mode, uid) of the members of arch.tar.gz
MEMBERS = (("x/y.txt", b"from tar\n", 0o644, 0),)


def make_context(root: Path, dockerfile: str, members: tuple[tuple[str, bytes, int, int], ...] = MEMBERS,
                 ignored: str = "skip.log") -> Path:
    (root / "sub" / "deep").mkdir(parents=True)
    (root / "sub" / "a.txt").write_text("a\n")
    (root / "sub" / "deep" / "b.txt").write_text("b\n")
    (root / "sub" / ignored).write_text("ignored\n")
    (root / ".dockerignore").write_text("**/*.log\n")
    (root / "Dockerfile").write_text(dockerfile)
    with tarfile.open(root / "arch.tar.gz", "w:gz") as tar:
        for name, data, mode, uid in members:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.uid = len(data), mode, uid
            tar.addfile(info, io.BytesIO(data))
    root.chmod(0o755)
    return root


def context_tar(files: dict[str, bytes], mode: str = "w") -> bytes:
    """A context archive for `build -` (`mode`: tarfile's, e.g. "w:bz2")."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()
