"""A stage being built: its image config so far, environment, ARGs, layers and history,
and the metadata-only instructions (they change the config, never the tree)."""

from __future__ import annotations

import copy
import posixpath
from typing import Any

from nerdpy.build.dockerfile.expand import Expander, command, go_list, go_quoted_list
from nerdpy.build.dockerfile.instructions import Instruction
from nerdpy.build.dockerfile.parser import DockerfileSyntaxError
from nerdpy.images.assemble import Base, Step
from nerdpy.records import field, record

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_SIGNALS = {"HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE",
            "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ",
            "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS"}


@record(frozen=False)
class StageState:
    name: str
    base: Base  # the image the stage chain started from (scratch: empty)
    chain: str | None  # the top snapshot
    config: dict[str, Any]  # the run config (Env, Cmd, ...)
    steps: list[Step] = field(default_factory=list)
    args: dict[str, str | None] = field(default_factory=dict)  # declared ARGs in order
    cmd_set: bool = False
    author: str = ""
    platform: dict[str, str] = field(default_factory=dict)

    def fork(self, name: str) -> StageState:
        """A child stage (`FROM <this stage>`): same tree and config, ARGs carried."""
        return StageState(name, self.base, self.chain, copy.deepcopy(self.config), list(self.steps),
                          dict(self.args), False, self.author, dict(self.platform))

    @property
    def env(self) -> dict[str, str]:
        return dict(e.partition("=")[::2] for e in self.config.get("Env") or [])

    def vars(self) -> dict[str, str]:
        """What `$X` sees: ARGs with values, then ENV (ENV wins, as Docker documents)."""
        out = {k: v for k, v in self.args.items() if v is not None}
        out.update(self.env)
        return out

    def run_env(self) -> list[str]:
        env = self.env
        extra = [f"{k}={v}" for k, v in self.args.items() if v is not None and k not in env]
        return list(self.config.get("Env") or []) + extra

    @property
    def workdir(self) -> str:
        return self.config.get("WorkingDir") or "/"

    def set_env(self, key: str, value: str) -> None:
        env = list(self.config.get("Env") or [])
        for i, item in enumerate(env):
            if item.partition("=")[0] == key:
                env[i] = f"{key}={value}"
                break
        else:
            env.append(f"{key}={value}")
        self.config["Env"] = env

    def history(self, text: str) -> None:
        self.steps.append(Step(text, None, "buildkit.dockerfile.v0"))


def scratch_config() -> dict[str, Any]:
    return {"Env": [f"PATH={DEFAULT_PATH}"], "WorkingDir": "/"}


