"""The per-container shim: a small detached process that owns a container's
stdio, log and exit status (containerd's shim / podman's conmon, in Python).

Started by the CLI as a fresh minimal interpreter (`python -I -S -c BOOT`) that
imports only `nerdpy.shim.*`, `nerdpy.runtime` and `nerdpy.logs.writer`, so it
costs a few MB of private memory. Files:

    <runtime_root>/shims/<id>/          0700, the shim's cwd
        config.json                     written by the CLI before the spawn
        attach                          unix socket 0600 (attach, start -a, run -it)
        console.sock                    runc's --console-socket (with -t)
        stopped                         present: a user stopped it, do not restart
    <data_root>/containers/<id>/state.json   status, pids, times, exit code (atomic)

Attach protocol (stream socket): the client sends one JSON header line
`{"stdin": bool, "stdout": bool, "stderr": bool, "cleanup": bool}`, then frames
`<type:1><length:4 big-endian><payload>`; the shim sends frames back.
"""

# Frame types, client -> shim
STDIN = b"i"
STDIN_CLOSE = b"c"
RESIZE = b"r"  # payload b"<rows> <cols>"
# shim -> client (1 and 2 are Docker's stdcopy stream ids)
STDOUT = b"\x01"
STDERR = b"\x02"
EXIT = b"x"  # payload: the exit code in ASCII
STARTED = b"s"
