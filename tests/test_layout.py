"""The package layout shows the layers: no import cycle among the library's modules, each layer
imports only the layers below it, and docs/layout.md describes every subpackage in its table.

Imports are read from the source (every ``import``/``from ... import``, also those inside
functions and under ``TYPE_CHECKING``), so a cycle hidden in a function-level import counts.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import aipp_constructs

PACKAGE = Path(aipp_constructs.__file__).parent
ROOT = PACKAGE.parent
LAYOUT_DOC = ROOT / "docs" / "layout.md"

#: subpackage -> the subpackages its modules may import (besides itself). ``cli`` is the command
#: line over every library layer (it knows no port); ``aipp`` is the AIPP port, a user of the
#: library that plugs its own commands into the command line (docs/cli.md).
MAY_IMPORT: dict[str, set[str]] = {
    "core": set(),
    "review": set(),
    "checks": {"core"},
    "compose": {"core", "checks"},
    "workloads": {"core"},
    "platform": {"core"},
    "observability": {"core", "workloads"},
    "presets": {"core", "workloads", "platform", "observability"},
    "cli": {"core", "workloads", "platform", "observability", "presets", "review", "checks", "compose"},
    "aipp": {"core", "workloads", "platform", "observability", "presets", "review", "checks", "compose", "cli"},
}


def _modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the library (the generated CRD
    bindings under ``imports/`` excluded)."""
    out: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[1] == "imports":
            continue
        parts = list(rel.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path, known: set[str]) -> Iterator[str]:
    """The library modules ``name`` imports (a ``from package import module`` counts as the module)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            targets = [
                f"{module}.{alias.name}" if f"{module}.{alias.name}" in known else module for alias in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                yield target


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: set(_imports(name, path, known)) for name, path in modules.items()}


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_among_the_library_modules() -> None:
    # The top-level package re-exports every public name lazily (its imports sit under
    # TYPE_CHECKING and in __getattr__); no library module imports it.
    graph = {name: deps - {"aipp_constructs"} for name, deps in _graph().items() if name != "aipp_constructs"}
    assert _cycles(graph) == []


def test_no_library_module_imports_the_top_level_package() -> None:
    offenders = sorted(name for name, deps in _graph().items() if "aipp_constructs" in deps)
    assert offenders == []


def test_each_layer_imports_only_the_layers_below_it() -> None:
    wrong = []
    for name, deps in _graph().items():
        layer = _layer(name)
        if layer is None or layer == "__main__":
            continue
        assert layer in MAY_IMPORT, (
            f"{name}: subpackage {layer!r} is in no layer; add it to MAY_IMPORT and docs/layout.md"
        )
        for dep in deps:
            other = _layer(dep)
            if other is not None and other != layer and other not in MAY_IMPORT[layer]:
                wrong.append(f"{name} -> {dep}")
    assert wrong == []


def test_the_package_has_no_module_outside_a_layer() -> None:
    loose = sorted(
        path.name
        for path in PACKAGE.glob("*.py")
        if path.name not in ("__init__.py", "__main__.py") and path.stem not in MAY_IMPORT
    )
    assert loose == [], "move these modules into the subpackage of their layer"


def test_docs_layout_table_names_every_subpackage() -> None:
    rows = re.findall(r"^\| `(\w+)/?` \|", LAYOUT_DOC.read_text(), flags=re.MULTILINE)
    assert sorted(rows) == sorted(MAY_IMPORT)


def _layers_of_several_modules() -> list[str]:
    counts: dict[str, int] = {}
    for name in _modules():
        layer = _layer(name)
        if layer is not None:
            counts[layer] = counts.get(layer, 0) + 1
    return sorted(layer for layer, count in counts.items() if count > 1)


@pytest.mark.parametrize("subpackage", _layers_of_several_modules())
def test_the_cycle_check_bites(subpackage: str) -> None:
    """The checker finds a cycle planted between two real modules of one subpackage."""
    graph = _graph()
    names = sorted(n for n in graph if _layer(n) == subpackage)
    a, b = names[0], names[-1]
    planted = {**graph, a: graph[a] | {b}, b: graph[b] | {a}}
    assert any(a in c and b in c for c in _cycles(planted))
