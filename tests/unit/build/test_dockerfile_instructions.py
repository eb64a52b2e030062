"""Typed instructions and stages: forms, flags, stage names, ARG before FROM, errors."""

import pytest

from nerdpy.build.dockerfile.instructions import program
from nerdpy.build.dockerfile.parser import DockerfileSyntaxError, parse


def prog(text):
    return program(parse(text))


def only(text):
    return prog("FROM a\n" + text).stages[0].instructions[0]


def test_meta_args_and_stages_by_name_and_index():
    p = prog("ARG BASE=a\nARG V\nFROM $BASE AS Build\nRUN x\nfrom --platform=$BUILDPLATFORM b as run\n")
    assert [pair for a in p.meta_args for pair in a.pairs] == [("BASE", "a"), ("V", None)]
    assert [(s.index, s.name, s.base, s.platform) for s in p.stages] == [
        (0, "build", "$BASE", ""), (1, "run", "b", "$BUILDPLATFORM")]
    assert p.stage("BUILD") is p.stages[0] and p.stage("1") is p.stages[1] and p.stage("2") is None


@pytest.mark.parametrize("text, message", [
    ("RUN x\nFROM a\n", "Dockerfile:1: RUN: no build stage in current context"),
    ("ARG x\n", "dockerfile contains no stages to build"),
    ("FROM a b\n", "Dockerfile:1: FROM: FROM requires either one or three arguments"),
    ("FROM a AS 1x\n", "invalid name for build stage"),
    ("FROM a AS x\nFROM b AS X\n", "duplicate stage name"),
    ("FROM a\nRUN --network=none --network=host x\n", "duplicate flag specified: --network"),
    ("FROM a\nCOPY --link=maybe a b\n", "expecting boolean value"),
    ("FROM a\nCOPY --chown a b\n", "missing a value on flag: --chown"),
    ("FROM a\nCOPY onlyone\n", "requires at least two arguments"),
    ("FROM a\nCOPY a <<EOF\nx\nEOF\n", "cannot accept a heredoc as a destination"),
    ("FROM a\nCOPY --from=$X a b\n", "variable expansion is not supported for --from"),
    ("FROM a\nSHELL /bin/bash -c\n", "SHELL requires the arguments to be in JSON form"),
    ("FROM a\nCMD [\"a\", 1]\n", "arrays must be comprised of strings only"),
    ("FROM a\nENV a=1 b\n", "can't find = in 'b'"),
    ("FROM a\nENV =x\n", "names can not be blank"),
    ("FROM a\nENV lonely\n", "must have two arguments"),
    ("FROM a\nVOLUME [\"\"]\n", "can not be an empty string"),
    ("FROM a\nHEALTHCHECK NONE x\n", "HEALTHCHECK NONE takes no arguments"),
    ("FROM a\nHEALTHCHECK CURL x\n", "Unknown type 'CURL' in HEALTHCHECK (try CMD)"),
    ("FROM a\nHEALTHCHECK --interval=10us CMD x\n", "cannot be less than 1ms"),
    ("FROM a\nHEALTHCHECK --interval=ten CMD x\n", "invalid duration"),
    ("FROM a\nONBUILD FROM x\n", "FROM isn't allowed as an ONBUILD trigger"),
    ("FROM a\nONBUILD ONBUILD RUN x\n", "ONBUILD isn't allowed as an ONBUILD trigger"),
    ("FROM a\nWORKDIR\n", "WORKDIR requires exactly one argument"),
])
def test_instruction_errors(text, message):
    with pytest.raises(DockerfileSyntaxError) as info:
        prog(text)
    assert message in str(info.value)


def test_exec_and_shell_forms():
    assert only('CMD ["a", "b c"]').words == ("a", "b c") and only('CMD ["a"]').json
    shell = only("CMD ['a']")  # malformed JSON falls back to shell form
    assert shell.words == ("['a']",) and not shell.json
    assert only('RUN ["c:\\windows"]').words == ('["c:\\windows"]',)
    assert only('ENTRYPOINT []').words == () and only('ENTRYPOINT []').json


def test_env_label_arg_pairs_keep_quotes_for_expansion():
    assert only('ENV a=1 b="two words" c=x\\ y').pairs == (("a", "1"), ("b", '"two words"'), ("c", "x\\ y"))
    assert only("ENV ONE TWO= THREE=world").pairs == (("ONE", "TWO= THREE=world"),)
    assert only('LABEL "my key"="v"').pairs == (('"my key"', '"v"'),)
    assert only("ARG a b=2 c=").pairs == (("a", None), ("b", "2"), ("c", ""))


def test_copy_flags_and_words():
    ins = only("COPY --from=build --chown=app:app --chmod=0755 --link --exclude=*.md --exclude=x a b /dst/")
    assert ins.words == ("a", "b", "/dst/")
    assert ins.flags == {"from": "build", "chown": "app:app", "chmod": "0755", "link": True,
                         "exclude": ["*.md", "x"]}
    assert only('COPY ["a b", "/c d/"]').words == ("a b", "/c d/")
    assert only("ADD --checksum=sha256:00 --unpack=false http://x/y /z").flags == {
        "checksum": "sha256:00", "unpack": False}


def test_healthcheck_forms():
    ins = only('HEALTHCHECK --interval=5s --retries=2 CMD ["true", "x"]')
    assert ins.words == ("CMD", "true", "x") and ins.flags == {"interval": "5s", "retries": "2"}
    assert only("HEALTHCHECK cmd wget -q localhost").words == ("CMD-SHELL", "wget -q localhost")
    assert only("HEALTHCHECK NONE").words == ("NONE",)


def test_onbuild_trigger_is_typed():
    ins = only("ONBUILD COPY --chown=1 a /b")
    assert ins.words == ("COPY --chown=1 a /b",)
    assert ins.trigger.kind == "copy" and ins.trigger.flags == {"chown": "1"}


def test_expose_volume_words():
    assert only("EXPOSE 80 $P/udp").words == ("80", "$P/udp")
    assert only("VOLUME /a /b").words == ("/a", "/b")
    assert only('VOLUME ["/a b"]').words == ("/a b",)
