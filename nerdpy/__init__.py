"""nerdpy: a rootless, daemonless container tool with Docker's command line.

Each command is a short process that opens the on-disk stores directly; the only
long-lived processes are one shim per running container and, rootless, the
holder that keeps the user's shared user+mount namespace alive.
"""

__version__ = "0.1.0"
