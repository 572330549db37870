"""No import cycles inside the explorer: the layers import downwards, never round in circles.

Every module under ``explorer/`` is read with :mod:`ast` (nothing is imported). An import at
module level (class bodies and ``try``/``if`` blocks included) runs when the module loads; one
inside a function runs when the function is first called. Imports under ``if TYPE_CHECKING:``
never run and are not counted. A cycle is a strongly connected group of modules.

- Through module-level imports a cycle is a load-order bug waiting to happen: none anywhere.
- Counting function-level imports too (an import moved into a function to dodge a cycle is
  still a cycle in the design): none that touches core, api, sim, commands or the top-level
  modules, nor the TUI and the CLI.

``python tests/test_import_cycles.py`` prints every cycle, with the imports that close it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "explorer"


@dataclass(frozen=True)
class Edge:
    """One import of an explorer module by another."""

    source: str
    target: str
    line: int
    in_function: bool


@dataclass
class Graph:
    modules: set[str] = field(default_factory=set)
    edges: list[Edge] = field(default_factory=list)

    def successors(self, *, functions: bool) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {m: set() for m in self.modules}
        for e in self.edges:
            if functions or not e.in_function:
                out[e.source].add(e.target)
        return out


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import node that can run, and whether it sits inside a function."""
    stack: list[tuple[ast.AST, bool]] = [(tree, False)]
    while stack:
        node, in_function = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, in_function
            continue
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend((child, in_function) for child in node.orelse)
            continue
        inner = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))


def _targets(
    node: ast.Import | ast.ImportFrom, name: str, is_package: bool, modules: set[str]
) -> Iterable[str]:
    """The modules an import depends on.

    A parent package's ``__init__`` runs before any of its submodules, for every import:
    that implicit step is not counted (else each package would be a cycle with its own
    ``__init__``). ``from pkg import mod`` depends on ``pkg.mod`` when that is a module, on
    ``pkg`` when ``mod`` is a name defined there.
    """
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = name.split(".") if is_package else name.split(".")[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, base] if base else package)
    return [
        f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
        for alias in node.names
    ]


@cache
def import_graph() -> Graph:
    graph = Graph()
    files = sorted(PACKAGE.rglob("*.py"))
    graph.modules = {module_name(p) for p in files}
    for path in files:
        name = module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node, in_function in _imports(tree):
            for target in _targets(node, name, path.name == "__init__.py", graph.modules):
                if target in graph.modules and target != name:
                    graph.edges.append(Edge(name, target, node.lineno, in_function))
    return graph


def cycles(*, functions: bool) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan, iterative)."""
    succ = import_graph().successors(functions=functions)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(succ):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(succ[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(succ[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        found.append(sorted(group))
    return sorted(found)


def describe(group: list[str]) -> str:
    """A cycle and the imports that close it, e.g. ``a:3 -> b (in a function)``."""
    members = set(group)
    lines = [" <-> ".join(group)]
    for e in import_graph().edges:
        if e.source in members and e.target in members:
            where = "in a function" if e.in_function else "module level"
            lines.append(f"    {e.source}:{e.line} -> {e.target} ({where})")
    return "\n".join(sorted(set(lines), key=lines.index))


def _in_area(module: str, area: str) -> bool:
    if area == "explorer":  # the top-level modules: backend, settings, crash, ...
        return module.count(".") == 1 and module not in AREAS_AS_MODULES
    return module == area or module.startswith(area + ".")


AREAS_AS_MODULES = {"explorer.cli", "explorer.tui", "explorer.core", "explorer.api",
                    "explorer.sim", "explorer.commands"}  # fmt: skip
AREAS = [
    "explorer.core",
    "explorer.api",
    "explorer.sim",
    "explorer.commands",
    "explorer",
    "explorer.tui",
    "explorer.cli",
]


def test_the_graph_sees_the_package() -> None:
    graph = import_graph()
    assert {"explorer.core.fields", "explorer.tui.app", "explorer.cli"} <= graph.modules
    pairs = {(e.source, e.target, e.in_function) for e in graph.edges}
    assert ("explorer.core.analysis", "explorer.core.fields", False) in pairs
    # a function-level import is seen as one (fields loads jsonschema only when checking)
    assert ("explorer.core.fields", "explorer.core.schema_check", True) in pairs
    # and one under `if TYPE_CHECKING:` is not counted (it never runs)
    assert ("explorer.core.source", "explorer.api.client", False) not in pairs


def test_tarjan_finds_a_cycle_closed_inside_a_function(monkeypatch) -> None:
    graph = Graph(
        modules={"a", "b", "c", "d"},
        edges=[Edge("a", "b", 1, False), Edge("b", "c", 1, False), Edge("c", "a", 9, True),
               Edge("c", "d", 2, False)],
    )  # fmt: skip
    monkeypatch.setattr(f"{__name__}.import_graph", lambda: graph)
    assert cycles(functions=False) == []
    assert cycles(functions=True) == [["a", "b", "c"]]
    assert "c:9 -> a (in a function)" in describe(["a", "b", "c"])


def test_no_cycle_through_module_level_imports() -> None:
    found = cycles(functions=False)
    assert not found, "\n".join(describe(g) for g in found)


@pytest.mark.parametrize("area", AREAS)
def test_no_cycle_through_any_import(area: str) -> None:
    found = [g for g in cycles(functions=True) if any(_in_area(m, area) for m in g)]
    assert not found, "\n".join(describe(g) for g in found)


if __name__ == "__main__":
    for kind, functions in (("module-level", False), ("any import", True)):
        groups = cycles(functions=functions)
        print(f"cycles through {kind} imports: {len(groups)}")
        for group in groups:
            print(describe(group))
