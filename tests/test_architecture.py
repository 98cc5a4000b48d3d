"""The house: one namespace, no import circles, nothing imports upward."""

from __future__ import annotations

import ast
import subprocess
import sys
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


def test_the_command_line_reads_its_input_without_loading_the_model() -> None:
    """Parsing a command line and checking its parameters import neither the model nor Mesa, numba, pandas or pyarrow.

    So ``pacsim --help``, a usage mistake and a bad parameter are answered in a fraction of a
    second; a subcommand's module loads when that subcommand runs.
    """
    code = (
        "import sys\n"
        "from pacsim.experiments.cli import build_parser\n"
        "from pacsim.model.params import parse_assignments\n"
        "from pacsim.model.scenarios import load_scenario\n"
        "build_parser().parse_args(['run', '--set', 'target.salience=0.2'])\n"
        "load_scenario('default', parse_assignments(['target.salience=0.2']))\n"
        "heavy = ('mesa', 'numba', 'pandas', 'pyarrow', 'pacsim.model.model', 'pacsim.experiments.sweep')\n"
        "print(' '.join(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"loaded while parsing: {out.stdout.strip()}"
