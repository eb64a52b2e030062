"""One style for `typing` imports per package (CONTRIBUTING.md, "The fast path").

GUARDED packages are the ones the `run` path loads from; importing `typing` costs it
~3 ms, so they keep it out of run time: `TYPE_CHECKING = False` /
`if TYPE_CHECKING: from typing import …` (spelled so: `from typing import TYPE_CHECKING`
would import it), with `from __future__ import annotations` (or quoted annotations; a
module whose annotations name an unimported type fails the import test below). PLAIN packages do work that dwarfs
that cost (a pull, a build, a layer's tar) and import `typing` at the top as usual.
A module that builds the click CLI (imports typer or click at the top) loads `typing`
with typer anyway and follows neither rule.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
GUARDED, PLAIN = "guarded", "plain"
STYLE = {
    "nerdpy": GUARDED,  # the top-level modules: config, paths, errors, records, …
    "nerdpy.api": GUARDED,
    "nerdpy.cli": GUARDED,
    "nerdpy.containers": GUARDED,
    "nerdpy.content": GUARDED,
    "nerdpy.formatting": GUARDED,
    "nerdpy.images": GUARDED,
    "nerdpy.linux": GUARDED,
    "nerdpy.logs": GUARDED,
    "nerdpy.metadata": GUARDED,
    "nerdpy.network": GUARDED,
    "nerdpy.oci": GUARDED,
    "nerdpy.runtime": GUARDED,
    "nerdpy.shim": GUARDED,
    "nerdpy.snapshots": GUARDED,
    "nerdpy.userns": GUARDED,
    "nerdpy.volumes": GUARDED,
    "nerdpy_compose": GUARDED,  # `nerdpy compose up` starts containers through the same path
    "nerdpy.archive": PLAIN,
    "nerdpy.build": PLAIN,
    "nerdpy.remotes": PLAIN,
}
_TYPING = ("typing", "typing_extensions")
_CLICK = ("typer", "click")


def _modules() -> dict[str, Path]:
    """Every module of the tree by its import name (compose/ is installed as nerdpy_compose)."""
    found = {}
    for top, name in (("nerdpy", "nerdpy"), ("compose", "nerdpy_compose")):
        for path in sorted((REPO / top).rglob("*.py")):
            parts = [name, *path.relative_to(REPO / top).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def package_of(module: str, path: Path) -> str:
    """The package whose style applies: `nerdpy.x` for anything under nerdpy/x/."""
    parts = module.split(".")
    if parts[0] == "nerdpy_compose":
        return "nerdpy_compose"
    return ".".join(parts[:2]) if len(parts) > 2 or path.name == "__init__.py" else "nerdpy"


def _is_guard(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"


def _top_imports(body: list[ast.stmt], guarded: bool = False):
    """(import node, under `if TYPE_CHECKING:`) for the imports run when the module loads."""
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, guarded
        elif _is_guard(node):
            yield from _top_imports(node.body, True)
            yield from _top_imports(node.orelse, guarded)
        elif isinstance(node, (ast.If, ast.Try)):
            yield from _top_imports(node.body, guarded)
            yield from _top_imports(node.orelse, guarded)
            for handler in getattr(node, "handlers", ()):
                yield from _top_imports(handler.body, guarded)


def _names(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.ImportFrom):
        return [node.module or ""] if node.level == 0 else []
    return [alias.name for alias in node.names]


def _imports(tree: ast.Module, roots: tuple[str, ...]) -> list[tuple[ast.Import | ast.ImportFrom, bool]]:
    return [(node, guarded) for node, guarded in _top_imports(tree.body)
            if any(name.split(".")[0] in roots for name in _names(node))]


def builds_click_cli(tree: ast.Module) -> bool:
    return any(not guarded for _, guarded in _imports(tree, _CLICK))


def violations(source: str, style: str) -> list[str]:
    """What in `source` breaks its package's style (empty: nothing)."""
    tree = ast.parse(source)
    if builds_click_cli(tree):
        return []
    typing_imports = _imports(tree, _TYPING)
    found = []
    if style == GUARDED:
        found += [f"line {node.lineno}: `typing` at run time; import it under `if TYPE_CHECKING:`"
                  for node, guarded in typing_imports if not guarded]
        guards = [node for node in ast.walk(tree) if isinstance(node, ast.If) and _is_guard(node)]
        flag = any(isinstance(node, ast.Assign) and ast.unparse(node) == "TYPE_CHECKING = False" for node in tree.body)
        if guards and not flag:
            found.append("`if TYPE_CHECKING:` without `TYPE_CHECKING = False` at the top")
    else:
        found += [f"line {node.lineno}: `typing` under TYPE_CHECKING; this package imports it at the top"
                  for node, guarded in typing_imports if guarded]
    return found


