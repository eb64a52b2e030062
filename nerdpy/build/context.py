"""The build's inputs: the context directory with its ignore file, and the Dockerfile.

The ignore file is `<Dockerfile>.dockerignore` beside the Dockerfile when it
exists, else `.dockerignore` at the context root (BuildKit's rule). The
Dockerfile may live outside the context, come inline (`-f -`, compose's
dockerfile_inline), and is parsed here, before anything runs.
"""

from __future__ import annotations

import os

from nerdpy.build.dockerfile.instructions import Program, program
from nerdpy.build.dockerfile.parser import parse
from nerdpy.build.ignore import Matcher, read_patterns
from nerdpy.build.options import BuildOptions
from nerdpy.build.trees import Tree
from nerdpy.errors import InvalidArgument, NotFound

MAX_DOCKERFILE = 16 << 20


def dockerfile_path(options: BuildOptions) -> str:
    if not options.dockerfile:
        return os.path.join(options.context, "Dockerfile")
    if os.path.isabs(options.dockerfile):
        return options.dockerfile
    return options.dockerfile  # relative to the caller's working directory, as docker build -f


def load_program(options: BuildOptions) -> tuple[Program, str]:
    """The parsed Dockerfile and the name errors use for it."""
    if options.dockerfile_text is not None:
        return program(parse(options.dockerfile_text, "Dockerfile")), "Dockerfile"
    path = dockerfile_path(options)
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_DOCKERFILE + 1)
    except FileNotFoundError:
        raise NotFound(f"failed to read dockerfile: open {_shown(path, options)}: no such file or directory") from None
    except IsADirectoryError:
        raise InvalidArgument(f"failed to read dockerfile: {_shown(path, options)} is a directory") from None
    if len(data) > MAX_DOCKERFILE:
        raise InvalidArgument(f"{path}: Dockerfile too large")
    name = os.path.basename(path)
    return program(parse(data, name)), name


def _shown(path: str, options: BuildOptions) -> str:
    """A Dockerfile inside the context by its name there, as BuildKit's errors do (a
    context from stdin lives in a private directory the user never named)."""
    inside = os.path.relpath(path, options.context)
    return path if inside.startswith("..") else inside


def context_tree(options: BuildOptions) -> Tree:
    patterns: list[str] = []
    candidates = []
    if options.dockerfile_text is None:
        candidates.append(dockerfile_path(options) + ".dockerignore")
    candidates.append(os.path.join(options.context, ".dockerignore"))
    for candidate in candidates:
        try:
            with open(candidate, encoding="utf-8", errors="replace") as f:
                patterns = read_patterns(f.read())
            break
        except OSError:
            continue
    return Tree(os.path.realpath(options.context), Matcher(patterns), reset_owner=True)
