"""The compose engine (installed as `nerdpy_compose`): reads compose files and
drives `nerdpy.api`. Not implemented yet: `nerdpy compose` says so."""
