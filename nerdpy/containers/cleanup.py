"""`python -m nerdpy.containers.cleanup ID`: the exit command a shim runs after
its container stopped for good (podman's `container cleanup`).

It runs inside the rootless namespace already (the shim inherited it), with the
NERDPY_* environment of the command that started the container.
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    from nerdpy.config import load_settings
    from nerdpy.containers.remove import cleanup_after_exit
    from nerdpy.errors import NerdpyError

    if len(argv) != 1:
        return 2
    try:
        cleanup_after_exit(load_settings(), argv[0])
    except NerdpyError:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
