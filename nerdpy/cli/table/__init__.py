"""The command table: one module per command group, each with `COMMANDS`, a dict
of nerdpy.cli.spec.Command by name. See nerdpy/cli/spec.py and CONTRIBUTING.md
("Adding a command or a flag")."""
