"""Too few arguments: Docker's lines and exit 1 (cobra's arity errors), never a traceback."""

from __future__ import annotations

import pytest

from nerdpy.cli.main import run


@pytest.mark.parametrize("argv,bound,usage", [
    (["rm"], "at least 1 argument", "nerdpy rm [OPTIONS] CONTAINER [CONTAINER...]"),
    (["stop"], "at least 1 argument", "nerdpy stop [OPTIONS] CONTAINER [CONTAINER...]"),
    (["kill"], "at least 1 argument", "nerdpy kill [OPTIONS] CONTAINER [CONTAINER...]"),
    (["wait"], "at least 1 argument", "nerdpy wait CONTAINER [CONTAINER...]"),
    (["inspect"], "at least 1 argument", "nerdpy inspect [OPTIONS] NAME|ID [NAME|ID...]"),
    (["start"], "at least 1 argument", "nerdpy start [OPTIONS] CONTAINER [CONTAINER...]"),
    (["exec", "c1"], "at least 2 arguments", "nerdpy exec [OPTIONS] CONTAINER COMMAND [ARG...]"),
    (["logs"], "exactly 1 argument", "nerdpy logs [OPTIONS] CONTAINER"),
    (["rename", "a"], "exactly 2 arguments", "nerdpy rename CONTAINER NEW_NAME"),
    (["run"], "at least 1 argument", "nerdpy run [OPTIONS] IMAGE [COMMAND] [ARG...]"),
])
def test_missing_arguments_are_dockers_lines(argv, bound, usage, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("NERDPY_DATA_ROOT", str(tmp_path / "data"))
    monkeypatch.setenv("NERDPY_RUNTIME_ROOT", str(tmp_path / "run"))
    assert run(argv) == 1
    err = capsys.readouterr().err
    path = "nerdpy " + argv[0]
    assert err.startswith(f'Error: "{path}" requires {bound}.\nSee \'{path} --help\'.\n\nUsage:  {usage}\n\n'), err
    assert "internal error" not in err


def test_flag_errors_stay_125(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("NERDPY_DATA_ROOT", str(tmp_path / "data"))
    monkeypatch.setenv("NERDPY_RUNTIME_ROOT", str(tmp_path / "run"))
    assert run(["rm", "--no-such-flag", "x"]) == 125


@pytest.mark.parametrize("argv,line", [
    (["run", "--bogus", "busybox"], "unknown flag: --bogus"),
    (["run", "-Z", "busybox"], "unknown shorthand flag: 'Z' in -Z"),
    (["run", "--name"], "flag needs an argument: --name"),
    (["run", "-e"], "flag needs an argument: 'e' in -e"),
    (["network", "create", "--subnet"], "flag needs an argument: --subnet"),
])
def test_flag_errors_in_pflags_words(argv, line, capsys, tmp_path, monkeypatch):
    """Docker (cobra/pflag) says `unknown flag: --x` and `flag needs an argument: --x`,
    then the help hint of the command given; click's own words are not what scripts grep."""
    monkeypatch.setenv("NERDPY_DATA_ROOT", str(tmp_path / "data"))
    monkeypatch.setenv("NERDPY_RUNTIME_ROOT", str(tmp_path / "run"))
    assert run(argv) == 125
    path = "nerdpy " + " ".join(w for w in argv[:2] if not w.startswith("-") and w != "busybox")
    assert capsys.readouterr().err == f"Error: {line}\nSee '{path} --help'.\n"


# Docker's own usage lines (docker 27 and compose v2 `--help`), `docker` read as `nerdpy`.
DOCKER_USAGE = {
    "exec": "[OPTIONS] CONTAINER COMMAND [ARG...]",
    "start": "[OPTIONS] CONTAINER [CONTAINER...]",
    "container start": "[OPTIONS] CONTAINER [CONTAINER...]",
    "commit": "[OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
    "port": "CONTAINER [PRIVATE_PORT[/PROTO]]",
    "top": "CONTAINER [ps OPTIONS]",
    "rmi": "[OPTIONS] IMAGE [IMAGE...]",
    "save": "[OPTIONS] IMAGE [IMAGE...]",
    "image inspect": "[OPTIONS] IMAGE [IMAGE...]",
    "images": "[OPTIONS] [REPOSITORY[:TAG]]",
    "login": "[OPTIONS] [SERVER]",
    "logout": "[SERVER]",
    "inspect": "[OPTIONS] NAME|ID [NAME|ID...]",
    "network create": "[OPTIONS] NETWORK",
    "network inspect": "[OPTIONS] NETWORK [NETWORK...]",
    "volume create": "[OPTIONS] [VOLUME]",
    "volume rm": "[OPTIONS] VOLUME [VOLUME...]",
    "container": "COMMAND",
    "compose up": "[OPTIONS] [SERVICE...]",
    "compose exec": "[OPTIONS] SERVICE COMMAND [ARGS...]",
    "compose run": "[OPTIONS] SERVICE [COMMAND] [ARGS...]",
}


@pytest.mark.parametrize("command", sorted(DOCKER_USAGE))
def test_help_usage_line_is_dockers(command, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("NERDPY_DATA_ROOT", str(tmp_path / "data"))
    monkeypatch.setenv("NERDPY_RUNTIME_ROOT", str(tmp_path / "run"))
    assert run([*command.split(), "--help"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first == f"Usage:  nerdpy {command} {DOCKER_USAGE[command]}"


@pytest.mark.parametrize("flag", ["--version", "-v"])
def test_version_flag(flag, capsys):
    from nerdpy import __version__

    with pytest.raises(SystemExit) as exited:  # click's ctx.exit(0) outside run()'s handling, or 0 from run
        raise SystemExit(run([flag]))
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"nerdpy version {__version__}\n"


@pytest.mark.parametrize("argv,line", [
    (["stop", "-t", "x", "c1"], 'invalid argument "x" for "-t, --time" flag: strconv.ParseInt: parsing "x": invalid syntax'),
    (["ps", "--last", "it's"],
     'invalid argument "it\'s" for "-n, --last" flag: strconv.ParseInt: parsing "it\'s": invalid syntax'),
])
def test_an_int_flag_given_a_word_is_refused_in_pflags_words(argv, line, capsys, tmp_path, monkeypatch):
    # docker 28.2.2: `docker ps -n x` prints `invalid argument "x" for "-n, --last" flag: strconv.ParseInt: ...`
    monkeypatch.setenv("NERDPY_DATA_ROOT", str(tmp_path / "data"))
    monkeypatch.setenv("NERDPY_RUNTIME_ROOT", str(tmp_path / "run"))
    assert run(argv) == 125
    assert capsys.readouterr().err == f"Error: {line}\nSee 'nerdpy {argv[0]} --help'.\n"


@pytest.mark.parametrize("argv,line", [
    (["cp", "here", "there"], "must specify at least one container source"),
    (["cp", "a:/x", "b:/y"], "copying between containers is not supported"),
])
def test_cp_needs_exactly_one_container_side_as_docker_says(argv, line, capsys, tmp_path, monkeypatch):
    # docker 28.2.2 checks this before it asks the daemon anything, and exits 1
    monkeypatch.setenv("NERDPY_DATA_ROOT", str(tmp_path / "data"))
    monkeypatch.setenv("NERDPY_RUNTIME_ROOT", str(tmp_path / "run"))
    assert run(argv) == 1
    assert capsys.readouterr().err == f"Error: {line}\n"


def test_run_detached_with_attach_is_refused_with_exit_1(capsys, tmp_path, monkeypatch):
    # docker 28.2.2: `docker run -d -a stdout busybox` says this and exits 1 (not run's 125)
    monkeypatch.setenv("NERDPY_DATA_ROOT", str(tmp_path / "data"))
    monkeypatch.setenv("NERDPY_RUNTIME_ROOT", str(tmp_path / "run"))
    assert run(["run", "-d", "-a", "stdout", "busybox"]) == 1
    assert capsys.readouterr().err == "Error: conflicting options: cannot specify both --attach and --detach\n"


@pytest.mark.parametrize("argv,line", [
    (["inspect", "--type", "bogus", "x"], 'unknown type: "bogus": must be one of "container", "image", "network", '
                                          '"volume"'),
    (["events", "--since", "bogus"], 'failed to parse value as time or duration: "bogus"'),
])
def test_checks_docker_cli_makes_itself_exit_1(argv, line, capsys, tmp_path, monkeypatch):
    # docker 28.2.2 with no daemon: both lines, exit 1
    monkeypatch.setenv("NERDPY_DATA_ROOT", str(tmp_path / "data"))
    monkeypatch.setenv("NERDPY_RUNTIME_ROOT", str(tmp_path / "run"))
    assert run(argv) == 1
    assert capsys.readouterr().err.startswith(f"Error: {line}")


@pytest.mark.parametrize("argv,path", [(["nosuchcmd"], "nerdpy"), (["container", "nosuch"], "nerdpy container")])
def test_an_unknown_command_exits_1_as_docker(argv, path, capsys, tmp_path, monkeypatch):
    # docker 28.2.2: "docker: unknown command: docker container nosuch", exit 1
    monkeypatch.setenv("NERDPY_DATA_ROOT", str(tmp_path / "data"))
    monkeypatch.setenv("NERDPY_RUNTIME_ROOT", str(tmp_path / "run"))
    assert run(argv) == 1
    assert capsys.readouterr().err == f"Error: unknown command: {path} {argv[-1]}\nSee '{path} --help'.\n"


@pytest.mark.parametrize("argv", [[], ["network"], ["container"]])
def test_a_group_alone_prints_its_help_and_exits_0(argv, capsys, tmp_path, monkeypatch):
    # docker 28.2.2: `docker network` prints the group's usage on stdout, exit 0
    monkeypatch.setenv("NERDPY_DATA_ROOT", str(tmp_path / "data"))
    monkeypatch.setenv("NERDPY_RUNTIME_ROOT", str(tmp_path / "run"))
    assert run(argv) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"Usage:  {' '.join(['nerdpy', *argv])} ") and err == ""
