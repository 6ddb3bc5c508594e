"""What notebook 02 and the briefs show of a ``NetworkAnalysis``: the network figure and a French reading.

The figure draws the organisation projection without its isolated organisations: spring layout with the
``network.seed`` seed and positions rounded (same picture on every run), node colour by family
(``network.family_colours``), node area by number of partners, tie width by Newman weight, and labels on
the organisations of highest betweenness (at most ``network.figure_labels``, only those with a
positive betweenness). The reading states only computed
numbers, formatted the French way by ``essnum.french.french_number``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from essnum.config import decision
from essnum.figure_data import with_data
from essnum.french import french_number

from .analysis import NetworkAnalysis

CM = 1 / 2.54
FIGURE_HEIGHT_CM = 12.0


def layout(analysis: NetworkAnalysis) -> dict[str, tuple[float, float]]:
    """Deterministic positions of the tied organisations, rounded to 1e-4.

    Each component gets its own seeded spring layout, scaled by the square root of its size, and the
    components are packed in rows, largest first (one spring layout of the whole graph would push small
    components to the edges and squash the large one).
    """
    tied = np.flatnonzero(analysis.values["degree"] > 0)
    ids = analysis.nodes["id"].to_numpy()
    upper = sp.triu(analysis.weight, k=1).tocoo()
    graph = nx.Graph()
    graph.add_nodes_from(ids[tied].tolist())
    graph.add_weighted_edges_from(zip(ids[upper.row].tolist(), ids[upper.col].tolist(), upper.data.tolist()))
    components = sorted((sorted(c) for c in nx.connected_components(graph)), key=lambda c: (-len(c), c[0]))
    row_width = 2.2 * np.sqrt(sum(len(c) for c in components))
    positions: dict[str, tuple[float, float]] = {}
    x = y = row_height = 0.0
    for members in components:
        size = np.sqrt(len(members))
        local = nx.spring_layout(graph.subgraph(members), weight="weight", seed=decision("network.seed"),
                                 iterations=decision("network.figure_layout_iterations"), center=(0, 0), scale=size)
        if x > 0 and x + 2 * size > row_width:
            x, y, row_height = 0.0, y - row_height - 0.5, 0.0
        for node in members:
            px, py = local[node]
            positions[node] = (round(float(x + size + px), 4), round(float(y - size + py), 4))
        x += 2 * size + 0.5
        row_height = max(row_height, 2 * size)
    return positions


def short_name(name: str) -> str:
    """A name without its parenthesis or dash-separated expansion: "FARI – AI Institute (ULB)" → "FARI"."""
    for separator in (" (", " – ", " — "):
        name = name.split(separator)[0]
    return name


def network_figure(analysis: NetworkAnalysis) -> Figure:
    """The organisation network coloured by family, most central organisations labelled."""
    plt.rcParams.update({"font.size": decision("maps.font_size"), "svg.hashsalt": "essnum"})
    colours = decision("network.family_colours")
    labels_fr = getattr(analysis, "family_labels", {})
    positions = layout(analysis)
    nodes = analysis.nodes.set_index("id").loc[list(positions)]
    fig, ax = plt.subplots(figsize=(decision("maps.width_cm") * CM, FIGURE_HEIGHT_CM * CM), layout="constrained",
                           dpi=decision("briefs.figure_dpi"))
    ax.set_axis_off()
    edges = analysis.edges[analysis.edges["source"].isin(positions)]
    top_weight = edges["weight"].max() if len(edges) else 1.0
    for edge in edges.itertuples(index=False):
        (x0, y0), (x1, y1) = positions[edge.source], positions[edge.target]
        ax.plot([x0, x1], [y0, y1], color="#9a9a9a", alpha=0.5, zorder=1,
                linewidth=0.3 + 1.7 * edge.weight / top_weight)
    xy = np.array([positions[i] for i in nodes.index]).reshape(-1, 2)  # (0, 2) for an atlas without partners
    ax.scatter(xy[:, 0], xy[:, 1], s=12 + 8 * np.sqrt(nodes["degree"].to_numpy()), zorder=2,
               c=[colours.get(f, colours[""]) for f in nodes["family"]], edgecolors="#333333", linewidths=0.4)
    ranked = analysis.top_brokers(decision("network.figure_labels"))
    for row in ranked[ranked["betweenness"] > 0].itertuples(index=False):
        if row.id in positions:
            ax.annotate(short_name(row.name), positions[row.id], xytext=(4, 3), textcoords="offset points", zorder=3,
                        path_effects=[patheffects.withStroke(linewidth=2, foreground="white")])
    present = sorted(set(nodes["family"]), key=lambda f: (f == "", list(colours).index(f) if f in colours else 99))
    handles = [Line2D([], [], marker="o", linestyle="", markerfacecolor=colours.get(f, colours[""]),
                      markeredgecolor="#333333", label=labels_fr.get(f, f) if f else "Famille non renseignée")
               for f in present]
    fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False, fontsize="small")
    return with_data(fig, _drawn_ties(edges, nodes, labels_fr))


def _drawn_ties(edges: pd.DataFrame, nodes: pd.DataFrame, labels_fr: dict) -> pd.DataFrame:
    """The ties the figure draws, one row each: both organisations (id, name, family), the collectives they
    share and the Newman weight."""
    family = nodes["family"].map(lambda f: labels_fr.get(f, f) if f else "")
    table = edges[["source", "target", "shared_collectives", "weight"]].reset_index(drop=True)
    for end in ("source", "target"):
        table.insert(table.columns.get_loc(end) + 1, f"{end}_name", table[end].map(nodes["name"]))
        table.insert(table.columns.get_loc(end) + 2, f"{end}_family", table[end].map(family))
    return table


class Reading(str):
    """Markdown text shown rendered in a notebook and as plain text where outputs are compared (nbval)."""

    def _repr_markdown_(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return str(self)


def reading(analysis: NetworkAnalysis) -> Reading:
    """A short French reading of the structure (markdown), every number computed from ``analysis``."""
    s = analysis.summary
    counts, projection = s["counts"], s["graphs"]["organisation_projection"]
    n = counts["organisations_kept"]
    tied = n - projection["isolated"]
    nb = lambda v: french_number(v)  # noqa: E731
    pct = lambda part, whole: french_number(round(100 * part / whole) if whole else 0, "%")  # noqa: E731
    sides = s["ties_by_side"]
    cross = sides.get("ess / tech", 0)
    ties = projection["edges"]
    lines = [
        f"- **Couverture.** Sur {nb(n)} organisations, {nb(tied)} ({pct(tied, n)}) partagent au moins un collectif "
        f"avec une autre ; les {nb(projection['isolated'])} autres n'ont aucun lien documenté.",
        f"- **Fragmentation.** Les organisations liées forment {nb(projection['components'] - projection['isolated'])} "
        f"composantes ; la plus grande en réunit {nb(projection['largest_component'])}.",
        f"- **Ponts entre ESS et tech.** {nb(cross)} liens sur {nb(ties)} ({pct(cross, ties)}) relient une organisation "
        f"de l'ESS à un acteur de la tech.",
    ]
    bridges = analysis.bridges()
    collectives = analysis.bridging_collectives(3)
    if len(bridges):
        plural, verb = ("s", "jouent") if len(bridges) > 1 else ("", "joue")
        lines.append(f"- **Organisations pivots.** Retirer {bridges.iloc[0]['name']} séparerait "
                     f"{nb(int(bridges.iloc[0]['ess_tech_pairs_cut']))} paires (organisation de l'ESS, acteur de la "
                     f"tech) ; {nb(len(bridges))} organisation{plural} {verb} ce rôle de pont unique.")
    if len(collectives):
        lines.append("- **Collectifs pivots.** Les collectifs dont la disparition couperait le plus de paires ESS–tech : "
                     + " ; ".join(f"{r.label} ({nb(int(r.ess_tech_pairs_cut))} paires)" for r in collectives.itertuples()) + ".")
    family_r = s["assortativity"]["family"]
    if family_r is not None:
        tendency = "plutôt au sein de leur famille" if family_r > 0 else "plutôt hors de leur famille"
        lines.append(f"- **Entre-soi.** L'assortativité par famille vaut {french_number(family_r, decimals=2)} : "
                     f"les organisations se lient {tendency}.")
    communities = s["communities"]
    if communities["modularity"] is not None:
        lines.append(f"- **Communautés.** Louvain trouve {nb(communities['count_two_or_more'])} communautés "
                     f"(modularité {french_number(communities['modularity'], decimals=2)}).")
    return Reading("\n".join(lines))
