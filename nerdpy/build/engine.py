"""The build: resolve meta ARGs and the target, build only the stages it needs (in
file order), dispatch each instruction, write the image (and any other output).

Call inside the rootless namespace (the API's session has joined it): snapshots
belong to subuids.
"""

from __future__ import annotations

import copy
import threading
import time
from typing import Any

from nerdpy.build.dockerfile.expand import Expander
from nerdpy.build.dockerfile.instructions import (
    Instruction,
    Program,
    Stage,
    instruction,
)
from nerdpy.build.dockerfile.lexer import Lexer, LexError
from nerdpy.build.dockerfile.parser import DockerfileSyntaxError, node_from_line
from nerdpy.build.options import BuildOptions, BuildResult
from nerdpy.build.progress import Progress
from nerdpy.build.state import StageState, apply_metadata, scratch_config, workdir_path
from nerdpy.build.steps import BuildError, Steps
from nerdpy.build.trees import Tree
from nerdpy.build.workspace import Workspace
from nerdpy.config import Settings
from nerdpy.images.assemble import Base, Step, assemble
from nerdpy.records import replace
from nerdpy.reference import parse

LAYER_KINDS = ("run", "copy", "add", "workdir")
# predefined: usable by RUN without an ARG line, left out of history and the cache key
PROXY_ARGS = ("HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY")


def timestamp(epoch: int | None) -> str:
    when = time.gmtime(epoch if epoch is not None else time.time())
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", when)


def platform_args(platform: str) -> dict[str, str]:
    from nerdpy.images.platform import format_platform, host_platform, parse_platform

    host = host_platform()
    target = parse_platform(platform) if platform else host
    out = {}
    for prefix, p in (("BUILD", host), ("TARGET", target)):
        out[f"{prefix}PLATFORM"] = format_platform(p)
        out[f"{prefix}OS"], out[f"{prefix}ARCH"] = p.os, p.architecture
        out[f"{prefix}VARIANT"] = p.variant or ""
    return out


