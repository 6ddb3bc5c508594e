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
the same atlas are byte-identical. The XML is written directly from the tables (networkx's writers take
a minute for 100 000 ties); the tests read every file back with networkx. Missing values (e.g. the
constraint of an isolated organisation) are written as no value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from essnum.config import decision
from essnum.paths import atomic_write

from .analysis import COLLECTIVE_PREFIX, ORG_PREFIX, NetworkAnalysis

#: Attribute types, the same words in GraphML and GEXF.
XML_TYPES = {"bool": "boolean", "int": "long", "float": "double", "str": "string"}


@dataclass
class ExportGraph:
    """A graph as tables: node tables (column ``id`` first, then attributes) and one edge table
    (``source``, ``target``, attributes); ``weight`` names the edge column Gephi uses as weight."""

    name: str
    nodes: list[pd.DataFrame]
    edges: pd.DataFrame
    weight: str | None


def _kind(column: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(column):
        return "bool"
    if pd.api.types.is_integer_dtype(column):
        return "int"
    if pd.api.types.is_float_dtype(column):
        return "float"
    return "str"


def _texts(column: pd.Series) -> list[str | None]:
    """Each value as XML-escaped text; None for missing values (written as no value at all)."""
    kind = _kind(column)
    if kind == "bool":
        return ["true" if v else "false" for v in column]
    if kind == "int":
        return [str(v) for v in column.tolist()]
    if kind == "float":
        return [None if np.isnan(v) else f"{v:.10g}" for v in column.tolist()]
    return [None if v is None or v is pd.NA else escape(str(v), {'"': "&quot;"}) for v in column.astype(object)]


def _attribute_keys(tables: list[pd.DataFrame], skip: set[str]) -> dict[str, str]:
    keys: dict[str, str] = {}
    for table in tables:
        for column in table.columns:
            if column not in skip and column not in keys:
                keys[column] = _kind(table[column])
    return keys


def _rows(table: pd.DataFrame, keys: dict[str, str], skip: set[str]):
    """(fixed columns, [(attribute index, text)]) per row, attributes in key order."""
    index = {k: i for i, k in enumerate(keys)}
    columns = [(index[c], _texts(table[c])) for c in table.columns if c not in skip]
    fixed = {c: _texts(table[c]) for c in skip if c in table.columns}
    for r in range(len(table)):
        yield {c: v[r] for c, v in fixed.items()}, [(i, texts[r]) for i, texts in columns if texts[r] is not None]


def graphml(graph: ExportGraph) -> str:
    """GraphML 1.0 (undirected), one ``<key>`` per attribute."""
    node_keys = _attribute_keys(graph.nodes, {"id"})
    edge_keys = _attribute_keys([graph.edges], {"source", "target"})
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
           'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">']
    out += [f'<key id="n{i}" for="node" attr.name="{k}" attr.type="{XML_TYPES[t]}"/>' for i, (k, t) in enumerate(node_keys.items())]
    out += [f'<key id="e{i}" for="edge" attr.name="{k}" attr.type="{XML_TYPES[t]}"/>' for i, (k, t) in enumerate(edge_keys.items())]
    out.append(f'<graph id="{escape(graph.name)}" edgedefault="undirected">')
    for table in graph.nodes:
        for fixed, values in _rows(table, node_keys, {"id"}):
            data = "".join(f'<data key="n{i}">{v}</data>' for i, v in values)
            out.append(f'<node id="{fixed["id"]}">{data}</node>')
    for fixed, values in _rows(graph.edges, edge_keys, {"source", "target"}):
        data = "".join(f'<data key="e{i}">{v}</data>' for i, v in values)
        out.append(f'<edge source="{fixed["source"]}" target="{fixed["target"]}">{data}</edge>')
    out += ["</graph>", "</graphml>", ""]
    return "\n".join(out)


def gexf(graph: ExportGraph) -> str:
    """GEXF 1.2 (Gephi): static undirected graph, node ``label`` from the ``label`` column, edge weight."""
    node_keys = _attribute_keys(graph.nodes, {"id"})
    edge_keys = _attribute_keys([graph.edges], {"source", "target"})
    attributes = lambda cls, keys: ([f'<attributes class="{cls}">'] + [  # noqa: E731
        f'<attribute id="{i}" title="{k}" type="{XML_TYPES[t]}"/>' for i, (k, t) in enumerate(keys.items())]
        + ["</attributes>"])
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<gexf xmlns="http://www.gexf.net/1.2draft" version="1.2">',
           f'<meta lastmodifieddate="{decision("briefs.default_date")}"><creator>essnum</creator>'
           f"<description>{escape(graph.name)}</description></meta>",
           '<graph defaultedgetype="undirected" mode="static">',
           *attributes("node", node_keys), *attributes("edge", edge_keys), "<nodes>"]
    label_index = list(node_keys).index("label") if "label" in node_keys else None
    for table in graph.nodes:
        for fixed, values in _rows(table, node_keys, {"id"}):
            label = next((v for i, v in values if i == label_index), fixed["id"])
            data = "".join(f'<attvalue for="{i}" value="{v}"/>' for i, v in values)
            out.append(f'<node id="{fixed["id"]}" label="{label}"><attvalues>{data}</attvalues></node>')
    out.append("</nodes><edges>")
    weights = _texts(graph.edges[graph.weight]) if graph.weight else None
    for number, (fixed, values) in enumerate(_rows(graph.edges, edge_keys, {"source", "target"})):
        weight = f' weight="{weights[number]}"' if weights else ""
        data = "".join(f'<attvalue for="{i}" value="{v}"/>' for i, v in values)
        out.append(f'<edge id="{number}" source="{fixed["source"]}" target="{fixed["target"]}"{weight}>'
                   f"<attvalues>{data}</attvalues></edge>")
    out += ["</edges>", "</graph>", "</gexf>", ""]
    return "\n".join(out)


def export_graphs(analysis: NetworkAnalysis) -> list[ExportGraph]:
    """The organisation projection, the typed bipartite graph and the collective projection."""
    orgs = analysis.nodes.rename(columns={"name": "label"})
    cols = analysis.collective_nodes.rename(columns={"collective_id": "id"})
    typed_orgs = orgs.assign(id=ORG_PREFIX + orgs["id"], kind="organisation")
    typed_cols = cols.rename(columns={"kind": "collective_kind"}).assign(id=COLLECTIVE_PREFIX + cols["id"], kind="collective")
    links = analysis.atlas.links
    bipartite_edges = pd.DataFrame({"source": ORG_PREFIX + links["organisation_id"],
                                    "target": COLLECTIVE_PREFIX + links["collective_id"]})
    return [
        ExportGraph("organisations", [orgs], analysis.edges, "weight"),
        ExportGraph("bipartite", [typed_orgs, typed_cols], bipartite_edges, None),
        ExportGraph("collectives", [cols], analysis.collective_edges, "shared_members"),
    ]


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
        for graph in export_graphs(analysis):
            write(f"{graph.name}.gexf", gexf(graph).encode())
            write(f"{graph.name}.graphml", graphml(graph).encode())
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
