"""The layer-producing steps: RUN, COPY/ADD and WORKDIR, each looked up in the
cache first (key: parent chain + expanded instruction + what it reads)."""

from __future__ import annotations

import json
import posixpath
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from nerdpy.build import cache, inputs
from nerdpy.build.copying import CopyPlan, digest, write_tar
from nerdpy.build.dockerfile.expand import Expander, command, created_by, run_created_by
from nerdpy.build.dockerfile.instructions import Instruction
from nerdpy.build.dockerfile.parser import DockerfileSyntaxError
from nerdpy.build.ignore import Matcher
from nerdpy.build.options import BuildOptions
from nerdpy.build.progress import Progress
from nerdpy.build.state import StageState
from nerdpy.build.trees import Tree
from nerdpy.build.workspace import Workspace
from nerdpy.content import Descriptor
from nerdpy.errors import InvalidArgument, NerdpyError, NotFound
from nerdpy.images.assemble import OCI_LAYER_TAR, Layer, Step, store_layer

COMMENT = "buildkit.dockerfile.v0"


class BuildError(NerdpyError):
    """A step failed; exit 1 as `docker build`."""

    exit_code = 1
    kind = "build failed"


class Steps:
    def __init__(self, ws: Workspace, options: BuildOptions, progress: Progress, x: Expander, context: Tree,
                 stages: dict[int, StageState], stage_index: Callable[[str, int], int | None],
                 secrets: dict[str, bytes]) -> None:
        self.ws, self.options, self.progress, self.x, self.context = ws, options, progress, x, context
        self.stages, self.stage_index, self.secrets = stages, stage_index, secrets

    # -- cache ----------------------------------------------------------------
    def _hit(self, st: StageState, key: str, name: str, text: str) -> bool:
        skip = self.options.no_cache or st.name in self.options.no_cache_filter
        entry = None if skip else cache.lookup(self.ws.settings, key)
        if entry is None or not self.ws.images.content.has(entry.diff_id) or not self.ws.has_snapshot(entry.chain):
            return False
        vertex = self.progress.start(name)
        self.progress.cached(vertex)
        layer = Layer(Descriptor(OCI_LAYER_TAR, entry.diff_id, entry.size), entry.diff_id)
        # the time the layer was made: a fully cached rebuild gives the same image ID
        st.steps.append(Step(text, layer, COMMENT, created=self._created(entry.created)))
        st.chain = entry.chain
        return True

    def _done(self, st: StageState, key: str, layer: Layer, chain: str, text: str) -> None:
        now = int(time.time())
        cache.record_step(self.ws.settings, key, cache.Entry(layer.diff_id, layer.size, chain, now))
        st.steps.append(Step(text, layer, COMMENT, created=self._created(now)))
        st.chain = chain

    def _created(self, when: float | None = None) -> str:
        from nerdpy.build.engine import timestamp

        epoch = self.options.source_date_epoch
        return timestamp(epoch if epoch is not None else int(when) if when else None)

    # -- sources ----------------------------------------------------------------
    @contextmanager
    def tree_of(self, ref: str, ins: Instruction, before: int) -> Iterator[Tree]:
        """The tree `--from`/`from=` names: an earlier stage or an image (read-only view)."""
        index = self.stage_index(ref, before)
        if index is not None:
            chain = self.stages[index].chain
        else:
            try:
                image = self.ws.image(ref, self.options.pull)
            except NerdpyError as e:
                raise DockerfileSyntaxError(self.x.path, ins.line, f"{ref}: {e}", ins.kind) from None
            chain = self.ws.unpacked(image)
        if chain is None:
            with self.ws.empty_dir() as path:
                yield Tree(path, what=f"stage {ref}")
            return
        with self.ws.mounted(chain, readonly=True) as (_, path):
            yield Tree(path, what=f"stage {ref}")

    # -- RUN ----------------------------------------------------------------------
    def run(self, st: StageState, ins: Instruction, name: str, index: int) -> None:
        from nerdpy.build.mounts import parse_mount

        env = st.vars()
        try:
            specs = [parse_mount(m, st.workdir) for m in self.x.mounts(ins, env)]
        except ValueError as e:
            raise DockerfileSyntaxError(self.x.path, ins.line, str(e), "run") from None
        argv, files = command(ins, st.config.get("Shell"))
        network = str(ins.flag("network") or self.options.network)
        if network not in ("default", "none", "host"):
            raise DockerfileSyntaxError(self.x.path, ins.line, f"unsupported network mode {network!r}", "run")
        text = run_created_by(argv, list(st.args.items()))
        bind_digests = [self._mount_digest(s, ins, index) for s in specs]
        key = cache.step_key("run", st.chain or "", json.dumps(argv), json.dumps(st.run_env()), st.workdir,
                             st.config.get("User") or "", network, json.dumps([repr(s) for s in specs]),
                             json.dumps(files), json.dumps(bind_digests),
                             *([json.dumps(self.options.add_hosts)] if self.options.add_hosts else []))
        if self._hit(st, key, name, text):
            return
        vertex = self.progress.start(name)
        with ExitStack() as stack:
            snap, rootfs = stack.enter_context(self.ws.mounted(st.chain))
            scratch = Path(stack.enter_context(self.ws.empty_dir()))
            mounts = [self._oci_mount(s, ins, index, scratch, stack) for s in specs]
            env_list = st.run_env() + [f"{s.env}={self._secret(s, ins).decode()}" for s in specs
                                       if s.type == "secret" and s.env] + self._proxy_env(st)
            mounts = [m for m in mounts if m is not None]
            from nerdpy.build.runstep import RunRequest, run_in

            req = RunRequest(tuple(argv), tuple(env_list), st.workdir, st.config.get("User") or "", network,
                             self.options.add_hosts, tuple(mounts), tuple(files))
            code = run_in(self.ws.settings, snap.removeprefix("build-"), rootfs, req,
                          lambda line: self.progress.log(vertex, line))
            if code != 0:
                shown = " ".join(argv)
                message = f'process "{shown}" did not complete successfully: exit code: {code}'
                self.progress.error(vertex, message)
                raise BuildError(f"{self.x.path}:{ins.line}: RUN: {message}")
        layer, chain = self.ws.finish(snap, st.chain, epoch=self.options.source_date_epoch)
        self.progress.done(vertex)
        self._done(st, key, layer, chain, text)

    def _proxy_env(self, st: StageState) -> list[str]:
        from nerdpy.build.engine import PROXY_ARGS

        return [f"{k}={v}" for k, v in self.options.build_args.items() if k.upper() in PROXY_ARGS and k not in st.args]

    def _mount_digest(self, spec: Any, ins: Instruction, index: int) -> str:
        """Bind mounts from the context count by content in the cache key."""
        from nerdpy.build.trees import clean_source

        if spec.type != "bind":
            return ""
        if spec.from_:
            return f"stage:{spec.from_}"
        return digest(CopyPlan(self.context, (clean_source(spec.source or "."),), "/", True))

    def _secret(self, spec: Any, ins: Instruction) -> bytes:
        value = self.secrets.get(spec.id)
        if value is None:
            if spec.required:
                raise DockerfileSyntaxError(self.x.path, ins.line, f"secret {spec.id} not found", "run")
            return b""
        return value

    def _oci_mount(self, spec: Any, ins: Instruction, index: int, scratch: Path, stack: ExitStack) -> Any:
        from nerdpy.build import mounts as m
        from nerdpy.build.trees import clean_source

        if spec.type == "tmpfs":
            return m.tmpfs_mount(spec)
        if spec.type == "secret":
            if spec.id not in self.secrets and not spec.required:
                return None
            return m.secret_mount(spec, self._secret(spec, ins), scratch) if spec.target else None
        if spec.type == "cache":
            return m.cache_mount(spec, cache.mount_dir(self.ws.settings, spec.id))
        tree = stack.enter_context(self.tree_of(spec.from_, ins, index)) if spec.from_ else self.context
        rel = clean_source(spec.source or ".", tree.what)
        if tree.stat(rel) is None:
            raise DockerfileSyntaxError(self.x.path, ins.line, f"mount source {spec.source!r} not found", "run")
        source = inputs.host_path(tree, rel)
        if tree is self.context and tree.matcher:  # ignored files stay invisible to RUN as to COPY
            source = inputs.filtered_copy(tree, rel, source, scratch)
        return m.bind_mount(spec, source, scratch)

    # -- COPY / ADD ---------------------------------------------------------------
    def copy(self, st: StageState, ins: Instruction, name: str, index: int) -> None:
        spec = self.x.copy(ins, st.vars())
        dest = spec.dest if spec.dest.startswith("/") else posixpath.join(st.workdir, spec.dest)
        if spec.dest.endswith("/") or spec.dest in (".", ""):
            dest = dest.rstrip("/") + "/"
        from_ = str(ins.flag("from") or "")
        with ExitStack() as stack:
            tree = stack.enter_context(self.tree_of(from_, ins, index)) if from_ else self.context
            target = stack.enter_context(self._view(st.chain))
            plan = self._plan(st, ins, spec, dest, tree, target)
            flags = "".join(f" --{f}={ins.flag(f)}" for f in ("chown", "chmod") if ins.flag(f))
            flags = (" --parents" if ins.flag("parents") else "") + flags
            shown = [f"<<{n}" for n, _ in spec.inline] + list(spec.sources) + [spec.dest]
            text = created_by(ins.kind, flags.lstrip() + (" " if flags else "") + " ".join(shown))
            key = cache.step_key(ins.kind, st.chain or "", text, dest, repr(plan.owner), repr(plan.chmod),
                                 digest(plan))
            if self._hit(st, key, name, text):
                return
            vertex = self.progress.start(name)
            layer = store_layer(self.ws.images, lambda out: write_tar(plan, out))
        chain = self.ws.apply(st.chain, layer)
        self.progress.done(vertex)
        self._done(st, key, layer, chain, text)

    @contextmanager
    def _view(self, chain: str | None) -> Iterator[str]:
        if chain is None:
            with self.ws.empty_dir() as path:
                yield path
            return
        with self.ws.mounted(chain, readonly=True) as (_, path):
            yield path

    def _plan(self, st: StageState, ins: Instruction, spec: Any, dest: str, tree: Tree, target: str) -> CopyPlan:
        from nerdpy.build.copying import CopyPlan
        from nerdpy.oci.confined import is_directory

        sources: list[str] = []
        downloads: list[tuple[str, bytes]] = []
        for src in spec.sources:
            if src.startswith(("http://", "https://")):
                if ins.kind == "copy":
                    raise DockerfileSyntaxError(self.x.path, ins.line, "source can't be a URL for COPY", "copy")
                downloads.append(inputs.download(src, spec.checksum, self.x.path, ins))
                continue
            try:
                sources += tree.expand(src)
            except (InvalidArgument, NotFound) as e:
                raise DockerfileSyntaxError(self.x.path, ins.line, str(e), ins.kind) from None
        if spec.checksum and not downloads:
            raise DockerfileSyntaxError(self.x.path, ins.line, "checksum can't be specified for non-HTTP(S) sources",
                                        ins.kind)
        def exists(path: str) -> bool:
            return bool(is_directory(target, path))

        several = len(spec.sources) + len(spec.inline) > 1
        dest_dir = dest.endswith("/") or several or exists(dest)
        if is_directory(target, dest) is False and (several or any(inputs.is_dir(tree, s) for s in sources)):
            raise DockerfileSyntaxError(self.x.path, ins.line, f"cannot copy to non-directory: {dest.rstrip('/')}",
                                        ins.kind)
        exclude = ins.list_flag("exclude")
        return CopyPlan(tree, tuple(sources), dest.rstrip("/") or "/", dest_dir, tuple(spec.inline),
                        tuple(downloads), inputs.owner(spec.chown, target, self.x.path, ins), inputs.chmod(spec.chmod, ins, self.x),
                        bool(ins.flag("parents")), Matcher(exclude) if exclude else None,
                        ins.kind == "add" and ins.flag("unpack", True) is not False,
                        self.options.source_date_epoch, exists)

    # -- WORKDIR ------------------------------------------------------------------
    def workdir(self, st: StageState, ins: Instruction, path: str, name: str) -> None:
        """Create the missing directories of `path` (mkdir -p: existing ones keep their
        owner and mode), owned by the stage's USER as BuildKit does."""
        st.config["WorkingDir"] = path
        text = f"WORKDIR {path}"
        if path == "/":
            st.history(text)
            return
        with self._view(st.chain) as target:
            missing = _missing_dirs(target, path)
            owner = _user_owner(str(st.config.get("User") or ""), target, self.x.path, ins) if missing else None
        if not missing:
            st.history(text)
            return
        key = cache.step_key("workdir", st.chain or "", path, repr(owner))
        if self._hit(st, key, name, text):
            st.steps[-1] = Step(text, st.steps[-1].layer, COMMENT, created=st.steps[-1].created)
            return
        vertex = self.progress.start(name)
        epoch = self.options.source_date_epoch
        when = epoch if epoch is not None else int(time.time())
        layer = store_layer(self.ws.images, lambda out: _dirs_tar(missing, owner or (0, 0), when, out))
        chain = self.ws.apply(st.chain, layer)
        self.progress.done(vertex)
        self._done(st, key, layer, chain, text)


def _user_owner(user: str, rootfs: str, path: str, ins: Instruction) -> tuple[int, int] | None:
    """USER as --chown resolves it; a name the image does not know gives root, as
    BuildKit's mkdir (the RUN that needs that user is the step that fails)."""
    try:
        return inputs.owner(user, rootfs, path, ins)
    except DockerfileSyntaxError:
        return None


def _missing_dirs(rootfs: str, path: str) -> list[str]:
    """The components of `path` that do not exist yet, outermost first."""
    from nerdpy.oci.confined import is_directory

    parts = path.strip("/").split("/")
    missing = []
    for i in range(1, len(parts) + 1):
        prefix = "/".join(parts[:i])
        found = is_directory(rootfs, "/" + prefix)
        if found is False:
            raise BuildError(f"WORKDIR {path}: /{prefix} exists and is not a directory")
        if found is None:
            missing.append(prefix)
    return missing


def _dirs_tar(dirs: list[str], owner: tuple[int, int], when: int, out: Any) -> None:
    import tarfile

    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        for name in dirs:
            info = tarfile.TarInfo(name)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, when
            info.uid, info.gid = owner
            tar.addfile(info)
