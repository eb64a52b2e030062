"""Dockerfile parsing as BuildKit's parser: lines, directives, heredocs, flags, errors."""

import pytest

from nerdpy.build.dockerfile.instructions import program
from nerdpy.build.dockerfile.parser import DockerfileSyntaxError, parse


def nodes(text):
    return parse(text).nodes


def test_comments_blank_lines_bom_crlf_and_case():
    df = parse("\ufeff# a comment\r\n\r\n  from busybox\r\n   # indented comment\r\nrun echo # not a comment\r\n")
    assert [(n.instruction, n.args, n.line) for n in df.nodes] == [
        ("from", "busybox", 3), ("run", "echo # not a comment", 5)]


def test_continuation_keeps_inner_whitespace_and_skips_comments():
    (node,) = nodes("RUN echo a \\\n  # dropped\n    b\\  \n\n c\n")
    assert node.args == "echo a     b c"
    assert (node.line, node.end_line) == (1, 5)


def test_empty_continuation_line_warns():
    df = parse("FROM x\nRUN a \\\n\n  b\n")
    assert df.nodes[1].args == "a   b"
    assert "Empty continuation line" in df.warnings[0]


def test_directives_only_at_top():
    df = parse("# syntax=docker/dockerfile:1.7\n#  ESCAPE = `\n# check=skip=all\nFROM x\nRUN a `\n b\n")
    assert df.directives == {"syntax": "docker/dockerfile:1.7", "escape": "`", "check": "skip=all"}
    assert df.nodes[1].args == "a  b"


def test_directive_after_unknown_or_comment_is_a_comment():
    assert parse("# unknown=1\n# escape=`\nFROM x\n").escape == "\\"
    assert parse("# hello\n# escape=`\nFROM x\n").escape == "\\"
    assert parse("\n# escape=`\nFROM x\n").escape == "\\"


@pytest.mark.parametrize("text, message", [
    ("# escape=x\nFROM a\n", "invalid escape token"),
    ("# escape=`\n# escape=`\nFROM a\n", "only one escape parser directive"),
    ("", "cannot be empty"),
    ("# only a comment\n\n", "file with no instructions"),
    ("FROM a\nRUN <<EOF\necho\n", "unterminated heredoc"),
    ("FROM a\nRUN " + "x" * 70000 + "\n", "max allowed size"),
])
def test_parse_errors(text, message):
    with pytest.raises(DockerfileSyntaxError) as info:
        parse(text, "ctx/Dockerfile")
    assert message in str(info.value)
    assert str(info.value).startswith("ctx/Dockerfile")


def test_heredocs_several_quoted_and_chomped():
    text = "FROM a\nCOPY <<-\"A\" <<B /dst/\n\tx $y\n\tA\nb $z\nB\nRUN echo after\n"
    df = parse(text)
    copy = df.nodes[1]
    a, b = copy.heredocs
    assert (a.name, a.content, a.expand, a.chomp, a.text()) == ("A", "\tx $y\n", False, True, "x $y\n")
    assert (b.name, b.content, b.expand, b.chomp) == ("B", "b $z\n", True, False)
    assert df.nodes[2].args == "echo after" and df.nodes[2].line == 7


def test_heredoc_partly_quoted_delimiter_and_fd():
    (_, run) = nodes("FROM a\nRUN 3<<E'O'F cat <&3\nbody\nEOF\n")
    (doc,) = run.heredocs
    assert (doc.name, doc.expand, doc.fd, doc.content) == ("EOF", False, 3, "body\n")


def test_no_heredocs_in_exec_form_or_other_instructions():
    df = parse('FROM a\nRUN ["cat", "<<EOF"]\nENV x=<<EOF\n')
    assert [n.heredocs for n in df.nodes] == [(), (), ()]


def test_onbuild_heredoc():
    (_, onb) = nodes("FROM a\nONBUILD RUN <<EOF\necho hi\nEOF\n")
    assert onb.heredocs[0].content == "echo hi\n"


def test_flags_split_with_quotes_and_double_dash():
    (_, run, copy) = nodes('FROM a\nRUN --mount="type=cache,target=/a b" --network=none echo --x\n'
                          'COPY --chown=1:1 -- --weird /d\n')
    assert run.flags == ("--mount=type=cache,target=/a b", "--network=none")
    assert run.args == "echo --x"
    assert copy.flags == ("--chown=1:1",) and copy.args == "--weird /d"


def test_error_names_file_line_and_instruction():
    with pytest.raises(DockerfileSyntaxError) as info:
        program(parse("FROM a\n\nFOO bar\n", "sub/Dockerfile.dev"))
    assert str(info.value) == "sub/Dockerfile.dev:3: unknown instruction: FOO"
    with pytest.raises(DockerfileSyntaxError) as info:
        program(parse("FROM a\nCOPY --bogus=1 a b\n"))
    assert str(info.value) == "Dockerfile:2: COPY: unknown flag: --bogus"