def apply_metadata(st: StageState, ins: Instruction, x: Expander, build_args: dict[str, str],
                   used: set[str], inherited: dict[str, str]) -> bool:
    """Apply a config-only instruction; False when `ins` is not one."""
    env = st.vars()
    kind, cfg = ins.kind, st.config
    if kind in ("env", "label"):
        pairs = x.pairs(ins, env)
        for k, v in pairs:
            if kind == "env":
                st.set_env(k, v)
            else:
                cfg.setdefault("Labels", {})
                cfg["Labels"] = {**(cfg["Labels"] or {}), k: v}
        st.history(f"{kind.upper()} " + " ".join(f"{k}={v}" for k, v in pairs))
    elif kind == "arg":
        shown = []
        for key, default in ins.pairs:
            # `ARG X` alone takes the global (meta) value; a default wins over it
            seen = {**inherited, **build_args} if default is None else build_args
            name, value = x.arg(ins, key, default, env, seen)
            used.add(name)
            st.args[name] = value
            shown.append(name if value is None else f"{name}={value}")
        st.history("ARG " + " ".join(shown))
    elif kind == "user":
        cfg["User"] = x.word(ins, ins.words[0], env)
        st.history(f"USER {cfg['User']}")
    elif kind == "expose":
        ports = x.expose(ins, env)
        cfg["ExposedPorts"] = {**(cfg.get("ExposedPorts") or {}), **{p: {} for p in ports}}
        st.history(f"EXPOSE {go_list(ports)}")
    elif kind == "volume":
        vols = [x.word(ins, w, env) for w in ins.words]
        if any(not v for v in vols):
            raise DockerfileSyntaxError(x.path, ins.line, "VOLUME specified can not be an empty string", kind)
        cfg["Volumes"] = {**(cfg.get("Volumes") or {}), **{v: {} for v in vols}}
        st.history(f"VOLUME {go_list(vols)}")
    elif kind in ("cmd", "entrypoint"):
        _command(st, ins)
    elif kind == "shell":
        cfg["Shell"] = list(ins.words)
        st.history(f"SHELL {go_list(ins.words)}")
    elif kind == "stopsignal":
        sig = x.word(ins, ins.words[0], env)
        name = sig.upper().removeprefix("SIG")
        if not (sig.isdigit() or name in _SIGNALS or name.startswith("RTMIN") or name.startswith("RTMAX")):
            raise DockerfileSyntaxError(x.path, ins.line, f"Invalid signal: {sig}", kind)
        cfg["StopSignal"] = sig
        st.history(f"STOPSIGNAL {sig}")
    elif kind == "healthcheck":
        _healthcheck(st, ins)
    elif kind == "onbuild":
        cfg["OnBuild"] = list(cfg.get("OnBuild") or []) + [ins.words[0]]
    elif kind == "maintainer":
        st.author = ins.words[0]
        st.history(f"MAINTAINER {ins.words[0]}")
    else:
        return False
    return True


def _command(st: StageState, ins: Instruction) -> None:
    argv, _ = command(ins, st.config.get("Shell"))
    value = argv if (argv or not ins.json) else None
    if ins.kind == "cmd":
        st.config["Cmd"] = value
        st.config["ArgsEscaped"] = True
        st.cmd_set = True
    else:
        st.config["Entrypoint"] = value
        if not st.cmd_set:
            st.config["Cmd"] = None
    st.history(f"{ins.kind.upper()} {go_quoted_list(argv)}")


def _healthcheck(st: StageState, ins: Instruction) -> None:
    from nerdpy.build.dockerfile.durations import parse_duration

    if ins.words == ("NONE",):
        st.config["Healthcheck"] = {"Test": ["NONE"]}
    else:
        hc: dict[str, Any] = {"Test": list(ins.words)}
        for flag, key in (("interval", "Interval"), ("timeout", "Timeout"), ("start-period", "StartPeriod"),
                          ("start-interval", "StartInterval")):
            if ins.flag(flag):
                hc[key] = parse_duration(str(ins.flag(flag)))
        if ins.flag("retries"):
            hc["Retries"] = int(str(ins.flag("retries")))
        st.config["Healthcheck"] = hc
    st.history(f"HEALTHCHECK {_go_healthcheck(st.config['Healthcheck'])}")


def _go_healthcheck(hc: dict[str, Any]) -> str:
    """BuildKit's `%q` of the HealthConfig struct: `&{["CMD" "true"] "10s" "0s" "0s" "0s" '\\x02'}`."""
    from nerdpy.build.dockerfile.durations import format_duration

    durations = " ".join(f'"{format_duration(int(hc.get(k) or 0))}"'
                         for k in ("Interval", "Timeout", "StartPeriod", "StartInterval"))
    retries = int(hc.get("Retries") or 0)
    char = chr(retries)
    quoted = char if char.isprintable() and char not in "'\\" else f"\\x{retries:02x}"
    return f"&{{{go_quoted_list(hc['Test'])} {durations} '{quoted}'}}"


def workdir_path(st: StageState, ins: Instruction, x: Expander) -> str:
    path = x.word(ins, ins.words[0], st.vars())
    return posixpath.normpath(posixpath.join(st.workdir, path))
