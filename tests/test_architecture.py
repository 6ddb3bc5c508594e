"""The layout of lib/essnum: one package per domain, no import cycle between modules or between domains,
every package says what it is for, no module name repeating its package's name.

The import graph is read from the source (every ``import`` and ``from … import``, those inside functions
included, since a lazy import hides a cycle without removing it)."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

LIB = Path(__file__).resolve().parents[1] / "lib"
PACKAGE = LIB / "essnum"
DOMAINS = {"data", "network", "territory", "survey", "funding", "publish", "cli"}


def module_name(path: Path) -> str:
    parts = path.relative_to(LIB).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """essnum modules imported by one module (``from pkg import mod`` counts as an import of ``pkg.mod``)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                found.add(f"{target}.{alias.name}" if f"{target}.{alias.name}" in known else target)
    return {m for m in found if m in known and m != name}


def import_graph() -> nx.DiGraph:
    found = modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(found)
    for name, path in found.items():
        graph.add_edges_from((name, target) for target in imports_of(name, path, set(found)))
    return graph


def domain(module: str) -> str:
    """``essnum.territory.maps`` → ``territory``; a top-level module is its own node (``config``)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "essnum"


def domain_graph(graph: nx.DiGraph) -> nx.DiGraph:
    domains = nx.DiGraph()
    domains.add_nodes_from(domain(m) for m in graph)
    domains.add_edges_from((domain(a), domain(b)) for a, b in graph.edges if domain(a) != domain(b))
    return domains


def cycles(graph: nx.DiGraph) -> list[str]:
    """Each cycle as ``a → b → a`` (one per strongly connected component, shortest first)."""
    found = []
    for component in nx.strongly_connected_components(graph):
        if len(component) > 1:
            cycle = nx.find_cycle(graph.subgraph(component))
            found.append(" → ".join([*(a for a, _ in cycle), cycle[0][0]]))
    return sorted(found, key=len)


def test_the_cycle_finder_finds_a_cycle():
    graph = nx.DiGraph([("essnum.publish.consultation", "essnum.publish.render.engine"),
                        ("essnum.publish.render.engine", "essnum.publish.render.answers"),
                        ("essnum.publish.render.answers", "essnum.publish.consultation"),
                        ("essnum.publish.facts", "essnum.network.analysis")])
    assert cycles(graph) == ["essnum.publish.consultation → essnum.publish.render.engine → "
                             "essnum.publish.render.answers → essnum.publish.consultation"]
    graph.add_edge("essnum.network.views", "essnum.publish.facts")
    graph.add_edge("essnum.network.analysis", "essnum.network.views")
    assert domain_graph(graph).has_edge("network", "publish")
    assert cycles(domain_graph(graph)) == ["network → publish → network"] or \
        cycles(domain_graph(graph)) == ["publish → network → publish"]


def test_the_graph_sees_relative_lazy_and_package_imports():
    graph = import_graph()
    assert graph.has_edge("essnum.territory.export", "essnum.territory.placement")  # relative
    assert graph.has_edge("essnum.publish.render.answers", "essnum.publish.consultation")  # inside a function
    assert graph.has_edge("essnum.publish.barometer", "essnum.territory.maps")  # from essnum.territory import maps


def test_no_import_cycle_between_modules():
    assert cycles(import_graph()) == []


def test_no_import_cycle_between_domains():
    assert cycles(domain_graph(import_graph())) == []


def test_top_level_holds_only_what_everything_uses():
    top = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
    assert top == {"build", "config", "figure_data", "french", "notebooks", "paths", "pipeline"}
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").is_file()} == DOMAINS


@pytest.mark.parametrize("package", sorted(p.parent for p in PACKAGE.rglob("__init__.py")), ids=str)
def test_every_package_says_what_it_is_for(package):
    docstring = ast.get_docstring(ast.parse((package / "__init__.py").read_text(encoding="utf-8")))
    assert docstring and len(docstring.split()) >= 8, f"{package}/__init__.py needs a docstring"


def test_no_module_repeats_its_package_name():
    offenders = [name for name in modules() if "." in name.removeprefix("essnum.")
                 and name.rsplit(".", 1)[1].startswith(name.rsplit(".", 2)[-2] + "_")]
    assert offenders == []