def tolerated() -> set[str]:
    """Modules being split, left as they are until the split merges: those of
    pyproject's temporary `ignore_errors` mypy override that break their style
    (removing the override brings them back under the rule)."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    modules = _modules()
    named = {module for override in config["tool"]["mypy"].get("overrides", [])
             if override.get("ignore_errors") for module in override["module"]}
    return {module for module in named if module in modules
            and violations(modules[module].read_text(), STYLE[package_of(module, modules[module])])}


def test_every_package_has_a_style():
    packages = {package_of(module, path) for module, path in _modules().items()}
    assert sorted(packages - set(STYLE)) == [], "decide the new package's typing style in STYLE (and CONTRIBUTING.md)"


def test_every_module_follows_its_package_style():
    skipped = tolerated()
    broken = []
    for module, path in _modules().items():
        if module not in skipped:
            broken += [f"{module}: {problem}" for problem in violations(path.read_text(), STYLE[package_of(module, path)])]
    assert broken == []


@pytest.mark.parametrize(("source", "style"), [
    ("from typing import Any\n", GUARDED),
    ("import typing\n", GUARDED),
    ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from typing import Any\n", GUARDED),
    ("from __future__ import annotations\nTYPE_CHECKING = False\nif TYPE_CHECKING:\n    from typing import Any\n",
     PLAIN),
])
def test_a_module_off_its_package_style_is_caught(source, style):
    assert violations(source, style)


@pytest.mark.parametrize(("source", "style"), [
    ("from __future__ import annotations\nTYPE_CHECKING = False\nif TYPE_CHECKING:\n    from typing import Any\n",
     GUARDED),
    ("from typing import Any\n", PLAIN),
    ("import typer\nfrom typing import Optional\n", GUARDED),  # the click CLI pays for typing with typer
])
def test_a_module_in_its_package_style_passes(source, style):
    assert violations(source, style) == []


def _first_typing_loader(modules: list[str], path: str) -> str | None:
    """The first of `modules` whose import loads `typing`, imported in that order."""
    code = ("import sys\nsys.path.insert(0, sys.argv[1])\n"
            "for name in sys.argv[2:]:\n"
            "    __import__(name)\n"
            "    if 'typing' in sys.modules:\n"
            "        print(name)\n"
            "        break\n")
    out = subprocess.run([sys.executable, "-c", code, path, *modules], capture_output=True, text=True, check=True)
    return out.stdout.strip() or None


def _loads_without_typing(modules: dict[str, Path], skipped: set[str]) -> list[str]:
    """GUARDED modules whose top-level imports (transitively) stay in GUARDED packages
    and off the click CLI: importing them must not load `typing`."""
    trees = {module: ast.parse(path.read_text()) for module, path in modules.items()}
    verdict: dict[str, bool] = {}

    def clean(module: str) -> bool:
        if module not in verdict:
            verdict[module] = True  # an import cycle does not decide
            tree = trees[module]
            ok = (STYLE[package_of(module, modules[module])] == GUARDED and module not in skipped
                  and not builds_click_cli(tree))
            for node, guarded in _top_imports(tree.body):
                if not ok:
                    break
                if guarded:
                    continue
                for name in _names(node):
                    if name.split(".")[0] not in ("nerdpy", "nerdpy_compose"):
                        continue
                    parts = name.split(".")
                    wanted = [".".join(parts[:i]) for i in range(1, len(parts) + 1)]
                    if isinstance(node, ast.ImportFrom):
                        wanted += [f"{name}.{alias.name}" for alias in node.names]
                    ok = all(clean(m) for m in wanted if m in modules)
            verdict[module] = ok
        return verdict[module]

    return [module for module in modules if clean(module) and not module.endswith("__main__")]


def test_guarded_packages_load_without_typing():
    modules = _modules()
    eligible = _loads_without_typing(modules, tolerated())
    assert len(eligible) > len(modules) // 2  # the derivation keeps most of the tree
    assert _first_typing_loader(eligible, str(REPO)) is None


def test_a_module_loading_typing_is_found(tmp_path):
    (tmp_path / "plain_mod.py").write_text("x = 1\n")
    (tmp_path / "typed_mod.py").write_text("from typing import Any\n")
    assert _first_typing_loader(["plain_mod", "typed_mod"], str(tmp_path)) == "typed_mod"
