"""The command line: typer commands that parse flags, call `nerdpy.api`, print.

Command modules are imported only when their command runs (see `registry`),
so `nerdpy --help` and completion stay fast and import no heavy library.
"""
