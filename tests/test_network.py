"""essnum.network.analysis on atlases whose answers are known by hand, on bad inputs, and for determinism."""

import json
from fractions import Fraction

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from essnum.data.synthetic import synthetic_atlas
from essnum.network.analysis import NetworkAnalysis, NetworkSettings, name_keys
from essnum.network.export import write_exports


def organisations(rows):
    """rows: (id, name, family[, country])."""
    return pd.DataFrame([{"id": r[0], "name": r[1], "family": r[2], "legal_form": "association",
                          "country": r[3] if len(r) > 3 else "FR"} for r in rows])


def links(memberships):
    """memberships: {collective_id: [organisation ids]}."""
    return pd.DataFrame([{"organisation_id": o, "collective_id": c, "collective_label": f"label {c}",
                          "collective_kind": "project"} for c, members in memberships.items() for o in members])


def analyse(orgs, lnks, **overrides):
    return NetworkAnalysis(orgs, lnks, NetworkSettings.from_decisions(**overrides)).run()


@pytest.fixture(scope="module")
def two_cliques():
    """Collectives A = {a1..a4, x} (ESS) and B = {b1..b4, x} (tech): the projection is two K5 sharing x."""
    orgs = organisations([("x", "X", "reseau")] + [(f"a{i}", f"A{i}", "education_inclusion") for i in range(1, 5)]
                         + [(f"b{i}", f"B{i}", "tech") for i in range(1, 5)])
    return analyse(orgs, links({"A": ["a1", "a2", "a3", "a4", "x"], "B": ["b1", "b2", "b3", "b4", "x"]}))


def test_two_cliques_joined_by_one_node(two_cliques):
    nodes = two_cliques.nodes.set_index("id")
    assert nodes["betweenness"].idxmax() == "x"
    assert nodes.loc["x", "betweenness"] == pytest.approx(16 / 28)  # 4 × 4 pairs of (n-1)(n-2)/2 = 28
    assert nodes["constraint"].idxmin() == "x"
    # By hand: p = 1/8 to each of x's 8 neighbours, plus 3 two-step paths of 1/8 × 1/4 → 8 (7/32)².
    assert nodes.loc["x", "constraint"] == pytest.approx(float(8 * Fraction(7, 32) ** 2))
    assert nodes.loc["a1", "constraint"] == pytest.approx(float(3 * Fraction(13, 32) ** 2 + Fraction(7, 16) ** 2))
    assert two_cliques.bridges()["id"].tolist() == ["x"]
    assert nodes.loc["x", "ess_tech_pairs_cut"] == 16
    # Dissolving B cuts b1..b4 (tech) from x, a1..a4 (ESS): 4 × 5; dissolving A: 4 × 4.
    assert two_cliques.bridging_collectives()[["collective_id", "ess_tech_pairs_cut"]].values.tolist() == [
        ["B", 20], ["A", 16]]
    assert nodes["core"].eq(4).all() and nodes["component"].eq(0).all()
    assert two_cliques.top_brokers(1)["id"].tolist() == ["x"]


def test_star_of_two_member_projects():
    orgs = organisations([("hub", "Hub", "accompagnement")] + [(f"l{i}", f"L{i}", "tech") for i in range(5)])
    result = analyse(orgs, links({f"p{i}": ["hub", f"l{i}"] for i in range(5)}))
    nodes = result.nodes.set_index("id")
    assert nodes.loc["hub", "betweenness"] == pytest.approx(1.0)
    assert nodes.drop("hub")["betweenness"].eq(0).all()
    assert nodes.loc["hub", "constraint"] == pytest.approx(5 * 0.2 ** 2)
    assert nodes.drop("hub")["constraint"].eq(1).all()
    assert nodes.loc["hub", "effective_size"] == pytest.approx(5.0)
    assert nodes["pagerank"].idxmax() == "hub"
    # The hub is the only ESS organisation: its removal separates tech from tech only, no ESS–tech pair.
    assert nodes["ess_tech_pairs_cut"].eq(0).all()


