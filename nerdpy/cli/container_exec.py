"""`exec`: run a command in a running container."""

from typing import List

import typer

app = typer.Typer(add_completion=False)  # one command: no completion flags of its own


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
) -> int:
    from nerdpy.cli.handlers import containers as body

    return body.exec_(ctx.find_root().obj, container, command, interactive, tty, detach, env, env_file, workdir, user,
                      privileged)
