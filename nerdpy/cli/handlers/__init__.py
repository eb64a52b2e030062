"""Command bodies without typer: `(CliState, **params)` functions that call
`nerdpy.api` and print. Both the typer commands and the fast path call them."""
