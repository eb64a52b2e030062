"""`nerdpy push` (`image push`; flags: nerdpy/cli/table/images.py), with Docker's output."""

from __future__ import annotations

import sys

from nerdpy.cli import state
from nerdpy.cli.state import CliState

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional, TextIO


def push(
    cli: CliState, *, name: str,
    quiet: bool,
    all_tags: bool,
    platform: Optional[str],
    disable_content_trust: bool,
) -> None:
    del disable_content_trust  # nerdpy has no content trust: signing is always off, as the flag asks
    from nerdpy import reference
    from nerdpy.api import registry as api

    settings = state.entered(cli)
    given = reference.parse(name, default_tag=False)
    names = api.local_tags(settings, name) if all_tags else [str(reference.parse(name))]
    out = sys.stdout
    if not quiet:
        if not all_tags and not (given.tag or given.digest):
            out.write("Using default tag: latest\n")
        out.write(f"The push refers to repository [{given.name}]\n")
        out.flush()
    for one in names:
        _push_one(settings, one, quiet, out, platform)


def _push_one(settings: Any, name: str, quiet: bool, out: TextIO, platform: Optional[str]) -> None:
    from nerdpy.api import registry as api

    view = None
    if not quiet:
        from nerdpy.cli.image_pull import ProgressView

        view = ProgressView(out, out.isatty())
    result = api.push(settings, name, view, platform)
    if quiet:
        out.write(f"{result.reference}\n")
        return
    for platform in result.skipped_platforms:
        out.write(f"{platform}: not present locally, already in the registry\n")
    out.write(f"{result.tag}: digest: {result.digest} size: {result.size}\n")
    if result.note:
        out.write(f"{result.note}\n")
