"""Shell completion end to end: names from a real store, through the real scripts
(`nerdpy completion SHELL`), in real bash (and zsh, fish when installed)."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def store(nerdpy, busybox_image, tmp_path_factory):
    """A container, a volume and a network in the session store; a `nerdpy` on PATH for the scripts."""
    tag = uuid.uuid4().hex[:8]
    names = {"container": f"c{tag}-created", "running": f"c{tag}-running", "volume": f"cmpv{tag}",
             "network": f"cmpn{tag}"}
    nerdpy("create", "--name", names["container"], busybox_image, "true")
    nerdpy("run", "-d", "--name", names["running"], busybox_image, "sleep", "600")
    nerdpy("volume", "create", names["volume"])
    nerdpy("network", "create", names["network"])
    bin_dir = tmp_path_factory.mktemp("completion-bin")
    wrapper = bin_dir / "nerdpy"
    wrapper.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m nerdpy "$@"\n')
    wrapper.chmod(0o755)
    env = {**nerdpy.env, "PATH": f"{bin_dir}:{nerdpy.env['PATH']}"}
    yield names, env, bin_dir
    nerdpy("rm", "-f", names["container"], names["running"], check=False)
    nerdpy("volume", "rm", names["volume"], check=False)
    nerdpy("network", "rm", names["network"], check=False)


def _script(nerdpy, shell: str, directory: Path) -> Path:
    path = directory / f"nerdpy.{shell}"
    path.write_text(nerdpy("completion", shell).stdout)
    return path


def _bash(script: Path, env: dict, words: list[str], comp_words: list[str] | None = None) -> list[str]:
    """Run the completion function as bash does on TAB: COMP_WORDS/COMP_CWORD (split at
    bash's word breaks, `comp_words`), COMP_LINE/COMP_POINT (the line up to the cursor)."""
    split = comp_words or words
    line = " ".join(words)
    drive = (f"source {shlex.quote(str(script))}\n"
             f"COMP_WORDS=({' '.join(shlex.quote(w) for w in split)}); COMP_CWORD={len(split) - 1}\n"
             f"COMP_LINE={shlex.quote(line)}; COMP_POINT=${{#COMP_LINE}}\n"
             "_nerdpy; printf '%s\\n' \"${COMPREPLY[@]}\"\n")
    result = subprocess.run(["bash", "--norc", "-c", drive], capture_output=True, text=True, timeout=60, env=env,
                            cwd="/")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return [w for w in result.stdout.split("\n") if w]


def test_bash_completes_names_from_the_store(nerdpy, store, busybox_image, tmp_path):
    names, env, _ = store
    script = _script(nerdpy, "bash", tmp_path)
    container, volume, network = names["container"], names["volume"], names["network"]
    running, prefix = names["running"], container.split("-")[0]
    # as Docker's: a command offers the containers it can act on
    assert _bash(script, env, ["nerdpy", "stop", prefix]) == [running]
    assert _bash(script, env, ["nerdpy", "exec", "-it", prefix]) == [running]
    assert _bash(script, env, ["nerdpy", "start", prefix]) == [container]
    assert _bash(script, env, ["nerdpy", "container", "rm", "-f", prefix]) == [container, running]
    assert _bash(script, env, ["nerdpy", "logs", prefix]) == [container, running]
    assert _bash(script, env, ["nerdpy", "rmi", "busy"]) == [busybox_image]
    # the top-level inspect takes containers and images
    assert {container, running, busybox_image} <= set(_bash(script, env, ["nerdpy", "inspect", ""]))
    # bash's COMP_WORDS splits at ':', and replaces only the text after it
    assert _bash(script, env, ["nerdpy", "rmi", "busybox:la"], ["nerdpy", "rmi", "busybox", ":", "la"]) == ["latest"]
    assert _bash(script, env, ["nerdpy", "run", "-d", "busy"]) == [busybox_image]
    assert _bash(script, env, ["nerdpy", "network", "rm", network[:6]]) == [network]
    assert _bash(script, env, ["nerdpy", "volume", "rm", volume[:6]]) == [volume]
    assert _bash(script, env, ["nerdpy", "run", "--network", network[:6]]) == [network]
    assert _bash(script, env, ["nerdpy", "run", f"--network={network[:6]}"],
                 ["nerdpy", "run", "--network", "=", network[:6]]) == [network]
    assert {"bridge", "host", "none", network} <= set(_bash(script, env, ["nerdpy", "run", "--net", ""]))
    assert _bash(script, env, ["nerdpy", "create", "--volumes-from", container[:-2]]) == [container]
    assert _bash(script, env, ["nerdpy", "network", "connect", network, container[:-2]]) == [container]
    # what is not a name of the store is not offered as one
    assert container not in _bash(script, env, ["nerdpy", "run", "--name", ""])
    assert container not in _bash(script, env, ["nerdpy", "run", busybox_image, ""])
    assert _bash(script, env, ["nerdpy", "volume", "rm", network]) == []


def test_names_are_read_without_the_namespace_or_the_runtime_root(nerdpy, store):
    names, _, _ = store
    unusable = {"NERDPY_RUNTIME_ROOT": "/proc/nerdpy-none"}  # a command that enters the namespace fails here
    assert nerdpy("ps", "-a", env=unusable, check=False).returncode != 0
    listed = nerdpy("__complete", "containers", env=unusable)
    assert names["container"] in listed.stdout.splitlines() and listed.stderr == ""
    assert names["volume"] in nerdpy("__complete", "volumes", env=unusable).stdout.splitlines()


def test_a_broken_store_completes_nothing_and_says_nothing(nerdpy, store, tmp_path):
    _, env, _ = store
    bad = tmp_path / "bad"
    bad.mkdir(mode=0o700)
    (bad / "meta.db").write_bytes(b"not a database" * 100)
    result = nerdpy("--data-root", bad, "__complete", "containers", check=False)
    assert (result.returncode, result.stdout, result.stderr) == (1, "", "")
    result = nerdpy("__complete", "pods", check=False)
    assert (result.returncode, result.stdout, result.stderr) == (1, "", "")
    script = _script(nerdpy, "bash", tmp_path)
    assert _bash(script, env, ["nerdpy", "--data-root", str(bad), "stop", ""]) == []


@pytest.mark.parametrize("shell,check", [("zsh", ["zsh", "-n"]), ("fish", ["fish", "--no-execute"])])
def test_zsh_and_fish_accept_their_scripts(nerdpy, tmp_path, shell, check):
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")
    result = subprocess.run([*check, str(_script(nerdpy, shell, tmp_path))], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr


def test_zsh_completes_names_from_the_store(nerdpy, store, busybox_image, tmp_path):
    if shutil.which("zsh") is None:
        pytest.skip("zsh is not installed")
    names, env, _ = store
    script = _script(nerdpy, "zsh", tmp_path)
    # compadd/compset are zle builtins, live only inside a completion widget: print what is offered.
    stub = ('compadd() { local a; for a in "$@"; do [[ $a == -* ]] || print -l -- "${(@P)a}"; done; }; '
            "compset() { :; }; _files() { echo FILES; }; ")

    def complete(*words: str) -> list[str]:
        zwords = " ".join(shlex.quote(w) for w in words)
        drive = f"{stub} words=({zwords}); CURRENT={len(words)}; source {shlex.quote(str(script))}"
        result = subprocess.run(["zsh", "-fc", drive], capture_output=True, text=True, timeout=60, env=env)
        assert result.returncode == 0 and result.stderr == "", result.stderr
        return result.stdout.split()

    assert names["running"] in complete("nerdpy", "stop", "") and names["container"] not in complete("nerdpy", "stop", "")
    assert names["network"] in complete("nerdpy", "run", "--network", "")
    assert names["volume"] in complete("nerdpy", "volume", "rm", "")
    assert complete("nerdpy", "run", "--name", "") == ["FILES"]
    assert busybox_image in complete("nerdpy", "run", "-d", "")
    assert complete("nerdpy", "run", busybox_image, "") == ["FILES"]
    assert {names["container"], names["running"]} <= set(complete("nerdpy", "network", "connect", names["network"], ""))


def test_fish_completes_names_from_the_store(nerdpy, store, busybox_image, tmp_path):
    if shutil.which("fish") is None:
        pytest.skip("fish is not installed")
    names, env, _ = store
    script = _script(nerdpy, "fish", tmp_path)

    cwd = tmp_path / "cwd"
    cwd.mkdir()
    (cwd / f"{names['network'][:6]}-a-file").touch()  # a name's prefix is not completed with file names

    def complete(line: str) -> list[str]:
        drive = f"source {shlex.quote(str(script))}; complete -C {shlex.quote(line)}"
        result = subprocess.run(["fish", "--no-config", "-c", drive], capture_output=True, text=True, timeout=60,
                                env=env, cwd=cwd)
        assert result.returncode == 0 and result.stderr == "", result.stderr
        return [row.split("\t")[0] for row in result.stdout.splitlines()]

    assert names["running"] in complete("nerdpy stop ") and names["container"] in complete("nerdpy start ")
    assert names["volume"] in complete("nerdpy volume rm ")
    assert names["network"] in complete("nerdpy network rm ")
    network = names["network"]
    assert complete(f"nerdpy run --network={network[:6]}") == [f"--network={network}"]
    assert complete(f"nerdpy run --net {network[:6]}") == [network]
    assert names["container"] in complete("nerdpy run --volumes-from ")
    assert complete("nerdpy run -d busy") == [busybox_image]
    assert names["container"] not in complete(f"nerdpy run {busybox_image} ")
    assert names["container"] not in complete("nerdpy volume rm ")