def test_projection_weights_counted_by_hand():
    orgs = organisations([(k, k.upper(), "reseau") for k in "abcde"])
    result = analyse(orgs, links({"C1": list("abc"), "C2": list("ab"), "C3": list("bcde"), "C4": ["e"]}))
    edges = {(e.source, e.target): (e.shared_collectives, e.weight) for e in result.edges.itertuples()}
    third = 1 / 3
    expected = {("a", "b"): (2, 1.5), ("a", "c"): (1, 0.5), ("b", "c"): (2, 0.5 + third),
                ("b", "d"): (1, third), ("b", "e"): (1, third), ("c", "d"): (1, third),
                ("c", "e"): (1, third), ("d", "e"): (1, third)}
    assert edges.keys() == expected.keys()
    for pair, (shared, weight) in expected.items():
        assert edges[pair][0] == shared and edges[pair][1] == pytest.approx(weight)
    collective_edges = {(e.source, e.target): e.shared_members for e in result.collective_edges.itertuples()}
    assert collective_edges == {("C1", "C2"): 2, ("C1", "C3"): 2, ("C2", "C3"): 1, ("C3", "C4"): 1}
    nodes = result.nodes.set_index("id")
    assert nodes["collectives"].to_dict() == {"a": 2, "b": 3, "c": 2, "d": 1, "e": 2}
    assert nodes.loc["b", "strength"] == pytest.approx(1.5 + (0.5 + third) + 2 * third)

    capped = analyse(orgs, links({"C1": list("abc"), "C2": list("ab"), "C3": list("bcde"), "C4": ["e"]}),
                     projection_max_members=3)
    assert capped.atlas.counts["collectives_over_projection_cap"] == 1
    assert set(zip(capped.edges["source"], capped.edges["target"])) == {("a", "b"), ("a", "c"), ("b", "c")}
    assert capped.nodes.set_index("id").loc["d", "degree"] == 0
    assert capped.summary["graphs"]["bipartite"]["components"] == 1  # C3 still connects d and e


def test_bad_inputs_are_reported_with_counts_and_reasons():
    orgs = pd.DataFrame([
        {"id": "o1", "name": "Emmaüs Connect", "family": "insertion_circulaire", "country": "FR"},
        {"id": "o2", "name": "EMMAUS CONNECT SAS", "family": "insertion_circulaire", "country": "FR"},
        {"id": "o3", "name": "Emmaus Connect", "family": "insertion_circulaire", "country": "BE"},
        {"id": "o4", "name": "Lonely", "family": "tech", "country": "FR"},
        {"id": "o1", "name": "Repeated id", "family": "tech", "country": "FR"},
        {"id": None, "name": "No id", "family": "tech", "country": "FR"},
        {"id": "o5", "name": "Partner", "family": None, "country": "FR"},
    ])
    lnks = pd.DataFrame([
        {"organisation_id": "o1", "collective_id": "c1"},
        {"organisation_id": "o2", "collective_id": "c1"},  # repeated once o2 is merged into o1
        {"organisation_id": "o5", "collective_id": "c1"},
        {"organisation_id": "o3", "collective_id": "c1"},
        {"organisation_id": "ghost", "collective_id": "c1"},  # unknown organisation
        {"organisation_id": "o3", "collective_id": "o3"},  # self-link
        {"organisation_id": "o5", "collective_id": None},  # missing field
    ])
    result = analyse(orgs, lnks)
    counts = result.atlas.counts
    assert counts["organisations_read"] == 7 == counts["organisations_kept"] + counts["organisations_rejected"] + counts["organisations_merged"]
    assert (counts["organisations_kept"], counts["organisations_rejected"], counts["organisations_merged"]) == (4, 2, 1)
    assert result.atlas.merged_organisations[["id", "canonical_id"]].values.tolist() == [["o2", "o1"]]
    assert counts["links_read"] == 7 == counts["links_kept"] + counts["links_rejected"]
    assert (counts["links_unknown_organisation"], counts["self_links"], counts["links_repeated"],
            counts["links_missing_field"]) == (1, 1, 1, 1)
    assert result.atlas.rejected_links[["row", "reason"]].values.tolist() == [
        [2, "repeated link: same organisation and collective (after merging duplicates)"],
        [5, "unknown organisation_id"],
        [6, "self-link: collective_id is the organisation's own id"],
        [7, "missing organisation_id or collective_id"]]
    assert result.atlas.rejected_organisations["reason"].tolist() == ["missing id", "repeated id (first row kept)"]
    assert counts["isolated_organisations"] == 1
    nodes = result.nodes.set_index("id")
    assert nodes.loc["o4", "isolated"] and nodes.loc["o4", "degree"] == 0 and np.isnan(nodes.loc["o4", "constraint"])
    assert nodes.loc["o1", "merged_ids"] == "o2"
    assert nodes.loc["o5", "side"] == ""  # family unknown: on neither side
    assert sorted(result.edges[["source", "target"]].values.tolist()) == [["o1", "o3"], ["o1", "o5"], ["o3", "o5"]]


