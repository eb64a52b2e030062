"""Entry point: global flags, lazy command loading, and the one place where
errors become a one-line message and an exit code."""

import os
import sys

from nerdpy.errors import EXIT_TOOL_ERROR, ContainerExit, NerdpyError

TYPE_CHECKING = False  # no `from __future__ import annotations` here: typer evaluates `root`'s
if TYPE_CHECKING:
    from typing import Any, Sequence


def build_app():  # -> the root click group (typer's click)
    """The full CLI: global flags from nerdpy.cli.fastpath.GLOBAL_FLAGS, commands
    from nerdpy.cli.commands, each built or imported when it is used."""
    from nerdpy.cli.clickbuild import option
    from nerdpy.cli.fastpath import GLOBAL_FLAGS
    from nerdpy.cli.lazy import LazyGroup
    from nerdpy.cli.commands import TOP

    class RootGroup(LazyGroup):
        table = TOP

    params = [option(flag) for flag in GLOBAL_FLAGS]
    params[-1].is_eager = True  # --version answers before a command is looked up
    params[-1].callback = _version
    return RootGroup(name="nerdpy", help="A rootless, daemonless container tool with Docker's command line.",
                     params=params, callback=_root, no_args_is_help=True, rich_markup_mode=None,
                     context_settings={"help_option_names": ["-h", "--help"]})


def _version(ctx: "Any", param: "Any", value: bool) -> None:
    if value:
        from nerdpy import __version__

        print(f"nerdpy version {__version__}")
        ctx.exit(0)


def _root(debug: bool, data_root: "str | None", storage_driver: "str | None", insecure_registry: "Sequence[str]",
          storage_opt: "Sequence[str]", log_level: "str | None", version: bool) -> None:
    from typer._click.globals import get_current_context

    from nerdpy.cli.state import CliState
    from nerdpy.config import Flags, load_settings

    flags = Flags(debug, data_root, storage_driver, tuple(insecure_registry), log_level, tuple(storage_opt))
    get_current_context().obj = CliState(load_settings(flags))


def _debug_requested(args: "Sequence[str]") -> bool:
    return "--debug" in args or "-D" in args or os.environ.get("NERDPY_DEBUG", "") not in ("", "0", "false")


def _usage_hint(exc: BaseException, args: "Sequence[str]" = ()) -> str:
    ctx = getattr(exc, "ctx", None)
    path = ctx.command_path if ctx is not None else _command_path(args)
    return f"See '{path} --help'."


def _command_path(args: "Sequence[str]") -> str:
    """`nerdpy run` for `run --name` (click's parser may fail before it has a context)."""
    from nerdpy.cli.fastpath import command_words, find

    words = command_words(args)
    found = find(words) if words else None
    named = words[:len(words) - len(found[2])] if found else []
    return " ".join(["nerdpy", *(w for w in named if not w.startswith("-"))])


def _flag_error(exc: BaseException) -> str | None:
    """pflag's words for an unknown flag or a flag without its value, as Docker prints
    them (click says "No such option", "requires an argument"); None for other errors."""
    name = getattr(exc, "option_name", "") or ""
    kind = type(exc).__name__
    short = not name.startswith("--") and len(name) > 1
    if kind == "NoSuchOption":
        return f"unknown shorthand flag: '{name[1]}' in {name}" if short else f"unknown flag: {name}"
    # click has no class of its own for a missing value: its message is the only sign
    if kind == "BadOptionUsage" and str(getattr(exc, "message", "")).endswith("requires an argument."):
        return f"flag needs an argument: '{name[1]}' in {name}" if short else f"flag needs an argument: {name}"
    return _int_flag_error(exc)


def _int_flag_error(exc: BaseException) -> str | None:
    """pflag's words for an int flag given a non-number (`invalid argument "x" for
    "-n, --last" flag: strconv.ParseInt: parsing "x": invalid syntax`); click says
    "Invalid value for '--last' / '-n': 'x' is not a valid int."."""
    import ast
    import re

    param = getattr(exc, "param", None)
    value = re.fullmatch(r"(.*) is not a valid int(?:eger)?\.", str(getattr(exc, "message", "")), re.S)
    names = getattr(param, "opts", None)
    if type(exc).__name__ != "BadParameter" or value is None or not names:
        return None
    opts = sorted(names, key=lambda o: o.startswith("--"))  # pflag: "-n, --last"
    given = ast.literal_eval(value.group(1))  # click quotes the value with repr()
    return f'invalid argument "{given}" for "{", ".join(opts)}" flag: strconv.ParseInt: parsing "{given}": invalid syntax'


