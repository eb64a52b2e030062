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
`exec -d` sends `{"exec": "<process file name in the shim dir>"}` instead: the
shim runs `runc exec --detach` itself, so the process it leaves behind is
reparented to the shim (a subreaper) and reaped, wherever PID 1 does not reap,
and answers one EXECUTED frame. Shims that speak this record
`shim_protocol >= PROTOCOL` in the state file.
"""

PROTOCOL = 2  # 2: the exec request

# Frame types, client -> shim
STDIN = b"i"
STDIN_CLOSE = b"c"
RESIZE = b"r"  # payload b"<rows> <cols>"
# shim -> client (1 and 2 are Docker's stdcopy stream ids)
STDOUT = b"\x01"
STDERR = b"\x02"
EXIT = b"x"  # payload: the exit code in ASCII
STARTED = b"s"
EXECUTED = b"e"  # payload: runc exec's exit code in ASCII (its error is in <process file>.log)
