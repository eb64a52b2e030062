"""Thin, typed wrappers over the Linux system calls Python 3.11 lacks.

Each wrapper raises OSError with the errno, like the `os` module does.
"""
