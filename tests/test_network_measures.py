"""The vectorised measures of essnum.network.measures against networkx and against values counted by hand."""

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from essnum.network import measures as m


def _weighted_random_graph(seed: int = 3) -> tuple[nx.Graph, sp.csr_matrix]:
    graph = nx.gnm_random_graph(120, 360, seed=seed)
    graph.add_nodes_from(range(120, 124))  # isolated nodes
    rng = np.random.default_rng(seed)
    for u, v in sorted(graph.edges):
        graph[u][v]["weight"] = float(rng.integers(1, 5))
    matrix = sp.csr_matrix(nx.to_scipy_sparse_array(graph, nodelist=range(len(graph)), weight="weight"))
    return graph, matrix


def _as_array(values: dict, n: int) -> np.ndarray:
    return np.array([values[i] for i in range(n)], dtype=float)


@pytest.fixture(scope="module")
def random_graph():
    return _weighted_random_graph()


def test_betweenness_matches_networkx(random_graph):
    graph, matrix = random_graph
    expected = _as_array(nx.betweenness_centrality(graph), len(graph))
    np.testing.assert_allclose(m.betweenness(matrix, batch=16), expected, atol=1e-12)


def test_sampled_betweenness_is_brandes_pich_scaling(random_graph):
    graph, matrix = random_graph
    n = len(graph)
    sources = m.sample_sources(n, 30, seed=1)
    assert len(sources) == 30 and np.all(np.diff(sources) > 0)
    assert np.array_equal(m.sample_sources(n, None, seed=1), np.arange(n))
    # Sum over sampled sources of the pair dependencies, rescaled by n / k like networkx(k=...).
    raw = nx.betweenness_centrality_subset(graph, sources.tolist(), list(graph), normalized=False)
    expected = 2 * _as_array(raw, n) / ((n - 1) * (n - 2)) * n / len(sources)
    np.testing.assert_allclose(m.betweenness(matrix, sources), expected, atol=1e-12)


def test_constraint_and_effective_size_match_networkx(random_graph):
    graph, matrix = random_graph
    nodes = list(range(len(graph)))
    constraint, effective = m.brokerage(matrix, budget=200)  # small blocks: exercises the row blocking
    # nodes= forces networkx's per-node definition (its all-nodes fast path in 3.6 normalises m_jq by the
    # max of q instead of j, see docs/network.md).
    np.testing.assert_allclose(constraint, _as_array(nx.constraint(graph, nodes, weight="weight"), len(nodes)),
                               atol=1e-12, equal_nan=True)
    np.testing.assert_allclose(effective, _as_array(nx.effective_size(graph, nodes, weight="weight"), len(nodes)),
                               atol=1e-12, equal_nan=True)
    assert np.isnan(constraint[120:]).all()


def test_pagerank_core_modularity_assortativity_match_networkx(random_graph):
    graph, matrix = random_graph
    n = len(graph)
    np.testing.assert_allclose(m.pagerank(matrix), _as_array(nx.pagerank(graph, tol=1e-12), n), atol=1e-9)
    assert np.array_equal(m.core_number(matrix), _as_array(nx.core_number(graph), n))
    communities = nx.community.louvain_communities(graph, weight="weight", seed=1)
    labels = np.zeros(n, dtype=int)
    for number, members in enumerate(communities):
        labels[list(members)] = number
    assert m.modularity(matrix, labels) == pytest.approx(nx.community.modularity(graph, communities), abs=1e-12)
    values = np.random.default_rng(0).choice(["a", "b", "c"], n)
    nx.set_node_attributes(graph, dict(enumerate(values)), "f")
    assert m.attribute_assortativity(matrix, values) == pytest.approx(
        nx.attribute_assortativity_coefficient(graph, "f"), abs=1e-12)


def test_assortativity_leaves_out_missing_values():
    path = sp.csr_matrix(nx.to_scipy_sparse_array(nx.path_graph(4)))
    # a-a tie only once the unknown node is left out: perfect assortativity is undefined → NaN.
    assert np.isnan(m.attribute_assortativity(path, np.array(["a", "a", "", "b"], dtype=object)))
    assert m.attribute_assortativity(path, np.array(["a", "b", "a", "b"], dtype=object)) == pytest.approx(-1.0)


def test_side_cut_pairs_two_cliques_joined_by_one_node():
    graph = nx.Graph()
    graph.add_edges_from((u, v) for clique in ([0, 1, 2, 3], [5, 6, 7, 8]) for u in clique for v in clique if u < v)
    graph.add_edges_from([(4, 0), (4, 1), (4, 2), (4, 3), (4, 5), (4, 6), (4, 7), (4, 8)])
    graph.add_node(9)  # isolated
    matrix = sp.csr_matrix(nx.to_scipy_sparse_array(graph, nodelist=range(10)))
    side_a = np.isin(np.arange(10), [0, 1, 2, 3, 4])
    side_b = np.isin(np.arange(10), [5, 6, 7, 8])
    pairs = m.side_cut_pairs(matrix, side_a, side_b)
    assert pairs.tolist() == [0, 0, 0, 0, 16, 0, 0, 0, 0, 0]  # 4 ESS × 4 tech, the node itself excluded


def test_side_cut_pairs_on_a_path_counts_each_split():
    # a - b - c - d with sides A A B B: removing b cuts (a, c), (a, d); removing c cuts (a, d), (b, d).
    matrix = sp.csr_matrix(nx.to_scipy_sparse_array(nx.path_graph(4)))
    pairs = m.side_cut_pairs(matrix, np.array([1, 1, 0, 0], bool), np.array([0, 0, 1, 1], bool))
    assert pairs.tolist() == [0, 2, 2, 0]


@pytest.mark.parametrize("seed", range(6))
def test_side_cut_pairs_match_removing_each_node(seed):
    graph = nx.gnm_random_graph(40, 48, seed=seed)  # sparse: many cut vertices and several components
    matrix = sp.csr_matrix(nx.to_scipy_sparse_array(graph, nodelist=range(40)))
    rng = np.random.default_rng(seed)
    side = rng.choice(["a", "b", ""], 40)
    pairs = m.side_cut_pairs(matrix, side == "a", side == "b")

    def connected_pairs(g):
        return sum(sum(side[u] == "a" for u in c) * sum(side[u] == "b" for u in c) for c in nx.connected_components(g))

    for v in range(40):
        without = graph.copy()
        without.remove_node(v)
        before = connected_pairs(graph) - sum(1 for u in nx.node_connected_component(graph, v)
                                              if {side[u], side[v]} == {"a", "b"})
        assert pairs[v] == before - connected_pairs(without), v
