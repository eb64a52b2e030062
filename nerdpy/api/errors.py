"""The error kinds a client of the API (the compose engine) raises and catches:
re-exported here so such clients depend on `nerdpy.api` only."""

from nerdpy.errors import (  # noqa: F401 - re-exports
    AlreadyExists,
    Conflict,
    ContainerExit,
    InvalidArgument,
    NerdpyError,
    NotFound,
    NotImplementedYet,
    Unavailable,
)
