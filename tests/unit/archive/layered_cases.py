"""Layer stacks whose merged tree must not depend on how the upper layers were applied."""

from __future__ import annotations

from typing import Callable

from tests.unit.archive.tarbuild import tar


def merged_usr() -> list[bytes]:
    # Debian's merged /usr: writes through lib -> usr/lib land in usr/lib (copied up).
    return [tar(("usr", "d"), ("usr/lib", "d", None, {"mode": 0o750}), ("usr/lib/old", "f", "o"),
                ("lib", "s", "usr/lib"), ("abs", "s", "/usr")),
            tar(("lib/new", "f", "n"), ("abs/lib/deep/er/x", "f", "x"), ("lib/sub", "d", None, {"mode": 0o700}))]


def whiteouts() -> list[bytes]:
    return [tar(("etc/a", "f", "a"), ("etc/b", "f", "b"), ("etc/sub/c", "f", "c"), ("keep", "f", "k"),
                ("gone", "d"), ("gone/x", "f", "x")),
            tar(("etc/.wh.a", "f", ""), ("etc/.wh.sub", "f", ""), (".wh.gone", "f", "")),
            tar(("gone/again", "f", "back"), ("etc/sub", "f", "now a file"))]


def opaque() -> list[bytes]:
    return [tar(("d/a", "f", "a"), ("d/e/f", "f", "f"), ("o/x", "f", "x")),
            tar(("d", "d", None, {"mode": 0o711}), ("d/.wh..wh..opq", "f", ""), ("d/new", "f", "n"),
                ("o/.wh..wh..opq", "f", "")),
            tar(("d/e/g", "f", "g"))]


def replace_types() -> list[bytes]:
    return [tar(("dir/x", "f", "x"), ("file", "f", "f"), ("link", "s", "dir"), ("ldir", "d"), ("ldir/y", "f", "y")),
            tar(("dir", "f", "now a file"), ("file", "d"), ("file/in", "f", "i"), ("link", "d"), ("link/z", "f", "z"),
                ("ldir", "s", "dir"))]


def hardlink_to_lower() -> list[bytes]:
    return [tar(("bin/tool", "f", "tool", {"mode": 0o4755}), ("bin/sl", "s", "tool")),
            tar(("sbin/tool2", "h", "bin/tool"), ("sbin/sl2", "h", "/bin/sl"))]


def hostile_links() -> list[bytes]:
    return [tar(("up", "s", "../../../.."), ("escape", "s", "/"), ("tmp", "d"), ("loop", "s", "loop2"),
                ("loop2", "s", "loop"), ("a", "d"), ("a/b", "s", "../a/../../../tmp")),
            tar(("up/tmp/one", "f", "1"), ("escape/tmp/two", "f", "2"), ("a/b/three", "f", "3"),
                ("up/etc/implied", "f", "4"))]


def dangling() -> list[bytes]:
    return [tar(("var/run", "s", "/run"), ("opt", "s", "missing/dir")),
            tar(("var/run/x/y", "f", "y"), ("opt/z", "f", "z"))]


CASES: dict[str, Callable[[], list[bytes]]] = {
    f.__name__: f for f in (merged_usr, whiteouts, opaque, replace_types, hardlink_to_lower, hostile_links, dangling)
}