def test_missing_column_names_the_table():
    with pytest.raises(ValueError, match="links table has no column collective_id"):
        analyse(organisations([("o1", "O", "tech")]), pd.DataFrame({"organisation_id": ["o1"]}))


def test_name_keys_drop_accents_case_and_legal_forms():
    suffixes = NetworkSettings.from_decisions().legal_suffixes
    keys = name_keys(pd.Series(["Emmaüs Connect SAS", "  emmaus-connect ", "Association Pixel", "SCOP", None]), suffixes)
    assert keys.tolist() == ["emmaus connect", "emmaus connect", "pixel", "", ""]


def test_no_links_at_all_does_not_crash():
    result = analyse(organisations([("o1", "One", "tech"), ("o2", "Two", "reseau")]),
                     pd.DataFrame(columns=["organisation_id", "collective_id"]))
    assert result.summary["graphs"]["organisation_projection"]["edges"] == 0
    assert result.nodes["isolated"].all() and result.communities.empty


@pytest.fixture(scope="module")
def synthetic_pair():
    orgs, lnks = synthetic_atlas(300, seed=4)
    first = NetworkAnalysis(orgs, lnks).run()
    shuffled = NetworkAnalysis(orgs.sample(frac=1, random_state=1), lnks.sample(frac=1, random_state=2)).run()
    return first, shuffled


def test_results_do_not_depend_on_run_or_row_order(synthetic_pair, tmp_path):
    first, shuffled = synthetic_pair
    pd.testing.assert_frame_equal(first.nodes, shuffled.nodes)
    pd.testing.assert_frame_equal(first.edges, shuffled.edges)
    pd.testing.assert_frame_equal(first.communities, shuffled.communities)
    assert first.summary == shuffled.summary
    a = write_exports(first, tmp_path / "a")
    b = write_exports(shuffled, tmp_path / "b")
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]


def test_exports_parse_back(synthetic_pair, tmp_path):
    analysis = synthetic_pair[0]
    written = {p.name for p in write_exports(analysis, tmp_path)}
    assert {"organisations.gexf", "organisations.graphml", "bipartite.gexf", "bipartite.graphml",
            "collectives.gexf", "collectives.graphml", "summary.json", "organisations_nodes.csv"} <= written
    for fmt, read in (("gexf", nx.read_gexf), ("graphml", nx.read_graphml)):
        graph = read(tmp_path / f"organisations.{fmt}")
        assert graph.number_of_nodes() == len(analysis.nodes)
        assert graph.number_of_edges() == len(analysis.edges)
        top = analysis.top_brokers(1).iloc[0]
        assert float(graph.nodes[top["id"]]["betweenness"]) == pytest.approx(top["betweenness"])
        bipartite = read(tmp_path / f"bipartite.{fmt}")
        kinds = pd.Series([d["kind"] for _, d in bipartite.nodes(data=True)]).value_counts()
        assert kinds["organisation"] == len(analysis.nodes) and kinds["collective"] == len(analysis.collective_nodes)
        assert bipartite.number_of_edges() == len(analysis.atlas.links)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["synthetic"] is True
    assert summary["graphs"]["organisation_projection"]["edges"] == len(analysis.edges)
    assert summary["communities"]["modularity"] > 0
    nodes = pd.read_csv(tmp_path / "organisations_nodes.csv")
    assert len(nodes) == len(analysis.nodes) and nodes["name"].str.startswith("SYNTHETIC").all()
