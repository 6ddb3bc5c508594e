"""Who connects whom: the atlas as a network of organisations and the collectives they share.

Input: the two atlas tables (``organisations``: ``id``, ``name``, ``family``, ``legal_form``, ``country``;
``links``: ``organisation_id``, ``collective_id``, ``collective_label``, ``collective_kind``), from
``essnum.data.atlas.load_atlas`` or any atlas folder in the import format. ``NetworkAnalysis(...).run()``
cleans them, builds the graphs and computes every measure; ``essnum.network.export`` writes the files.
The rules and their reasons are in ``docs/network.md``; the thresholds in ``decisions.toml`` ``[network]``.

Graphs (organisations and collectives in id order, so results never depend on input order):

- bipartite: organisations ↔ collectives, one edge per (organisation, collective) membership;
- organisation projection: two organisations are tied when they share a collective; ``shared`` counts the
  collectives, ``weight`` is Newman's collaboration weight, the sum of ``1 / (n - 1)`` over the shared
  collectives of ``n`` members (a pair in a two-member project weighs 1, in a 51-member network 0.02).
  Collectives with more than ``projection_max_members`` members are left out of this projection (a
  5 000-member federation would add 12.5 million ties of weight 0.0002); they stay in the bipartite
  graph, whose components and cut vertices are therefore exact;
- collective projection: two collectives are tied by the number of members they share.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from essnum.config import decision

from . import measures

ORG_PREFIX, COLLECTIVE_PREFIX = "org:", "col:"


@dataclass(frozen=True)
class NetworkSettings:
    """The ``[network]`` decisions the analysis uses (see ``decisions.toml`` for each reason)."""

    tech_families: tuple[str, ...]
    projection_max_members: int
    betweenness_exact_max_nodes: int
    betweenness_samples: int
    louvain_max_edges: int
    backbone_ties_per_node: int
    louvain_resolution: float
    seed: int
    legal_suffixes: tuple[str, ...]
    top: int

    @classmethod
    def from_decisions(cls, **overrides) -> NetworkSettings:
        values = {f.name: decision(f"network.{f.name}") for f in fields(cls)}
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
        return replace(cls(**values), **overrides)


def name_keys(names: pd.Series, legal_suffixes: tuple[str, ...]) -> pd.Series:
    """Names for duplicate detection: no accents, lower case, punctuation as spaces, leading and trailing
    legal-form words dropped (``"Emmaüs Connect SAS"`` → ``"emmaus connect"``); empty when nothing is left."""
    words = "|".join(sorted(map(re.escape, legal_suffixes)))
    text = (names.astype("string").fillna("").str.normalize("NFKD").str.encode("ascii", "ignore")
            .str.decode("ascii").str.lower().str.replace(r"[^a-z0-9]+", " ", regex=True).str.strip())
    text = text.str.replace(rf"^(?:(?:{words}) )+|(?: (?:{words}))+$", "", regex=True)
    return text.where(~text.isin(legal_suffixes), "").astype(str)


@dataclass
class CleanAtlas:
    """The atlas after the robustness rules: what is kept, and every row set aside with its reason."""

    organisations: pd.DataFrame  # one row per kept organisation, sorted by id
    collectives: pd.DataFrame  # collective_id, label, kind, members, label_missing; sorted by collective_id
    links: pd.DataFrame  # organisation_id (canonical), collective_id; unique pairs, sorted
    rejected_organisations: pd.DataFrame  # original row + row + reason
    merged_organisations: pd.DataFrame  # id, name, country, canonical_id, name_key, row
    rejected_links: pd.DataFrame  # original row + row + reason
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class Upstream:
    """What the atlas import did before the analysis, so that counts and row numbers refer to the files:
    the line in the file (header = 1) of each row of the organisations and links tables, the rows it
    rejected and the link rows it merged into an earlier row (each with ``row`` and ``reason``)."""

    organisation_rows: np.ndarray
    link_rows: np.ndarray
    rejected_organisations: pd.DataFrame
    rejected_links: pd.DataFrame
    merged_links: pd.DataFrame

    @classmethod
    def from_atlas(cls, atlas) -> Upstream:
        """From an ``essnum.data.atlas.Atlas`` (its kept tables are in the order of the report's tables)."""
        tables = atlas.report.tables
        organisations, links = tables["organisations"], tables["links"]
        merged = links.merged if links.merged is not None else pd.DataFrame({"row": pd.Series(dtype="int64")})
        return cls(organisations.data.index.to_numpy(dtype=np.int64), links.data.index.to_numpy(dtype=np.int64),
                   organisations.rejected, links.rejected, merged)


def _with_reason(table: pd.DataFrame, mask: pd.Series, reason: str, rows: np.ndarray | None = None) -> pd.DataFrame:
    out = table[mask].copy()
    out.insert(0, "row", out.index + 1 if rows is None else rows[out.index])
    out["reason"] = reason
    return out


def _upstream_rejected(table: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    if len(out):
        out["reason"] = "atlas check: " + out["reason"].astype(str)
    return out


def clean_atlas(organisations: pd.DataFrame, links: pd.DataFrame, settings: NetworkSettings,
                described: pd.DataFrame | None = None, upstream: Upstream | None = None) -> CleanAtlas:
    """Apply the documented rules; ``row`` numbers are 1-based data rows of the input tables, or the lines
    of the atlas files (header = 1) when ``upstream`` (what the atlas import rejected and merged) is given.
    Counts then start from the rows of the files: read = kept + rejected (+ merged), rows rejected by the
    atlas check included (``*_rejected_by_atlas_check``). ``described`` (``collective_id``, ``label``,
    ``kind``, optional ``label_missing``), when given, names the collectives; otherwise the links do, and a
    collective without a label is labelled by its id with ``label_missing`` true.

    1. organisations without ``id`` or repeating an earlier ``id``: rejected (first row kept);
    2. duplicate organisations (same ``name_key`` and same country): merged into the smallest id, their
       links moved to it;
    3. links without ``organisation_id`` or ``collective_id``, or naming an unknown organisation: rejected;
    4. self-links (``collective_id`` equal to the organisation's own id): rejected;
    5. the same (organisation, collective) pair again, after merging: rejected as repeated;
    6. organisations left without any link stay in every graph as isolated nodes.
    """
    for table, required, name in ((organisations, ("id", "name"), "organisations"),
                                  (links, ("organisation_id", "collective_id"), "links")):
        absent = [c for c in required if c not in table.columns]
        if absent:
            raise ValueError(f"{name} table has no column {', '.join(absent)} (atlas import format: docs/network.md)")
    orgs = organisations.reset_index(drop=True).copy()
    org_rows = None if upstream is None else upstream.organisation_rows
    link_rows = None if upstream is None else upstream.link_rows
    for column in ("family", "legal_form", "country"):
        if column not in orgs.columns:
            orgs[column] = ""
    orgs["id"] = orgs["id"].astype("string").str.strip()
    no_id = orgs["id"].isna() | (orgs["id"] == "")
    repeated_id = orgs["id"].duplicated(keep="first") & ~no_id
    rejected_orgs = pd.concat([_with_reason(orgs, no_id, "missing id", org_rows),
                               _with_reason(orgs, repeated_id, "repeated id (first row kept)", org_rows)])
    kept = orgs[~no_id & ~repeated_id].copy()
    for column in ("name", "family", "legal_form", "country"):
        kept[column] = kept[column].astype("string").fillna("").str.strip().astype(str)
    kept["name_key"] = name_keys(kept["name"], settings.legal_suffixes).to_numpy()
    kept["row"] = kept.index + 1 if org_rows is None else org_rows[kept.index]
    kept = kept.sort_values("id", kind="stable")
    keyed = kept[kept["name_key"] != ""]
    canonical = keyed.groupby(["name_key", "country"], sort=False)["id"].transform("min")
    is_merged = canonical != keyed["id"]
    merged = keyed[is_merged][["id", "name", "country", "name_key", "row"]].assign(canonical_id=canonical[is_merged])
    alias = dict(zip(merged["id"], merged["canonical_id"]))
    kept = kept[~kept["id"].isin(alias)]

    raw = links.reset_index(drop=True).copy()
    org_id = raw["organisation_id"].astype("string").str.strip()
    col_id = raw["collective_id"].astype("string").str.strip()
    missing_field = org_id.isna() | (org_id == "") | col_id.isna() | (col_id == "")
    known = set(kept["id"]) | set(alias)
    unknown = ~missing_field & ~org_id.isin(known)
    self_link = ~missing_field & ~unknown & (col_id == org_id)
    target = org_id.map(lambda v: alias.get(v, v))
    candidate = ~(missing_field | unknown | self_link)
    pairs = pd.DataFrame({"organisation_id": target, "collective_id": col_id})
    repeated = candidate & pairs[candidate].duplicated(keep="first").reindex(raw.index, fill_value=False)
    rejected_links = pd.concat([
        _with_reason(raw, missing_field, "missing organisation_id or collective_id", link_rows),
        _with_reason(raw, unknown, "unknown organisation_id", link_rows),
        _with_reason(raw, self_link, "self-link: collective_id is the organisation's own id", link_rows),
        _with_reason(raw, repeated, "repeated link: same organisation and collective (after merging duplicates)",
                     link_rows),
    ])
    network_rejected = {"organisations": len(rejected_orgs), "links": len(rejected_links)}
    if upstream is not None:  # the atlas check's rejected rows first in line order, then the analysis's
        rejected_orgs = pd.concat([rejected_orgs, _upstream_rejected(upstream.rejected_organisations)])
        rejected_orgs = rejected_orgs.sort_values("row", kind="stable")
        rejected_links = pd.concat([rejected_links, _upstream_rejected(upstream.rejected_links)])
    rejected_links = rejected_links.sort_values("row", kind="stable")
    good = candidate & ~repeated
    clean_links = pd.DataFrame({
        "organisation_id": target[good].astype(str), "collective_id": col_id[good].astype(str),
        "collective_label": raw.get("collective_label", pd.Series("", index=raw.index))[good],
        "collective_kind": raw.get("collective_kind", pd.Series("", index=raw.index))[good],
    })
    collectives = (clean_links.sort_values(["collective_id", "organisation_id"])
                   .groupby("collective_id", sort=True)
                   .agg(label=("collective_label", "first"), kind=("collective_kind", "first"),
                        members=("organisation_id", "size")).reset_index())
    for column in ("label", "kind"):
        collectives[column] = collectives[column].astype("string").fillna("").str.strip().astype(str)
    collectives = _name_collectives(collectives, described)
    clean_links = clean_links[["organisation_id", "collective_id"]].sort_values(
        ["organisation_id", "collective_id"]).reset_index(drop=True)
    tech = set(settings.tech_families)
    kept["side"] = ["" if f == "" else ("tech" if f in tech else "ess") for f in kept["family"]]
    kept = kept.reset_index(drop=True)
    linked = set(clean_links["organisation_id"])
    merged_links = 0 if upstream is None else len(upstream.merged_links)
    counts = {
        "organisations_read": len(orgs) + len(rejected_orgs) - network_rejected["organisations"],
        "organisations_kept": len(kept), "organisations_rejected": len(rejected_orgs),
        "organisations_rejected_by_atlas_check": len(rejected_orgs) - network_rejected["organisations"],
        "organisations_merged": len(merged),
        "links_read": len(raw) + len(rejected_links) - network_rejected["links"] + merged_links,
        "links_kept": len(clean_links), "links_rejected": len(rejected_links),
        "links_rejected_by_atlas_check": len(rejected_links) - network_rejected["links"],
        "links_merged": merged_links,
        "links_missing_field": int(missing_field.sum()), "links_unknown_organisation": int(unknown.sum()),
        "self_links": int(self_link.sum()), "links_repeated": int(repeated.sum()),
        "isolated_organisations": int((~kept["id"].isin(linked)).sum()),
        "collectives": len(collectives), "collectives_single_member": int((collectives["members"] == 1).sum()),
        "collectives_label_missing": int(collectives["label_missing"].sum()),
        "collectives_over_projection_cap": int((collectives["members"] > settings.projection_max_members).sum()),
    }
    assert counts["organisations_read"] == len(kept) + len(rejected_orgs) + len(merged)
    assert counts["links_read"] == len(clean_links) + len(rejected_links) + merged_links
    return CleanAtlas(kept, collectives, clean_links, rejected_orgs.reset_index(drop=True),
                      merged.reset_index(drop=True), rejected_links.reset_index(drop=True), counts)


def _name_collectives(collectives: pd.DataFrame, described: pd.DataFrame | None) -> pd.DataFrame:
    """Labels and kinds from ``described`` where it names the collective; an empty label becomes the id,
    flagged ``label_missing``."""
    if described is not None and len(described):
        table = described.drop_duplicates("collective_id").set_index("collective_id")
        for column in ("label", "kind"):
            given = table[column].reindex(collectives["collective_id"]).astype("string").str.strip().to_numpy()
            collectives[column] = np.where(pd.isna(given) | (given == ""), collectives[column], given).astype(str)
        flagged = table["label_missing"].reindex(collectives["collective_id"]).fillna(False).to_numpy(dtype=bool) \
            if "label_missing" in table.columns else np.zeros(len(collectives), dtype=bool)
    else:
        flagged = np.zeros(len(collectives), dtype=bool)
    empty = collectives["label"] == ""
    collectives["label"] = collectives["label"].where(~empty, collectives["collective_id"])
    collectives["label_missing"] = flagged | empty.to_numpy()
    return collectives


def incidence_matrix(atlas: CleanAtlas) -> sp.csr_matrix:
    """Organisations × collectives 0/1 matrix, rows and columns in the order of the clean tables."""
    rows = pd.Index(atlas.organisations["id"]).get_indexer(atlas.links["organisation_id"])
    cols = pd.Index(atlas.collectives["collective_id"]).get_indexer(atlas.links["collective_id"])
    shape = (len(atlas.organisations), len(atlas.collectives))
    return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=shape)


def organisation_projection(incidence: sp.csr_matrix, max_members: int) -> tuple[sp.csr_matrix, sp.csr_matrix, np.ndarray]:
    """``(shared, weight, used)``: shared-collective counts, Newman weights, and the collectives used
    (2 to ``max_members`` members). Both matrices are symmetric with a zero diagonal."""
    members = np.asarray(incidence.sum(axis=0)).ravel()
    used = (members >= 2) & (members <= max_members)
    b = incidence[:, np.flatnonzero(used)]
    shared = (b @ b.T).tocsr()
    weight = (b @ sp.diags(1.0 / (members[used] - 1)) @ b.T).tocsr()
    for matrix in (shared, weight):
        matrix.setdiag(0)
        matrix.eliminate_zeros()
        matrix.sort_indices()
    return shared, weight, used


def collective_projection(incidence: sp.csr_matrix) -> sp.csr_matrix:
    """Collectives × collectives: number of shared members (zero diagonal)."""
    shared = (incidence.T @ incidence).tocsr()
    shared.setdiag(0)
    shared.eliminate_zeros()
    shared.sort_indices()
    return shared


def backbone(weight: sp.csr_matrix, shared: sp.csr_matrix, ties_per_node: int) -> sp.csr_matrix:
    """Each node's ``ties_per_node`` strongest ties (weight, then shared count, then neighbour order),
    united over both ends: the sparser graph Louvain runs on when the projection is too large."""
    coo = weight.tocoo()
    count = shared.tocoo().data  # same sorted pattern as weight
    order = np.lexsort((coo.col, -count, -coo.data, coo.row))
    rows = coo.row[order]
    starts = np.searchsorted(rows, rows, side="left")
    keep = order[(np.arange(len(order)) - starts) < ties_per_node]
    mask = sp.csr_matrix((np.ones(len(keep)), (coo.row[keep], coo.col[keep])), shape=weight.shape)
    mask = ((mask + mask.T) > 0).astype(float)
    return weight.multiply(mask).tocsr()


def louvain(weight: sp.csr_matrix, resolution: float, seed: int) -> np.ndarray:
    """Louvain communities (networkx, fixed seed) numbered 1, 2, … by decreasing size then smallest
    node; nodes without ties get 0."""
    upper = sp.triu(weight, k=1).tocoo()
    tied = np.flatnonzero(np.asarray((weight != 0).sum(axis=1)).ravel())
    graph = nx.Graph()
    graph.add_nodes_from(tied.tolist())
    graph.add_weighted_edges_from(zip(upper.row.tolist(), upper.col.tolist(), upper.data.tolist()))
    found = nx.community.louvain_communities(graph, weight="weight", resolution=resolution, seed=seed)
    ordered = sorted((sorted(c) for c in found), key=lambda c: (-len(c), c[0]))
    labels = np.zeros(weight.shape[0], dtype=np.int64)
    for number, members in enumerate(ordered, start=1):
        labels[members] = number
    return labels


def _components(adjacency: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Component label of each node (0 = largest, ties by first node) and component sizes."""
    _, raw = connected_components(adjacency, directed=False)
    sizes = np.bincount(raw)
    first = np.full(len(sizes), len(raw))
    np.minimum.at(first, raw, np.arange(len(raw)))
    rank = np.empty(len(sizes), dtype=np.int64)
    rank[np.lexsort((first, -sizes))] = np.arange(len(sizes))
    return rank[raw], np.sort(sizes)[::-1]


def analyse_atlas(directory=None, settings: NetworkSettings | None = None,
                  progress: Callable[[str], None] | None = None) -> NetworkAnalysis:
    """Load an atlas folder (default: the embedded atlas) with ``essnum.data.atlas.load_atlas`` and analyse
    its kept rows. The loader's report stays available as ``analysis.atlas_report``, the French family
    names as ``analysis.family_labels``."""
    from essnum.data.atlas import load_atlas

    atlas = load_atlas(directory)
    analysis = NetworkAnalysis(atlas.organisations, atlas.links, settings, collectives=atlas.collectives,
                               upstream=Upstream.from_atlas(atlas))
    analysis.atlas_report = atlas.report
    analysis.family_labels = dict(zip(atlas.families["code"], atlas.families["label_fr"]))
    return analysis.run(progress)


class NetworkAnalysis:
    """The whole analysis, step by step (``STEPS``), so that the benchmark can time each step."""

    STEPS = ("clean", "graphs", "components", "degree_pagerank_kcore", "betweenness", "brokerage",
             "communities", "assortativity", "bridges", "tables")

    def __init__(self, organisations: pd.DataFrame, links: pd.DataFrame, settings: NetworkSettings | None = None,
                 collectives: pd.DataFrame | None = None, upstream: Upstream | None = None):
        self.inputs = (organisations, links)
        self.described, self.upstream = collectives, upstream
        self.settings = settings or NetworkSettings.from_decisions()
        self.values: dict[str, np.ndarray] = {}

    def run(self, progress: Callable[[str], None] | None = None) -> NetworkAnalysis:
        for step in self.STEPS:
            if progress:
                progress(step)
            getattr(self, f"step_{step}")()
        return self

    def step_clean(self) -> None:
        self.atlas = clean_atlas(*self.inputs, self.settings, self.described, self.upstream)
        self.incidence = incidence_matrix(self.atlas)

    def step_graphs(self) -> None:
        s = self.settings
        self.shared, self.weight, self.projected = organisation_projection(self.incidence, s.projection_max_members)
        self.collective_shared = collective_projection(self.incidence)
        self.bipartite_adjacency = sp.bmat([[None, self.incidence], [self.incidence.T, None]], format="csr")
        self.n_org = self.incidence.shape[0]

    def step_components(self) -> None:
        v = self.values
        v["component"], self.projection_sizes = _components(self.weight)
        labels, _ = _components(self.bipartite_adjacency)
        v["bipartite_component"] = labels[:self.n_org]
        org_sizes = np.bincount(v["bipartite_component"], minlength=labels.max() + 1)
        self.bipartite_org_sizes = np.sort(org_sizes)[::-1]
        v["collective_component"], self.collective_sizes = _components(self.collective_shared)

    def step_degree_pagerank_kcore(self) -> None:
        v = self.values
        v["collectives"] = np.diff(self.incidence.indptr)
        v["degree"] = np.diff(self.weight.indptr)
        v["strength"] = np.asarray(self.weight.sum(axis=1)).ravel()
        v["shared_total"] = np.asarray(self.shared.sum(axis=1)).ravel()
        v["pagerank"] = measures.pagerank(self.weight)
        v["core"] = measures.core_number(self.weight)

    def step_betweenness(self) -> None:
        s = self.settings
        exact = self.n_org <= s.betweenness_exact_max_nodes
        sources = measures.sample_sources(self.n_org, None if exact else s.betweenness_samples, s.seed)
        self.betweenness_method = {"method": "exact" if exact else "sampled sources (Brandes-Pich)",
                                   "sources": int(len(sources)), "graph": "organisation projection, unweighted"}
        self.values["betweenness"] = measures.betweenness(self.weight, sources)

    def step_brokerage(self) -> None:
        self.values["constraint"], self.values["effective_size"] = measures.brokerage(self.weight)

    def step_communities(self) -> None:
        s = self.settings
        edges = self.weight.nnz // 2
        graph = self.weight if edges <= s.louvain_max_edges else backbone(self.weight, self.shared, s.backbone_ties_per_node)
        labels = louvain(graph, s.louvain_resolution, s.seed)
        self.values["community"] = labels
        self.modularity = measures.modularity(self.weight, labels)
        self.community_method = {
            "method": "louvain" if graph is self.weight
            else f"louvain on the backbone ({s.backbone_ties_per_node} strongest ties per node)",
            "graph_edges": int(graph.nnz // 2), "seed": s.seed, "resolution": s.louvain_resolution,
            "modularity_on": "full organisation projection (Newman weights)"}

    def step_assortativity(self) -> None:
        orgs = self.atlas.organisations
        self.assortativity = {c: measures.attribute_assortativity(self.weight, orgs[c].to_numpy(dtype=object))
                              for c in ("family", "legal_form", "country")}

    def step_bridges(self) -> None:
        side = np.concatenate([self.atlas.organisations["side"].to_numpy(dtype=str),
                               np.full(len(self.atlas.collectives), "")])
        cut = measures.side_cut_pairs(self.bipartite_adjacency, side == "ess", side == "tech")
        self.values["ess_tech_pairs_cut"] = cut[:self.n_org]
        self.values["collective_ess_tech_pairs_cut"] = cut[self.n_org:]

    def step_tables(self) -> None:
        """``nodes``, ``edges``, ``collective_nodes``, ``collective_edges``, ``communities``, ``summary``."""
        v, atlas = self.values, self.atlas
        orgs = atlas.organisations
        nodes = orgs[["id", "name", "family", "legal_form", "country", "side"]].copy()
        if "synthetic" in orgs.columns:
            nodes["synthetic"] = orgs["synthetic"].astype("string").str.lower().isin(["true", "1"]).to_numpy()
        merged = atlas.merged_organisations.sort_values("id")
        aliases = merged.groupby("canonical_id")["id"].agg(";".join).to_dict()
        nodes["merged_ids"] = [aliases.get(i, "") for i in nodes["id"]]
        for name in ("collectives", "degree", "strength", "shared_total", "pagerank", "betweenness",
                     "constraint", "effective_size", "core", "community", "component", "bipartite_component",
                     "ess_tech_pairs_cut"):
            nodes[name] = v[name]
        nodes["component_size"] = self.projection_sizes[v["component"]]
        nodes["isolated"] = v["collectives"] == 0
        self.nodes = nodes

        upper = sp.triu(self.weight, k=1).tocoo()
        ids = orgs["id"].to_numpy()
        # shared and weight have the same sorted pattern (a tie exists iff a collective is shared).
        self.edges = pd.DataFrame({"source": ids[upper.row], "target": ids[upper.col],
                                   "shared_collectives": sp.triu(self.shared, k=1).tocoo().data.astype(int),
                                   "weight": upper.data})

        cols = atlas.collectives.copy()
        cols["in_projection"] = self.projected
        cols["degree"] = np.diff(self.collective_shared.indptr)
        cols["shared_members_total"] = np.asarray(self.collective_shared.sum(axis=1)).ravel().astype(int)
        cols["component"] = v["collective_component"]
        cols["ess_tech_pairs_cut"] = v["collective_ess_tech_pairs_cut"]
        self.collective_nodes = cols
        cupper = sp.triu(self.collective_shared, k=1).tocoo()
        cids = cols["collective_id"].to_numpy()
        self.collective_edges = pd.DataFrame({"source": cids[cupper.row], "target": cids[cupper.col],
                                              "shared_members": cupper.data.astype(int)})
        self.communities = self._community_table()
        self.summary = self._summary()

    def _community_table(self) -> pd.DataFrame:
        """One row per community: size, share of tech organisations, families by count, members by PageRank."""
        nodes = self.nodes[self.nodes["community"] > 0].sort_values(["community", "pagerank", "id"],
                                                                   ascending=[True, False, True])
        columns = ["community", "size", "tech_share", "main_family", "families", "members"]
        if nodes.empty:
            return pd.DataFrame(columns=columns)
        families = (pd.DataFrame({"community": nodes["community"], "family": nodes["family"].replace("", "?")})
                    .value_counts().rename("n").reset_index()
                    .sort_values(["community", "n", "family"], ascending=[True, False, True]))
        families["text"] = families["family"] + " " + families["n"].astype(str)
        by_family = families.groupby("community", sort=True)
        members = nodes.groupby("community", sort=True)
        table = pd.DataFrame({
            "size": members.size(), "tech_share": (nodes["side"] == "tech").groupby(nodes["community"]).mean(),
            "main_family": by_family["family"].first(), "families": by_family["text"].agg("; ".join),
            "members": members["name"].agg("; ".join)})
        return table.rename_axis("community").reset_index()[columns]

    def top_brokers(self, n: int | None = None) -> pd.DataFrame:
        """Organisations with the highest betweenness (ties: lower constraint, then id)."""
        tied = self.nodes[self.nodes["degree"] > 0]
        ranked = tied.sort_values(["betweenness", "constraint", "id"], ascending=[False, True, True])
        return ranked.head(n or self.settings.top)[["id", "name", "family", "collectives", "degree", "betweenness",
                                                   "constraint", "effective_size", "community"]]

    def bridges(self, n: int | None = None) -> pd.DataFrame:
        """Organisations whose removal disconnects ESS organisations from tech organisations."""
        cut = self.nodes[self.nodes["ess_tech_pairs_cut"] > 0]
        ranked = cut.sort_values(["ess_tech_pairs_cut", "id"], ascending=[False, True])
        return ranked.head(n or self.settings.top)[["id", "name", "family", "side", "ess_tech_pairs_cut", "betweenness"]]

    def bridging_collectives(self, n: int | None = None) -> pd.DataFrame:
        """Collectives whose dissolution would disconnect ESS organisations from tech organisations."""
        cut = self.collective_nodes[self.collective_nodes["ess_tech_pairs_cut"] > 0]
        ranked = cut.sort_values(["ess_tech_pairs_cut", "collective_id"], ascending=[False, True])
        return ranked.head(n or self.settings.top)[["collective_id", "label", "kind", "members", "ess_tech_pairs_cut"]]

    def _summary(self) -> dict:
        def graph_summary(nodes: int, edges: int, sizes: np.ndarray) -> dict:
            return {"nodes": int(nodes), "edges": int(edges), "components": int(len(sizes)),
                    "largest_component": int(sizes[0]) if len(sizes) else 0}

        rounded = lambda x: None if x is None or np.isnan(x) else round(float(x), 6)  # noqa: E731
        records = lambda table: [{k: (rounded(x) if isinstance(x, float) else (int(x) if isinstance(x, np.integer) else x))  # noqa: E731
                                  for k, x in row.items()} for row in table.to_dict("records")]
        # Bipartite components are counted by their organisations (a collective alone is not a component).
        bipartite = graph_summary(self.bipartite_adjacency.shape[0], self.bipartite_adjacency.nnz // 2,
                                  self.bipartite_org_sizes[self.bipartite_org_sizes > 0])
        bipartite.update(organisations=int(self.n_org), collectives=len(self.atlas.collectives))
        sizes = np.bincount(self.values["community"])[1:]
        side = dict(zip(self.nodes["id"], self.nodes["side"]))
        pair = pd.Series([" / ".join(sorted((side[a] or "?", side[b] or "?")))
                          for a, b in zip(self.edges["source"], self.edges["target"])], dtype=object)
        return {
            "synthetic": bool(self.nodes.get("synthetic", pd.Series(False)).any()),
            "counts": {k: int(x) for k, x in self.atlas.counts.items()},
            "settings": {f.name: (list(getattr(self.settings, f.name)) if isinstance(getattr(self.settings, f.name), tuple)
                                  else getattr(self.settings, f.name)) for f in fields(self.settings)},
            "graphs": {
                "bipartite": bipartite,
                "organisation_projection": {**graph_summary(self.n_org, self.weight.nnz // 2, self.projection_sizes),
                                            "isolated": int((self.values["degree"] == 0).sum()),
                                            "collectives_used": int(self.projected.sum())},
                "collective_projection": graph_summary(len(self.atlas.collectives), self.collective_shared.nnz // 2,
                                                       self.collective_sizes),
            },
            "communities": {**self.community_method, "count": int((sizes > 0).sum()),
                            "count_two_or_more": int((sizes >= 2).sum()), "modularity": rounded(self.modularity),
                            "largest": [int(x) for x in sizes[:5]]},
            "betweenness": self.betweenness_method,
            "assortativity": {k: rounded(x) for k, x in self.assortativity.items()},
            "ties_by_side": {k: int(x) for k, x in pair.value_counts().sort_index().items()},
            "top_brokers": records(self.top_brokers()),
            "bridges": records(self.bridges()),
            "bridging_collectives": records(self.bridging_collectives()),
        }
