"""`exec`: run a command in a running container."""

import sys
from typing import List

import typer

from nerdpy.cli import state

app = typer.Typer()


@app.command("exec", context_settings={"allow_interspersed_args": False},
             help="Execute a command in a running container")
def exec_(
    ctx: typer.Context,
    container: str = typer.Argument(..., help="Container"),
    command: List[str] = typer.Argument(..., help="Command and arguments"),
    interactive: bool = typer.Option(False, "--interactive", "-i", help="Keep STDIN open even if not attached"),
    tty: bool = typer.Option(False, "--tty", "-t", help="Allocate a pseudo-TTY"),
    detach: bool = typer.Option(False, "--detach", "-d", help="Detached mode: run command in the background"),
    env: List[str] = typer.Option([], "--env", "-e", help="Set environment variables"),
    env_file: List[str] = typer.Option([], "--env-file", help="Read in a file of environment variables"),
    workdir: str = typer.Option("", "--workdir", "-w", help="Working directory inside the container"),
    user: str = typer.Option("", "--user", "-u", help="Username or UID (format: <name|uid>[:<group|gid>])"),
    privileged: bool = typer.Option(False, "--privileged", help="Give extended privileges to the command"),
) -> None:
    from nerdpy.api.containers import exec_in
    from nerdpy.cli.container_handlers import expand_env, read_env_file
    from nerdpy.containers.execute import ExecOptions
    from nerdpy.errors import ContainerExit

    if tty and not sys.stdin.isatty():
        from nerdpy.errors import InvalidArgument

        raise InvalidArgument("the input device is not a TTY", hint="drop -t when stdin is not a terminal")
    settings = state.entered(ctx)
    values: list[str] = []
    for path in env_file:
        values += read_env_file(path)
    values += expand_env(list(env))
    opts = ExecOptions(tuple(command), interactive, tty, detach, tuple(values), workdir, user, privileged)
    sys.stdout.flush()
    code = exec_in(settings, container, opts, sys.stdin.fileno() if interactive else None, sys.stdout.fileno(),
                   sys.stderr.fileno())
    if code:
        raise ContainerExit(code)
