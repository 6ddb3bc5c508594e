"""Write a ``NetworkAnalysis`` for network tools: GEXF and GraphML (Gephi, Cytoscape, igraph), CSV, JSON.

Files (in the output folder):

- ``organisations.gexf|graphml``: organisation projection, every node measure as an attribute, edges
  with ``shared_collectives`` and ``weight`` (Newman);
- ``bipartite.gexf|graphml``: organisations (``org:<id>``) and collectives (``col:<id>``), ``kind`` says which;
- ``collectives.gexf|graphml``: collective projection, edges with ``shared_members``;
- ``organisations_nodes.csv``, ``organisations_edges.csv``, ``collectives_nodes.csv``,
  ``collectives_edges.csv``, ``communities.csv``: the same tables as CSV;
- ``rejected_links.csv``, ``rejected_organisations.csv``, ``merged_organisations.csv``: what the
  robustness rules set aside, each row with its input row number and reason;
- ``summary.json``: sizes, components, modularity, assortativity, top brokers and bridges.

Node and edge order is the analysis order (sorted ids), and the GEXF date is fixed, so two exports of
the same atlas are byte-identical.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import networkx as nx
import pandas as pd

from .config import decision
from .network import COLLECTIVE_PREFIX, ORG_PREFIX, NetworkAnalysis
from .paths import atomic_write

GRAPH_FORMATS = ("gexf", "graphml")


def _attributes(table: pd.DataFrame, key: str) -> list[tuple[str, dict]]:
    """(node, attributes) pairs with plain Python values (GraphML/GEXF writers reject numpy scalars)."""
    return [(record.pop(key), record) for record in table.to_dict("records")]


def organisation_graph(analysis: NetworkAnalysis) -> nx.Graph:
    graph = nx.Graph(name="organisation projection")
    graph.add_nodes_from(_attributes(analysis.nodes.rename(columns={"name": "label"}), "id"))
    edges = analysis.edges.to_dict("records")
    graph.add_edges_from((e.pop("source"), e.pop("target"), e) for e in edges)
    return graph


def collective_graph(analysis: NetworkAnalysis) -> nx.Graph:
    graph = nx.Graph(name="collective projection")
    graph.add_nodes_from(_attributes(analysis.collective_nodes, "collective_id"))
    edges = analysis.collective_edges.to_dict("records")
    graph.add_edges_from((e.pop("source"), e.pop("target"), e) for e in edges)
    return graph


def bipartite_export_graph(analysis: NetworkAnalysis) -> nx.Graph:
    """The bipartite graph with every organisation and collective measure on its nodes."""
    graph = nx.Graph(name="organisations and collectives")
    orgs = analysis.nodes.rename(columns={"name": "label"}).assign(kind="organisation", bipartite=0)
    orgs["id"] = ORG_PREFIX + orgs["id"]
    cols = analysis.collective_nodes.rename(columns={"kind": "collective_kind"}).assign(kind="collective", bipartite=1)
    cols["collective_id"] = COLLECTIVE_PREFIX + cols["collective_id"]
    graph.add_nodes_from(_attributes(orgs, "id"))
    graph.add_nodes_from(_attributes(cols, "collective_id"))
    links = analysis.atlas.links
    graph.add_edges_from(zip(ORG_PREFIX + links["organisation_id"], COLLECTIVE_PREFIX + links["collective_id"]))
    return graph


def _graph_bytes(graph: nx.Graph, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "gexf":
        nx.write_gexf(graph, buffer)
        fixed = f'lastmodifieddate="{decision("briefs.default_date")}"'
        return re.sub(rb'lastmodifieddate="[^"]*"', fixed.encode(), buffer.getvalue())
    nx.write_graphml(graph, buffer)
    return buffer.getvalue()


def write_exports(analysis: NetworkAnalysis, directory: Path, graphs: bool = True) -> list[Path]:
    """Write every export of ``analysis`` into ``directory``; return the paths written.

    ``graphs=False`` skips the GEXF/GraphML files (slow and large beyond a few hundred thousand ties).
    """
    directory = Path(directory)
    written: list[Path] = []

    def write(name: str, payload: bytes) -> None:
        with atomic_write(directory / name, "wb") as handle:
            handle.write(payload)
        written.append(directory / name)

    if graphs:
        for name, build in (("organisations", organisation_graph), ("bipartite", bipartite_export_graph),
                            ("collectives", collective_graph)):
            graph = build(analysis)
            for fmt in GRAPH_FORMATS:
                write(f"{name}.{fmt}", _graph_bytes(graph, fmt))
    tables = {
        "organisations_nodes": analysis.nodes, "organisations_edges": analysis.edges,
        "collectives_nodes": analysis.collective_nodes, "collectives_edges": analysis.collective_edges,
        "communities": analysis.communities, "rejected_links": analysis.atlas.rejected_links,
        "rejected_organisations": analysis.atlas.rejected_organisations,
        "merged_organisations": analysis.atlas.merged_organisations,
    }
    for name, table in tables.items():
        write(f"{name}.csv", table.to_csv(index=False, lineterminator="\n", float_format="%.10g").encode())
    write("summary.json", (json.dumps(analysis.summary, indent=1, ensure_ascii=False, sort_keys=False) + "\n").encode())
    return written
