"""Metadata: one sqlite database (`<data_root>/meta.db`) shared by all commands.

Each domain (images, containers, volumes, networks, ...) owns its tables and
their migrations; `Database.ensure_schema(domain, migrations)` applies what is
missing, recorded per domain in `schema_versions`::

    schema_versions(domain TEXT PRIMARY KEY, version INTEGER)
    <domain tables>   see each domain's module docstring

sqlite runs in WAL mode with a busy timeout, so concurrent CLI processes read
while one writes; every change is one short IMMEDIATE transaction.
"""

from nerdpy.metadata.db import Database, open_database

__all__ = ["Database", "open_database"]