def _missing_arguments(exc: BaseException) -> str | None:
    """Docker's message for too few arguments (`"docker rm" requires at least 1
    argument.`, the help hint, the usage line, the summary); None for other errors."""
    ctx = getattr(exc, "ctx", None)
    param = getattr(exc, "param", None)
    if type(exc).__name__ != "MissingParameter" or ctx is None or getattr(param, "param_type_name", "") != "argument":
        return None
    from nerdpy.cli.clickbuild import arity_message

    args = [p for p in ctx.command.params if p.param_type_name == "argument"]
    least = sum(1 for p in args if p.required)
    if any(p.nargs == -1 for p in args):
        bound = f"at least {least}"
    elif least == len(args):
        bound = f"exactly {least}"
    else:
        bound = f"at least {least} and at most {len(args)}"
    plural = "" if bound.endswith(" 1") else "s"
    return arity_message(ctx.command_path, f"{bound} argument{plural}", ctx.command)


def _unknown_command(exc: BaseException, args: "Sequence[str]") -> str | None:
    """docker 28's words for a command it does not have (`docker: unknown command:
    docker nosuch`); None for other errors, and under compose, whose code is its own 16."""
    import re

    ctx = getattr(exc, "ctx", None)
    word = re.fullmatch(r"No such command '(.*)'\.", str(getattr(exc, "message", "")), re.S)
    if type(exc).__name__ != "UsageError" or ctx is None or word is None or ctx.command_path == "nerdpy compose":
        return None
    return f"Error: unknown command: {ctx.command_path} {word.group(1)}\nSee '{ctx.command_path} --help'."


def _dispatch(args: "Sequence[str]") -> int:
    from nerdpy.cli.fastpath import try_run

    code = try_run(args)
    if code is not None:
        return code
    result = build_app().main(args=list(args), prog_name="nerdpy", standalone_mode=False)
    return result if isinstance(result, int) else 0


def _typer_exit_code(exc: BaseException, args: "Sequence[str]" = ()) -> int | None:
    """Exit code for typer/click's own exceptions; None if `exc` is not one."""
    if not type(exc).__module__.startswith("typer"):
        return None
    import typer

    if isinstance(exc, typer.Exit):
        return int(getattr(exc, "exit_code", 0) or 0)
    if isinstance(exc, typer.Abort):
        print("Aborted.", file=sys.stderr)
        return 130
    ctx = getattr(exc, "ctx", None)
    if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:  # `nerdpy network`: Docker's help, exit 0
        print(ctx.get_help())
        return 0
    missing = _missing_arguments(exc) or _unknown_command(exc, args)
    if missing is not None:
        print(missing, file=sys.stderr)
        return 1  # Docker's cobra: an arity error or an unknown command exits 1, not 125
    if isinstance(exc, typer.TyperException):  # usage errors: Docker exits 125
        text = _flag_error(exc) or (exc.format_message() if hasattr(exc, "format_message") else str(exc))
        print(f"Error: {text}\n{_usage_hint(exc, args)}", file=sys.stderr)
        return EXIT_TOOL_ERROR
    return None


def _compose_code(args: "Sequence[str]", code: int, usage: bool = False) -> int:
    """docker compose's codes for a compose command: 16 for a usage error, 1 for any
    other failure of the tool (its own 14, 15, 17 and 18 are raised as such)."""
    if code != EXIT_TOOL_ERROR:
        return code
    from nerdpy.cli.fastpath import command_words

    if command_words(args)[:1] != ["compose"]:
        return code
    return 16 if usage else 1


def run(args: "Sequence[str]") -> int:
    """Run the CLI on `args`; return the exit code. Never raises for user errors."""
    debug = _debug_requested(args)
    try:
        return _dispatch(args)
    except NerdpyError as exc:
        if debug:
            import traceback

            traceback.print_exc()
        from nerdpy.cli.each import error_line

        print(error_line(exc), file=sys.stderr)
        return _compose_code(args, exc.exit_code)
    except ContainerExit as exc:
        return exc.code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`nerdpy ps | head`): not an error.
        sys.stderr.close()
        return 0
    except Exception as exc:
        code = _typer_exit_code(exc, args)
        if code is not None:
            return _compose_code(args, code, usage=True)
        if debug:  # a bug: one line, unless --debug
            raise
        print(f"Error: internal error: {type(exc).__name__}: {exc} (run with --debug for details)", file=sys.stderr)
        return EXIT_TOOL_ERROR


def main(argv: "Sequence[str] | None" = None) -> None:
    if argv is None:
        # A command allocates ~15k tracked objects while it imports and works; at the
        # default threshold (700) the collector runs ~30 times for nothing (~3 ms of
        # `run -d`). Long-running commands (a foreground `run`, `logs -f`) still collect.
        import gc

        gc.set_threshold(50_000)
    code = run(sys.argv[1:] if argv is None else argv)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        pass
    if argv is None:
        _leave(code)
    sys.exit(code)


def _leave(code: int) -> None:
    """End the process without interpreter finalization. Closing the last sqlite
    connection checkpoints the WAL (two fdatasyncs, ~20 ms on a disk) and module
    teardown costs more; every write was already committed or renamed into place,
    so skipping both loses nothing (sqlite checkpoints the WAL as it grows).
    Only when no other thread is alive, since those would be cut off."""
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        return
    try:
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):
        pass
    os._exit(code)
