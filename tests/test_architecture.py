"""The import rule of docs/architecture.md, read from the source (nothing is imported).

Floors: `api/` may import `moderation/` and `models/`; those two never import `api/`
nor each other. Wings: each folder of `api/` imports only the wings its docstring
names. And no two modules import each other, directly or around a loop.

Imports under `if TYPE_CHECKING:` are annotations only and do not count; imports
inside functions do (a deferred import is still a dependency). Importing `a.b.c`
runs `a/__init__` and `a/b/__init__` too, so it counts as importing them.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("api", "moderation", "models")
PYTEST = (sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider")

# Which wings of api/ each wing may import (besides itself, models/ and moderation/).
# "*" marks an entry point: it assembles the others and may import any of them.
BASE = "api.http"  # config, auth, errors, limits: the ground floor of api/
WINGS: dict[str, set[str] | str] = {
    "api.cli": "*",
    "api.http.app": "*",
    BASE: set(),
    "api.web": set(),
    "api.live": set(),
    # Metrics, logs, traces: a ground floor beside api.http that every wing records into.
    "api.observability": {BASE},
    "api.runtime": {BASE, "api.live", "api.readcache"},
    "api.services": {BASE, "api.live", "api.runtime", "api.observability"},
    "api.graphql": {
        BASE,
        "api.live",
        "api.runtime",
        "api.services",
        "api.readcache",
        "api.observability",
    },
    "api.readcache": {BASE, "api.live", "api.runtime", "api.graphql", "api.observability"},
    "api.perspective": {BASE, "api.runtime", "api.services", "api.observability"},
    "api.webhooks": {BASE, "api.runtime", "api.services", "api.observability"},
}

# GraphQL types that name each other (an article's comments, a comment's article):
# strawberry resolves them lazily, and the field that builds the other node imports it
# where it runs. These two loops are the schema's own shape, not a layering slip.
ACCEPTED_CYCLES = {
    frozenset({"api.graphql.types.article", "api.graphql.types.comment"}),
    frozenset({"api.graphql.types.sanction", "api.graphql.types.user"}),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                found[module_name(path)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported(node: ast.AST) -> Iterator[str]:
    if isinstance(node, ast.If) and _is_type_checking(node.test):
        # The annotation-only body does not count; its else branch does.
        for child in node.orelse:
            yield from _imported(child)
        return
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
        for alias in node.names:
            yield f"{node.module}.{alias.name}"
        yield node.module
    for child in ast.iter_child_nodes(node):
        yield from _imported(child)


@cache
def graph() -> dict[str, frozenset[str]]:
    """Each project module -> the project modules it imports (with their packages)."""
    known = modules()
    edges: dict[str, frozenset[str]] = {}
    for name, path in known.items():
        targets: set[str] = set()
        for imported in _imported(ast.parse(path.read_text(encoding="utf-8"))):
            parts = imported.split(".")
            targets.update(
                prefix
                for prefix in (".".join(parts[:i]) for i in range(1, len(parts) + 1))
                if prefix in known
            )
        # A package's own parents run before it; they are not its dependencies.
        edges[name] = frozenset(t for t in targets if t != name and not name.startswith(t + "."))
    return edges


def wing(module: str) -> str:
    if module == "api.http.app" or module.startswith("api.http.app."):
        return "api.http.app"
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "api" and len(parts) > 1 else parts[0]


def test_the_graph_sees_the_project() -> None:
    edges = graph()
    assert {"api.runtime", "moderation.pipeline", "models.tables"} <= edges.keys()
    assert "models.tables" in edges["api.services.comments"]
    # Every api module belongs to a wing the rule knows.
    assert {wing(m) for m in edges if m.startswith("api.")} <= WINGS.keys()


def test_floors_point_down_only() -> None:
    wrong = [
        f"{source} imports {target}"
        for source, targets in graph().items()
        for target in targets
        if source.split(".")[0] in {"moderation", "models"}
        and target.split(".")[0] != source.split(".")[0]
    ]
    assert wrong == []


def test_wings_import_only_what_they_declare() -> None:
    wrong = []
    for source, targets in graph().items():
        allowed = WINGS.get(wing(source))
        if allowed is None or allowed == "*":
            continue
        for target in targets:
            if target.startswith("api.") and wing(target) not in allowed | {wing(source)}:
                wrong.append(f"{source} imports {target}")
    assert wrong == []


def cycles(edges: dict[str, frozenset[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_cycle_finder_finds_a_loop() -> None:
    loop = {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}), "d": frozenset()}
    assert cycles(loop) == [frozenset({"a", "b", "c"})]


def test_no_import_cycles() -> None:
    assert set(cycles(graph())) - ACCEPTED_CYCLES == set()


def test_moderation_tests_need_neither_web_stack_nor_database() -> None:
    """Collecting tests/moderation (which imports every test module and conftest on the
    way) succeeds with Starlette, strawberry, SQLAlchemy, api/ and models/ refused.
    `python -m pytest -p tests.support.isolation tests/moderation` runs them all so."""
    result = subprocess.run(
        [*PYTEST, "--collect-only", "-p", "tests.support.isolation", "tests/moderation"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "tests collected" in result.stdout
