"""RUN --mount parsing (BuildKit's keys, defaults and checks) and the metadata
instructions' effect on the image config and history."""

import pytest

from nerdpy.build.dockerfile.expand import Expander
from nerdpy.build.dockerfile.instructions import program
from nerdpy.build.dockerfile.parser import DockerfileSyntaxError, parse
from nerdpy.build.mounts import parse_mount
from nerdpy.build.state import StageState, apply_metadata, scratch_config
from nerdpy.images.assemble import Base


def test_mount_defaults():
    bind = parse_mount("target=rel", "/work")
    assert (bind.type, bind.target, bind.readonly) == ("bind", "/work/rel", True)
    cache = parse_mount("type=cache,dst=/root/.cache", "/")
    assert (cache.id, cache.readonly) == ("/root/.cache", False)
    secret = parse_mount("type=secret,id=tok", "/")
    assert secret.target == "/run/secrets/tok"
    assert parse_mount("type=secret,id=tok,env=TOKEN", "/").target == ""
    assert parse_mount("type=bind,source=x,target=/m,rw", "/").readonly is False
    owned = parse_mount("type=cache,target=/c,uid=1000,gid=50,mode=0700", "/")
    assert (owned.uid, owned.gid, owned.mode) == (1000, 50, 0o700)
    assert (cache.uid, cache.gid, cache.mode) == (0, 0, None)


@pytest.mark.parametrize("text, message", [
    ("type=tmpfs,target=/t,mode=0755", "unexpected key 'mode'"),
    ("type=bind", "mount target is required"),
    ("type=cache,target=/", "invalid mount target"),
    ("type=ssh", "ssh is not supported"),
    ("type=bind,target=/x,bogus", "must be a key=value pair"),
])
def test_mount_errors(text, message):
    with pytest.raises(ValueError) as info:
        parse_mount(text, "/")
    assert message in str(info.value)


def stage(text):
    st = StageState("", Base(), None, scratch_config())
    used: set[str] = set()
    for ins in program(parse("FROM scratch\n" + text)).stages[0].instructions:
        apply_metadata(st, ins, Expander("Dockerfile"), {"B": "from-cli"}, used, {"G": "global"})
    return st, used


def test_config_fields_and_history():
    st, used = stage("ARG A=1 B G\nENV X=$A Y=\"$B $G\" X=2\nLABEL k=$X\nUSER app:$A\nEXPOSE 80 53/udp\n"
                     "VOLUME /v $A\nSTOPSIGNAL SIGINT\nSHELL [\"/bin/bash\", \"-c\"]\nCMD echo hi\n"
                     "HEALTHCHECK --interval=1m30s --retries=2 CMD true\nONBUILD RUN x\nMAINTAINER me\n")
    cfg = st.config
    assert cfg["Env"][1:] == ["X=2", "Y=from-cli global"]
    assert cfg["Labels"] == {"k": "2"}  # the LABEL sees the ENV line before it
    assert cfg["User"] == "app:1" and set(cfg["ExposedPorts"]) == {"80/tcp", "53/udp"}
    assert cfg["Volumes"] == {"/v": {}, "1": {}} and cfg["StopSignal"] == "SIGINT"
    assert cfg["Cmd"] == ["/bin/bash", "-c", "echo hi"] and cfg["ArgsEscaped"] is True
    assert cfg["Healthcheck"] == {"Test": ["CMD-SHELL", "true"], "Interval": 90_000_000_000, "Retries": 2}
    assert cfg["OnBuild"] == ["RUN x"] and st.author == "me"
    assert used == {"A", "B", "G"}
    assert [s.created_by for s in st.steps][:3] == ["ARG A=1 B=from-cli G=global", "ENV X=1 Y=from-cli global X=2",
                                                     "LABEL k=2"]
    assert all(s.layer is None for s in st.steps)


def test_entrypoint_resets_an_inherited_cmd_only():
    st, _ = stage('CMD ["a"]\nENTRYPOINT ["e"]\n')
    assert st.config["Cmd"] == ["a"]  # set in this stage: kept
    st.cmd_set = False
    apply_metadata(st, program(parse('FROM x\nENTRYPOINT ["f"]\n')).stages[0].instructions[0],
                   Expander("Dockerfile"), {}, set(), {})
    assert st.config["Cmd"] is None and st.config["Entrypoint"] == ["f"]


def test_bad_stopsignal():
    with pytest.raises(DockerfileSyntaxError, match="Invalid signal"):
        stage("STOPSIGNAL NOPE\n")


def test_healthcheck_history_as_buildkit_writes_it():
    st, _ = stage('HEALTHCHECK --interval=10s --retries=2 CMD ["true"]\n')
    assert st.steps[-1].created_by == 'HEALTHCHECK &{["CMD" "true"] "10s" "0s" "0s" "0s" \'\\x02\'}'
    from nerdpy.build.dockerfile.durations import format_duration

    assert [format_duration(n) for n in (0, 90_000_000_000, 500_000_000, 3_601_500_000_000)] == [
        "0s", "1m30s", "500ms", "1h0m1.5s"]
