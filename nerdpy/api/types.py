"""Value types a client of the API (the compose engine) builds and passes in:
the settings, the record decorator, and the container and exec options records."""

from nerdpy.config import Settings  # noqa: F401 - re-exports
from nerdpy.containers import Container, CreateOptions, State  # noqa: F401
from nerdpy.containers.execute import ExecOptions  # noqa: F401
from nerdpy.records import field, fields, record, replace  # noqa: F401
