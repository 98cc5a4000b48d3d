"""The house: one namespace, no import circles, nothing imports upward."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("agents", "model", "experiments", "viz")


def import_graph() -> nx.DiGraph:
    """Every pacsim module and the pacsim modules it imports, anywhere in its source (type-checking imports included)."""
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(("pacsim", *path.relative_to(ROOT).with_suffix("").parts)).removesuffix(".__init__")
            modules[name] = path
    graph = nx.DiGraph()
    for name, path in modules.items():
        graph.add_node(name)
        for node in ast.walk(ast.parse(path.read_text())):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pacsim"):
                targets = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name.startswith("pacsim")]
            graph.add_edges_from((name, t) for t in targets if t in modules and t != name)
    return graph


def test_no_import_circles() -> None:
    """No pacsim module reaches itself through its imports."""
    assert list(nx.simple_cycles(import_graph())) == []


def test_nothing_imports_upward() -> None:
    """The agents import no other part, and the model neither experiments nor viz (STYLE.md: nothing imports upward)."""
    upward = {"agents": ("model", "experiments", "viz"), "model": ("experiments", "viz")}
    for a, b in import_graph().edges:
        part, target = a.split(".")[1], b.split(".")[1]
        assert target not in upward.get(part, ()), f"{a} imports {b}"


def test_every_module_imports_by_the_pacsim_name() -> None:
    """No module imports a bare ``model``, ``agents``, ``experiments`` or ``viz``."""
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names = (
                    [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else ([a.name for a in node.names] if isinstance(node, ast.Import) else [])
                )
                for name in names:
                    assert name.split(".")[0] not in PACKAGES, f"{path}: import {name}"
