"""Which instructions expand what, RUN command forms with heredocs, history strings."""

import pytest

from nerdpy.build.dockerfile.expand import (
    Expander,
    command,
    go_quoted_list,
    run_created_by,
)
from nerdpy.build.dockerfile.instructions import program
from nerdpy.build.dockerfile.parser import DockerfileSyntaxError, parse

ENV = {"A": "1", "D": "/dst", "U": "app", "P": "8080"}
X = Expander("Dockerfile")


def only(text):
    return program(parse("FROM a\n" + text)).stages[0].instructions[0]


def test_env_keys_and_values_expand_with_the_old_environment():
    assert X.pairs(only('ENV a=$A b="x $A" $A=k c=\'$A\''), ENV) == [("a", "1"), ("b", "x 1"), ("1", "k"), ("c", "$A")]
    assert X.pairs(only("ENV A=2 B=$A"), ENV) == [("A", "2"), ("B", "1")]


def test_arg_build_arg_is_verbatim_default_expanded_else_unset():
    ins = only("ARG X")
    assert X.arg(ins, "X", "$A", ENV, {"X": "$A"}) == ("X", "$A")
    assert X.arg(ins, "X", "${A}0", ENV, {}) == ("X", "10")
    assert X.arg(ins, "X", None, ENV, {}) == ("X", None)


def test_expose_resplits_and_expands_ranges():
    assert X.expose(only("EXPOSE $P 53/UDP 7000-7002 \"90\""), ENV) == [
        "53/udp", "90/tcp", "7000/tcp", "7001/tcp", "7002/tcp", "8080/tcp"]
    with pytest.raises(DockerfileSyntaxError):
        X.expose(only("EXPOSE abc"), ENV)


def test_copy_expands_sources_dest_flags_and_unquoted_heredocs():
    ins = only("COPY --chown=$U:$U --chmod=7${A}5 src$A <<EOF <<'RAW' $D/\nv=$A '$A'\nEOF\nv=$A\nRAW\n")
    spec = X.copy(ins, ENV)
    assert spec.sources == ("src1",) and spec.dest == "/dst/"
    assert spec.chown == "app:app" and spec.chmod == "715"
    assert spec.inline == (("EOF", "v=1 '$A'\n"), ("RAW", "v=$A\n"))


def test_copy_exec_form_is_not_expanded():
    spec = X.copy(only('COPY ["$A", "/x"]'), ENV)
    assert spec.sources == ("$A",) and spec.dest == "/x"


def test_run_mounts_expand_except_from():
    assert X.mounts(only("RUN --mount=type=cache,target=$D,id=c$A true"), ENV) == ["type=cache,target=/dst,id=c1"]
    with pytest.raises(DockerfileSyntaxError) as info:
        X.mounts(only("RUN --mount=from=$A,target=/x true"), ENV)
    assert "doesn't support variable expansion" in str(info.value)


def test_lex_error_is_located():
    with pytest.raises(DockerfileSyntaxError) as info:
        X.word(only("USER ${A"), "${A", ENV)
    assert str(info.value) == "Dockerfile:2: USER: syntax error: missing '}'"


def test_command_forms():
    assert command(only("RUN echo $A"), None) == (["/bin/sh", "-c", "echo $A"], [])
    assert command(only('RUN ["echo", "$A"]'), None) == (["echo", "$A"], [])
    assert command(only("CMD echo"), ["/bin/bash", "-xc"]) == (["/bin/bash", "-xc", "echo"], [])


def test_run_heredoc_alone_is_the_script():
    assert command(only("RUN <<EOF\necho a\necho b\nEOF\n"), None) == (["/bin/sh", "-c", "echo a\necho b\n"], [])
    assert command(only("RUN <<-EOF\n\techo a\n\tEOF\n"), None) == (["/bin/sh", "-c", "echo a\n"], [])


def test_run_heredoc_shebang_runs_as_file():
    argv, files = command(only("RUN <<S\n#!/bin/busybox sh\necho hi\nS\n"), None)
    assert argv == ["/dev/pipes/S"] and files == [("S", "#!/bin/busybox sh\necho hi\n")]


def test_run_with_heredocs_and_text_becomes_a_script():
    argv, _ = command(only("RUN <<A cat >a && <<B cat >b\none\nA\ntwo\nB\n"), None)
    assert argv == ["/bin/sh", "-c", "<<A cat >a && <<B cat >b\none\nA\ntwo\nB"]


def test_history_strings():
    assert run_created_by(["/bin/sh", "-c", "make"], [("A", "1"), ("B", None)]) == "RUN |2 A=1 B= /bin/sh -c make # buildkit"
    assert run_created_by(["/bin/sh", "-c", "make"], []) == "RUN /bin/sh -c make # buildkit"
    assert go_quoted_list(["a", "b c"]) == '["a" "b c"]'
