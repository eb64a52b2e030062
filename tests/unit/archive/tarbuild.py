"""Build raw (possibly hostile) layer tars for the archive tests, and snapshot trees."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import tarfile
from pathlib import Path
from typing import Any


def tar(*entries: tuple, fmt: int = tarfile.PAX_FORMAT) -> bytes:
    """entries: (name, kind, arg, extra) with kind f(ile)/d(ir)/s(ymlink)/h(ardlink)/c(har)/p(fifo)/raw."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tf:
        for entry in entries:
            name, kind = entry[0], entry[1]
            arg = entry[2] if len(entry) > 2 else None
            extra: dict[str, Any] = entry[3] if len(entry) > 3 else {}
            ti = tarfile.TarInfo(name)
            ti.mtime = extra.get("mtime", 1_700_000_000)
            ti.uid, ti.gid = extra.get("uid", os.geteuid()), extra.get("gid", os.getegid())
            ti.mode = extra.get("mode", 0o755 if kind == "d" else 0o644)
            data = None
            if kind == "f":
                raw = arg.encode() if isinstance(arg, str) else (arg or b"")
                ti.size, data = len(raw), io.BytesIO(raw)
            elif kind == "d":
                ti.type = tarfile.DIRTYPE
            elif kind == "s":
                ti.type, ti.linkname = tarfile.SYMTYPE, arg
            elif kind == "h":
                ti.type, ti.linkname = tarfile.LNKTYPE, arg
            elif kind == "c":
                ti.type, (ti.devmajor, ti.devminor) = tarfile.CHRTYPE, arg
            elif kind == "p":
                ti.type = tarfile.FIFOTYPE
            for key, value in extra.get("pax", {}).items():
                ti.pax_headers[key] = value
            tf.addfile(ti, data)
    return buf.getvalue()


def snapshot_tree(root: Path) -> dict[str, tuple]:
    """path -> (type, mode, uid, gid, size, sha256 or link target), root excluded."""
    out: dict[str, tuple] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            rel = os.path.relpath(p, root)
            if stat.S_ISLNK(st.st_mode):
                detail = os.readlink(p)
            elif stat.S_ISREG(st.st_mode):
                detail = hashlib.sha256(Path(p).read_bytes()).hexdigest()
            else:
                detail = ""
            size = st.st_size if stat.S_ISREG(st.st_mode) else 0
            out[rel] = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, size, detail)
    return out
