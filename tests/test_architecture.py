"""The import graph of src/credo keeps the architecture docs/architecture.md describes.

The floors are read from that page (its first code block), so the page and this check
cannot disagree. Every import counts: at the top of a module, inside a function, and
type-only ones, since each is an arrow a reader has to follow.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = "credo"
DOC = ROOT / "docs" / "architecture.md"



# ------------------------------------------------------------------ reading the code
def find_modules(src: Path = SRC) -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    modules = {}
    for path in sorted((src / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _owner(name: str, modules: Mapping[str, Path]) -> str:
    """The module that ``name`` lives in: itself, or the nearest enclosing one."""
    while name not in modules:
        name = name.rpartition(".")[0]
    return name


def _base(module: str, path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
    return ".".join([*parts, *([node.module] if node.module else [])])


def read_imports(modules: Mapping[str, Path]) -> tuple[dict[str, set[str]], set[tuple]]:
    """The graph (module -> the package's modules it imports) and every private name
    reached: (importer, owner module, name), by import or by attribute of an imported
    module (``scores._reasons``)."""
    graph: dict[str, set[str]] = {}
    private: set[tuple] = set()
    for module, path in modules.items():
        targets: set[str] = set()
        bound: dict[str, str] = {}  # a local name bound to one of the package's modules
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == PACKAGE:
                        targets.add(_owner(alias.name, modules))
                        if alias.asname:
                            bound[alias.asname] = _owner(alias.name, modules)
            elif isinstance(node, ast.ImportFrom):
                base = _base(module, path, node)
                if base.split(".")[0] != PACKAGE:
                    continue
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    if full in modules:
                        targets.add(full)
                        bound[alias.asname or alias.name] = full
                        if alias.name.startswith("_"):
                            private.add((module, base, alias.name))
                    else:
                        targets.add(_owner(base, modules))
                        if alias.name.startswith("_") and not alias.name.startswith("__"):
                            private.add((module, _owner(base, modules), alias.name))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in bound and node.attr.startswith("_")
                    and not node.attr.startswith("__")):
                private.add((module, bound[node.value.id], node.attr))
        targets.discard(module)
        graph[module] = targets
    return graph, private


def read_floors(doc: Path = DOC) -> dict[str, int]:
    """Each top-level unit's floor (0 the lowest), from the page's first code block: a
    line at its left edge lists one floor's ``package/`` and ``module.py`` names, top
    floor first, then two spaces and a description."""
    block = re.search(r"^```\n(.*?)^```", doc.read_text(encoding="utf-8"), re.M | re.S)
    assert block, f"{doc} has no code block of floors"
    lines = [line for line in block.group(1).splitlines() if line and not line[0].isspace()]
    floors: dict[str, int] = {}
    for height, line in enumerate(reversed(lines)):
        for item in re.split(r"\s{2,}", line.strip())[0].split(","):
            name = item.strip().removesuffix("/").removesuffix(".py")
            assert name, f"an empty name on the floor line {line!r} of {doc}"
            floors[PACKAGE if name == "__init__" else name] = height
    return floors


def unit(module: str) -> str:
    """The top-level package or module a module belongs to (``credo`` for the root)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else PACKAGE


# ------------------------------------------------------------------ judging the graph
def import_circles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Every set of modules that import each other, round and round (Tarjan's strongly
    connected components of more than one module)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(start: str) -> None:
        # Iterative, so a deep chain of imports never reaches the recursion limit.
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                members = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    members.append(member)
                    if member == node:
                        break
                if len(members) > 1:
                    circles.append(sorted(members))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return circles


def arrows(graph: Mapping[str, Iterable[str]], source: str, target: str) -> list[str]:
    """Every import from one top-level unit into another, as ``importer -> imported``."""
    return sorted(f"{a} -> {b}" for a, bs in graph.items() for b in bs
                  if unit(a) == source and unit(b) == target)


def upward(graph: Mapping[str, Iterable[str]], floors: Mapping[str, int],
           source: str) -> list[str]:
    """The imports of ``source`` into a higher floor."""
    return sorted(f"{a} -> {b}" for a, bs in graph.items() for b in bs
                  if unit(a) == source and floors[unit(b)] > floors[source])


MODULES = find_modules()
GRAPH, PRIVATE = read_imports(MODULES)
FLOORS = read_floors()
UNITS = sorted({unit(m) for m in MODULES})


# ------------------------------------------------------------------ the checks
def test_every_top_level_module_and_package_has_a_floor() -> None:
    missing = [name for name in UNITS if name not in FLOORS]
    assert not missing, f"put {missing} on a floor line of {DOC.name}"


def test_no_import_circle() -> None:
    assert import_circles(GRAPH) == []


@pytest.mark.parametrize("source", UNITS)
def test_no_import_reaches_a_higher_floor(source: str) -> None:
    assert upward(GRAPH, FLOORS, source) == []


def test_features_never_import_the_scorecard() -> None:
    assert arrows(GRAPH, "features", "scorecard") == []


def test_the_service_never_imports_the_portal() -> None:
    assert arrows(GRAPH, "service", "portal") == []


def test_the_portal_never_imports_the_store() -> None:
    assert arrows(GRAPH, "portal", "store") == []


def crossing_private_names(private: Iterable[tuple], modules: Mapping[str, Path]) -> list[str]:
    """Private names reached from outside the package that holds them (a package's
    private modules, such as scorecard._kernels, serve its own modules only)."""

    def package(module: str) -> str:
        return module if modules[module].name == "__init__.py" else module.rpartition(".")[0]

    return sorted(f"{importer} -> {owner}.{name}" for importer, owner, name in private
                  if package(importer) != package(owner))


def test_no_private_name_is_reached_from_another_package() -> None:
    assert crossing_private_names(PRIVATE, MODULES) == []


# ------------------------------------------------------------------ the checks can fail
def test_the_checks_see_a_circle_an_upward_arrow_and_a_private_name(tmp_path) -> None:
    package = tmp_path / PACKAGE
    (package / "low").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "low" / "__init__.py").write_text("")
    (package / "low" / "a.py").write_text("def f():\n    from credo.low import b\n")
    (package / "low" / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from credo.low.a import f\n"
    )
    (package / "low" / "c.py").write_text("import credo.high as h\nh._secret()\n")
    (package / "high.py").write_text("from credo.low import a\n\ndef _secret(): ...\n")
    doc = tmp_path / "floors.md"
    doc.write_text("```\nhigh.py  the top\nlow/  the bottom\n__init__.py\n```\n")
    modules = find_modules(tmp_path)
    graph, private = read_imports(modules)
    assert import_circles(graph) == [["credo.low.a", "credo.low.b"]]
    floors = read_floors(doc)
    assert floors == {"high": 2, "low": 1, PACKAGE: 0}
    assert upward(graph, floors, "low") == ["credo.low.c -> credo.high"]
    assert upward(graph, floors, "high") == []
    assert crossing_private_names(private, modules) == ["credo.low.c -> credo.high._secret"]
