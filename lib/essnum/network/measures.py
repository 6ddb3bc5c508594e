"""Network measures on scipy sparse matrices, vectorised so that 100 000 organisations stay within minutes.

Each function reproduces the networkx definition of the same measure (the tests check them against
networkx on small graphs) but works on a symmetric adjacency or weight matrix (CSR, zero diagonal, node
order = matrix order) instead of Python dictionaries:

- ``betweenness``: Brandes' algorithm run breadth-first for a batch of sources at once (sparse × dense
  products); exact with every node as a source, or the Brandes–Pich estimate from a seeded sample of
  sources (same rescaling as ``networkx.betweenness_centrality(k=...)``).
- ``brokerage``: Burt's constraint and effective size (weighted, as ``networkx.constraint`` and
  ``networkx.effective_size`` with ``weight``); the two-step terms are sparse products masked to the
  existing ties, computed in row blocks to bound memory.
- ``pagerank``: power iteration with dangling nodes spread uniformly (as ``networkx.pagerank``).
- ``core_number``: batch peeling (as ``networkx.core_number``).
- ``attribute_assortativity``: Newman's r for a categorical attribute (as
  ``networkx.attribute_assortativity_coefficient``), edges with a missing value left out.
- ``modularity``: Newman's weighted modularity of a partition (as ``networkx.community.modularity``).
- ``side_cut_pairs``: for each node, how many (side A, side B) pairs of nodes its removal disconnects,
  from the block-cut tree of the graph (linear time).
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order, connected_components

#: Upper bound on the two-step products held in memory at once by ``brokerage`` (sets its row blocks).
BROKERAGE_BLOCK_PRODUCTS = 4_000_000


def pattern(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """The 0/1 adjacency of a weight matrix."""
    binary = matrix.copy().tocsr()
    binary.data = np.ones_like(binary.data, dtype=float)
    return binary


def sample_sources(n: int, k: int | None, seed: int) -> np.ndarray:
    """Sorted sources for betweenness: all nodes when ``k`` is None or ``k >= n``, else a seeded sample."""
    if k is None or k >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=k, replace=False))


def betweenness(adjacency: sp.csr_matrix, sources: np.ndarray | None = None, batch: int = 64) -> np.ndarray:
    """Normalised shortest-path betweenness of an undirected unweighted graph (networkx scaling).

    With ``sources`` a subset of the nodes, the result is the sampled estimate scaled by ``n / k``.
    """
    n = adjacency.shape[0]
    a = pattern(adjacency)
    sources = np.arange(n) if sources is None else np.asarray(sources)
    total = np.zeros(n)
    for start in range(0, len(sources), batch):
        chunk = sources[start:start + batch]
        cols = np.arange(len(chunk))
        dist = np.full((n, len(chunk)), -1, dtype=np.int32)
        sigma = np.zeros((n, len(chunk)))
        dist[chunk, cols] = 0
        sigma[chunk, cols] = 1.0
        frontier = sigma.copy()
        level = 0
        while True:
            reached = a @ frontier
            new = (dist < 0) & (reached > 0)
            if not new.any():
                break
            level += 1
            dist[new] = level
            frontier = np.where(new, reached, 0.0)
            sigma += frontier
        delta = np.zeros_like(sigma)
        safe_sigma = np.where(sigma > 0, sigma, 1.0)
        for depth in range(level, 0, -1):
            coefficient = np.where(dist == depth, (1.0 + delta) / safe_sigma, 0.0)
            delta += np.where(dist == depth - 1, sigma * (a @ coefficient), 0.0)
        delta[chunk, cols] = 0.0
        total += delta.sum(axis=1)
    if n <= 2:
        return np.zeros(n)
    return total / ((n - 1) * (n - 2)) * (n / len(sources))


def _row_blocks(a: sp.csr_matrix, budget: int) -> list[tuple[int, int]]:
    """Row ranges whose two-step product counts stay under ``budget`` (each at least one row)."""
    degree = np.diff(a.indptr).astype(float)
    work = np.cumsum(a @ degree)
    blocks, start = [], 0
    while start < a.shape[0]:
        base = work[start - 1] if start else 0.0
        stop = max(start + 1, int(np.searchsorted(work, base + budget, side="right")))
        blocks.append((start, min(stop, a.shape[0])))
        start = stop
    return blocks


def brokerage(weights: sp.csr_matrix, budget: int = BROKERAGE_BLOCK_PRODUCTS) -> tuple[np.ndarray, np.ndarray]:
    """Burt's constraint and effective size of every node of a weighted undirected graph.

    ``p_ij = w_ij / s_i`` (share of i's tie strength going to j) and ``m_jq = w_jq / max_k w_jk``:
    constraint ``c_i = sum_j (p_ij + sum_q p_iq p_qj)^2`` and effective size
    ``ES_i = sum_j (1 - sum_q p_iq m_jq)`` over i's neighbours j, q. Isolated nodes get NaN.
    Both two-step sums come from one complex sparse product, ``(W S^-1 + i A T^-1) W``, whose real part
    is ``W S^-1 W`` and imaginary part ``A T^-1 W`` (S = strengths, T = strongest ties, A = pattern).
    """
    w = sp.csr_matrix(weights, dtype=float)
    a = pattern(w)
    strength = np.asarray(w.sum(axis=1)).ravel()
    top = w.max(axis=1).toarray().ravel()
    inverse = lambda v: np.divide(1.0, v, out=np.zeros_like(v), where=v > 0)  # noqa: E731
    p = sp.diags(inverse(strength)) @ w
    left = (w @ sp.diags(inverse(strength)) + 1j * (a @ sp.diags(inverse(top)))).tocsr()
    constraint = np.full(w.shape[0], np.nan)
    effective = np.full(w.shape[0], np.nan)
    for start, stop in _row_blocks(a, budget):
        a_rows, p_rows = a[start:stop], p[start:stop]
        two_step = (left[start:stop] @ w).multiply(a_rows).tocsr()
        indirect = sp.diags(inverse(strength[start:stop])) @ two_step.real
        constraint[start:stop] = np.asarray((p_rows + indirect).power(2).sum(axis=1)).ravel()
        redundancy = np.asarray(two_step.imag.multiply(p_rows).sum(axis=1)).ravel()
        effective[start:stop] = np.diff(a_rows.indptr) - redundancy
    isolated = strength == 0
    constraint[isolated] = np.nan
    effective[isolated] = np.nan
    return constraint, effective


def pagerank(weights: sp.csr_matrix, alpha: float = 0.85, tol: float = 1e-12, max_iter: int = 1000) -> np.ndarray:
    """Weighted PageRank; a node without ties spreads its score uniformly."""
    w = sp.csr_matrix(weights, dtype=float)
    n = w.shape[0]
    strength = np.asarray(w.sum(axis=1)).ravel()
    dangling = strength == 0
    transition = (sp.diags(np.divide(1.0, strength, out=np.zeros(n), where=~dangling)) @ w).T.tocsr()
    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        previous = x
        x = alpha * (transition @ x + x[dangling].sum() / n) + (1 - alpha) / n
        if np.abs(x - previous).sum() < n * tol:
            break
    return x


def core_number(adjacency: sp.csr_matrix) -> np.ndarray:
    """k-core number of each node (largest k such that the node is in a subgraph of minimum degree k)."""
    a = pattern(adjacency)
    n = a.shape[0]
    degree = np.diff(a.indptr).astype(np.int64)
    core = np.zeros(n, dtype=np.int64)
    alive = np.ones(n, dtype=bool)
    k = 0
    while alive.any():
        while True:
            removed = np.flatnonzero(alive & (degree <= k))
            if not len(removed):
                break
            core[removed] = k
            alive[removed] = False
            degree -= np.bincount(a[removed].indices, minlength=n)
        if alive.any():
            k = max(k + 1, int(degree[alive].min()))
    return core


def attribute_assortativity(adjacency: sp.csr_matrix, values: np.ndarray) -> float:
    """Newman's assortativity coefficient of a categorical node attribute (NaN if undefined)."""
    coo = sp.triu(pattern(adjacency), k=1).tocoo()
    values = np.asarray(values, dtype=object)
    missing = np.array([v is None or (isinstance(v, float) and np.isnan(v)) or v == "" for v in values])
    keep = ~missing[coo.row] & ~missing[coo.col]
    if not keep.any():
        return float("nan")
    categories, codes = np.unique(values[~missing].astype(str), return_inverse=True)
    code = np.full(len(values), -1)
    code[~missing] = codes
    left, right = code[coo.row[keep]], code[coo.col[keep]]
    k = len(categories)
    mixing = np.zeros((k, k))
    np.add.at(mixing, (left, right), 1.0)
    np.add.at(mixing, (right, left), 1.0)
    mixing /= mixing.sum()
    expected = float((mixing.sum(axis=0) * mixing.sum(axis=1)).sum())
    if expected == 1.0:
        return float("nan")
    return (float(np.trace(mixing)) - expected) / (1.0 - expected)


def modularity(weights: sp.csr_matrix, labels: np.ndarray) -> float:
    """Newman's weighted modularity of the partition given by integer ``labels`` (resolution 1)."""
    w = sp.csr_matrix(weights, dtype=float)
    labels = np.asarray(labels)
    total = w.sum()
    if total == 0:
        return float("nan")
    coo = w.tocoo()
    inside = coo.data[labels[coo.row] == labels[coo.col]].sum()
    strength = np.asarray(w.sum(axis=1)).ravel()
    per_community = np.bincount(labels, weights=strength)
    return float(inside / total - ((per_community / total) ** 2).sum())


def side_cut_pairs(adjacency: sp.csr_matrix, in_a: np.ndarray, in_b: np.ndarray) -> np.ndarray:
    """For each node: number of (side a, side b) node pairs that its removal disconnects (0 if none).

    ``in_a``/``in_b`` are boolean masks; nodes on neither side (e.g. collectives) still connect others.
    Computed on the block-cut tree (one vertex per biconnected block, one per cut vertex), in linear time:
    the parts left by removing cut vertex v are the subtrees of its child blocks and the rest of its
    component; the pairs cut are (sum a)(sum b) - sum over parts of a_k b_k.
    """
    n = adjacency.shape[0]
    upper = sp.triu(adjacency, k=1).tocoo()
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(zip(upper.row.tolist(), upper.col.tolist()))
    blocks = [np.fromiter(block, dtype=np.int64) for block in nx.biconnected_components(graph)]
    pairs = np.zeros(n, dtype=np.int64)
    if not blocks:
        return pairs
    weight = np.column_stack([np.asarray(in_a, dtype=np.int64), np.asarray(in_b, dtype=np.int64)])
    members = np.concatenate(blocks)
    block_of = np.repeat(np.arange(len(blocks)), [len(b) for b in blocks])
    is_cut = np.bincount(members, minlength=n) >= 2
    # Tree vertices: blocks 0..k-1, then cut vertex v as k + v.
    k = len(blocks)
    own = np.zeros((k + n, 2), dtype=np.int64)
    np.add.at(own, block_of[~is_cut[members]], weight[members[~is_cut[members]]])
    own[k:][is_cut] = weight[is_cut]
    joined = is_cut[members]
    # Subtree sums from one breadth-first search, from a virtual root tied to one block per component.
    n_components, component = connected_components(
        sp.coo_matrix((np.ones(joined.sum()), (block_of[joined], k + members[joined])), shape=(k + n, k + n)),
        directed=False)
    totals = np.zeros((n_components, 2), dtype=np.int64)
    np.add.at(totals, component, own)
    root = k + n
    firsts = np.unique(component[:k], return_index=True)[1]  # one block per component of the tree
    rows = np.concatenate([block_of[joined], np.full(len(firsts), root)])
    cols = np.concatenate([k + members[joined], firsts])
    tree = sp.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(root + 1, root + 1))
    order, predecessors = breadth_first_order((tree + tree.T).tocsr(), root, directed=False)
    parent = np.full(root + 1, -1)
    parent[order[1:]] = predecessors[order[1:]]
    depth = np.zeros(root + 1, dtype=np.int64)
    for v in order[1:].tolist():  # breadth-first: a parent's depth is set before its children's
        depth[v] = depth[parent[v]] + 1
    below = np.vstack([own, np.zeros((1, 2), dtype=np.int64)])
    for level in range(depth.max(), 1, -1):
        at = np.flatnonzero(depth == level)
        np.add.at(below, parent[at], below[at])
    cut = k + np.flatnonzero(is_cut)
    children = np.flatnonzero(np.isin(parent, cut))
    child_sum = np.zeros((root + 1, 2), dtype=np.int64)
    child_product = np.zeros(root + 1, dtype=np.int64)
    np.add.at(child_sum, parent[children], below[children])
    np.add.at(child_product, parent[children], below[children, 0] * below[children, 1])
    remaining = totals[component[cut]] - own[cut]  # the component without v
    rest = remaining - child_sum[cut]  # the part through v's parent block
    pairs[cut - k] = remaining[:, 0] * remaining[:, 1] - child_product[cut] - rest[:, 0] * rest[:, 1]
    return pairs
