"""The command line: the command table (spec, table/), the fast parser that runs it,
and the command bodies that call `nerdpy.api` and print.

A command's body module is imported only when that command runs (nerdpy.cli.commands
maps Docker's spellings to table commands), so `nerdpy --help` and completion stay
fast and import no heavy library.
"""
