"""The import graph of gan_lib has no cycle, counting imports inside functions too.

Each module's ``import``/``from ... import`` statements (at any depth, so a
deferred import inside a function counts) are resolved to the modules of the
package they load: ``from package import name`` loads ``package.name`` where that
is a module and the package's ``__init__`` otherwise.  The parent packages
Python imports first on the way to a module are not counted: a cycle through
them needs an explicit import of the package as well.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import gan_lib

PACKAGE_DIR = Path(gan_lib.__file__).parent


def _module_names() -> dict[str, Path]:
    names = {}
    for path in PACKAGE_DIR.rglob("*.py"):
        parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


MODULES = _module_names()


def _imported(name: str, source: str, *, is_package: bool = False) -> set[str]:
    """The gan_lib modules that the statements of module ``name`` (its ``source`` text) import, at any depth."""
    package = name if is_package else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            submodules = {f"{base}.{alias.name}" for alias in node.names} & MODULES.keys()
            found |= submodules if len(submodules) == len(node.names) else submodules | {base}
    return {module for module in found if module in MODULES and module != name}


def import_graph() -> dict[str, set[str]]:
    """Module -> the gan_lib modules it imports, for every module of the package."""
    return {
        name: _imported(name, path.read_text(encoding="utf-8"), is_package=path.name == "__init__.py")
        for name, path in MODULES.items()
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a list of modules (first == last), or None if the graph is acyclic."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = 2
        path.pop()
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_find_cycle_reports_a_cycle_and_none_without_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_imported_sees_imports_inside_functions_and_resolves_relative_ones():
    source = "def probe():\n    from .trainer import probe_step_time\n    from .. import config, imaging\n"
    assert _imported("gan_lib.training.hardware", source) == {
        "gan_lib.training.trainer",
        "gan_lib.config",
        "gan_lib.imaging",
    }
    assert "gan_lib.training.trainer" in import_graph()["gan_lib.training"]


def test_gan_lib_has_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "gan_lib imports in a circle: " + " -> ".join(cycle)


@pytest.mark.parametrize("module", ["gan_lib.training.hardware"])
def test_hardware_choice_imports_nothing_of_the_training_loop(module):
    loop = {f"gan_lib.training.{m}" for m in ("trainer", "step", "state", "run_hardware", "batches")}
    assert not import_graph()[module] & loop