class Engine:
    def __init__(self, settings: Settings, options: BuildOptions, program: Program, context: Tree,
                 progress: Progress, secrets: dict[str, bytes]) -> None:
        self.settings, self.options, self.program, self.progress = settings, options, program, progress
        self.x = Expander(program.path, program.escape)
        self.context, self.secrets = context, secrets
        self._local = threading.local()  # stages build in threads: one set of store connections each
        self.stages: dict[int, StageState] = {}
        self.used: set[str] = set()
        self.meta = self._meta_args()

    @property
    def ws(self) -> Workspace:
        if not hasattr(self._local, "ws"):
            self._local.ws = Workspace(self.settings)
        return self._local.ws

    @property
    def steps(self) -> Steps:
        if not hasattr(self._local, "steps"):
            self._local.steps = Steps(self.ws, self.options, self.progress, self.x, self.context, self.stages,
                                      self._stage_index, self.secrets)
        return self._local.steps

    def _meta_args(self) -> dict[str, str]:
        meta: dict[str, str] = dict(platform_args(self.options.platform))
        for ins in self.program.meta_args:
            for key, default in ins.pairs:
                name, value = self.x.arg(ins, key, default, meta, self.options.build_args)
                if value is not None:
                    meta[name] = value
                self.used.add(name)
        return meta

    def _stage_index(self, ref: str, before: int) -> int | None:
        stage = self.program.stage(ref)
        if stage is None:
            return None
        if stage.index >= before:
            raise DockerfileSyntaxError(self.program.path, 0, f"stage {ref!r} needs to be defined before it is used")
        return stage.index

    # -- planning -------------------------------------------------------------
    def target(self) -> Stage:
        if not self.options.target:
            return self.program.stages[-1]
        stage = self.program.stage(self.options.target)
        if stage is None or (self.options.target.isdigit() and not stage.name):
            raise DockerfileSyntaxError(self.program.path, 0, f'target stage "{self.options.target}" could not '
                                        "be found")
        return stage

    def base_name(self, stage: Stage) -> str:
        try:
            name = Lexer(self.program.escape).word(stage.base, self.meta)
        except LexError as e:
            raise DockerfileSyntaxError(self.program.path, stage.line, str(e), "from") from None
        if not name:
            raise DockerfileSyntaxError(self.program.path, stage.line, f"base name ({stage.base}) should not be "
                                        "blank", "from")
        return name

    def needed(self, target: Stage) -> dict[int, set[int]]:
        """The stages `target` depends on (base chain, COPY --from, RUN --mount from=): index -> deps."""
        deps: dict[int, set[int]] = {}
        todo = [target]
        while todo:
            stage = todo.pop()
            if stage.index in deps:
                continue
            refs = [self.base_name(stage)]
            for ins in stage.instructions:
                if ins.kind in ("copy", "add") and ins.flag("from"):
                    refs.append(str(ins.flag("from")))
                for mount in ins.list_flag("mount") if ins.kind == "run" else []:
                    refs += [f.partition("=")[2] for f in str(mount).split(",") if f.startswith("from=")]
            found = [self.program.stage(ref) for ref in refs]
            deps[stage.index] = {d.index for d in found if d is not None and d.index < stage.index}
            todo += [d for d in found if d is not None and d.index < stage.index]
        return deps

    # -- building ---------------------------------------------------------------
    def run(self) -> BuildResult:
        from nerdpy.build.schedule import run_stages

        self.ws.reap()
        target = self.target()
        deps = self.needed(target)

        def build(index: int) -> StageState:
            self.stages[index] = self._build_stage(self.program.stages[index])
            return self.stages[index]

        with self.ws.images.ingest_guard():
            run_stages(sorted(deps), deps, build, workers=2)
            return self._output(self.stages[target.index])

    def _name(self, stage: Stage, n: int, total: int, text: str) -> str:
        where = f"{stage.name} " if stage.name else ""
        return f"[{where}{n:>{len(str(total))}}/{total}] {text}"

    def _build_stage(self, stage: Stage) -> StageState:
        base = self.base_name(stage)
        st = self._from(stage, base)
        triggers = self._triggers(st, stage)
        steps = [(True, i) for i in triggers] + [(False, i) for i in stage.instructions]
        total = 1 + sum(1 for _, i in steps if i.kind in LAYER_KINDS)
        n = 1
        for trigger, ins in steps:
            if ins.kind in LAYER_KINDS:
                n += 1
            text = ("ONBUILD " if trigger else "") + _text(ins)
            self._dispatch(st, stage, ins, self._name(stage, n, total, text))
        return st

    def _from(self, stage: Stage, base: str) -> StageState:
        total = 1 + sum(1 for i in stage.instructions if i.kind in LAYER_KINDS)
        vertex_name = self._name(stage, 1, total, f"FROM {base}")
        earlier = self.program.stage(base)
        if earlier is not None and earlier.index < stage.index and earlier.index in self.stages:
            return self.stages[earlier.index].fork(stage.name)
        vertex = self.progress.start(vertex_name)
        if base.lower() == "scratch":
            from nerdpy.images.platform import host_platform

            plat = host_platform()
            top = {"os": plat.os, "architecture": plat.architecture, **({"variant": plat.variant} if plat.variant
                                                                          else {})}
            self.progress.done(vertex)
            return StageState(stage.name, Base(top), None, scratch_config(), platform=top)
        platform = Lexer().word(stage.platform, self.meta) if stage.platform else self.options.platform
        try:
            image = self.ws.image(base, self.options.pull, platform)
        except Exception as e:
            self.progress.error(vertex, str(e))
            raise BuildError(f"{self.program.path}:{stage.line}: FROM: {base}: {e}") from None
        chain = self.ws.unpacked(image)
        config = copy.deepcopy(image.config.get("config") or {})
        if not any(e.startswith("PATH=") for e in config.get("Env") or []):
            config["Env"] = [f"PATH={scratch_config()['Env'][0][5:]}"] + list(config.get("Env") or [])
        self.progress.done(vertex)
        return StageState(stage.name, Base.of(image), chain, config)

    def _triggers(self, st: StageState, stage: Stage) -> list[Instruction]:
        """ONBUILD triggers of the base image run right after FROM, then are cleared."""
        triggers = st.config.pop("OnBuild", None) or []
        out = []
        for text in triggers:
            node = node_from_line(text, self.program.escape, self.program.path, stage.line)
            out.append(instruction(node, self.program.path, self.program.escape))
        return out

    def _dispatch(self, st: StageState, stage: Stage, ins: Instruction, name: str) -> None:
        if ins.kind in ("run",):
            self.steps.run(st, ins, name, stage.index)
        elif ins.kind in ("copy", "add"):
            self.steps.copy(st, ins, name, stage.index)
        elif ins.kind == "workdir":
            self.steps.workdir(st, ins, workdir_path(st, ins, self.x), name)
        else:
            apply_metadata(st, ins, self.x, self.options.build_args, self.used, self.meta)

    # -- output -------------------------------------------------------------------
    def _output(self, st: StageState) -> BuildResult:
        config = copy.deepcopy(st.config)
        if self.options.labels:
            config["Labels"] = {**(config.get("Labels") or {}), **self.options.labels}
        steps, created = self._timed(st)
        top: dict[str, Any] = dict(st.platform)
        if st.author:
            top["author"] = st.author
        outputs = self.options.outputs
        names = [o.name for o in outputs if o.type == "image" and o.name] or list(self.options.tags)
        vertex = self.progress.start("exporting to image")  # BuildKit's exporter step and its lines
        self.progress.status(vertex, "exporting layers done")
        image = assemble(self.ws.images, st.base, config, steps, created, names, top)
        self.progress.status(vertex, f"writing image {image.id} done")
        for name in names:
            self.progress.status(vertex, f"naming to {parse(name)} done")
        self.progress.done(vertex)
        for out in outputs:
            if out.type != "image":
                from nerdpy.build.export import export

                export(self.settings, image, out, out.stream)
        builtin = {k for k in self.options.build_args if k.upper() in PROXY_ARGS or k == "SOURCE_DATE_EPOCH"
                   or k.startswith("BUILDKIT_")}
        unused = sorted(set(self.options.build_args) - self.used - set(self.meta) - builtin)
        warnings = (f"One or more build-args [{' '.join(unused)}] were not consumed",) if unused else ()
        return BuildResult(image.id, image.manifest_descriptor.digest, image.names, warnings)


    def _timed(self, st: StageState) -> tuple[list[Step], str]:
        """Metadata steps and the image take the newest layer's time (or the base image's), so
        an unchanged rebuild is the same image; SOURCE_DATE_EPOCH pins every time."""
        epoch = self.options.source_date_epoch
        if epoch is not None:
            when = timestamp(epoch)
        else:
            made = [s.created for s in st.steps if s.layer is not None and s.created]
            when = max(made) if made else str(st.base.config.get("created") or "") or timestamp(None)
        return [s if s.created else replace(s, created=when) for s in st.steps], when


def _text(ins: Instruction) -> str:
    """The step as written (keyword upper-cased, flags kept), as BuildKit names its vertices."""
    parts = ins.node.original.strip().split(None, 1)
    return ins.kind.upper() + (" " + parts[1] if len(parts) > 1 else "")
