"""`nerdpy compose`: says plainly that the compose engine is not there yet."""

from typing import List, Optional

import typer

from nerdpy.errors import NotImplementedYet

app = typer.Typer(add_completion=False)  # one command: no completion flags of its own


@app.command(
    "compose",
    help="Define and run multi-container applications (not implemented yet)",
    context_settings={"allow_interspersed_args": False, "ignore_unknown_options": True},
)
def compose(args: Optional[List[str]] = typer.Argument(None)) -> None:
    raise NotImplementedYet(
        "nerdpy compose is not implemented yet",
        hint="run the services one by one with `nerdpy run` for now",
    )
