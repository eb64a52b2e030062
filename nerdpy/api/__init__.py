"""The public Python API: what the CLI and the compose engine call.

Each module here is a set of use cases over the services below; none prints,
exits or reads the environment.
"""
