"""The voters' social network, homophilous by district and party, and the legislators' observation network.

Each district's voters form a small world (Watts & Strogatz 1998) on a ring ordered by party
identification, so that neighbours mostly share a district and lean alike; a few random
ties cross districts. The voters' network is built directly as sparse arrays, every
district at once and linear in voters, from the model's numpy generator; diffusion runs
on its row-normalised scipy.sparse adjacency, and :func:`ties_graph` gives it as a
networkx graph on demand. The legislators' network is a networkx stochastic block model.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import scipy.sparse as sp


def _seed(rng: np.random.Generator) -> int:
    return int(rng.integers(0, 2**31 - 1))


def ring_lattice(district_starts: np.ndarray, degree: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each district's ring: every ring rank tied to the ``degree // 2`` ranks after it (fewer in a small district).

    Returns, per tie, its district's first index and size, and the ring ranks of its two
    ends; a district of two voters has one tie (listed from both ends), of one none.
    """
    sizes = np.diff(district_starts)
    half = np.where(sizes >= 2, np.minimum(degree // 2, np.maximum((sizes - 1) // 2, 1)), 0)
    per_voter = np.repeat(half, sizes)
    m = int(per_voter.sum())
    source = np.repeat(np.arange(int(district_starts[-1]), dtype=np.int64), per_voter)
    first_edge = np.cumsum(per_voter) - per_voter
    offset = np.arange(m, dtype=np.int64) - np.repeat(first_edge, per_voter) + 1
    lo = np.repeat(district_starts[:-1].astype(np.int64), sizes)[source]
    size = np.repeat(sizes.astype(np.int64), sizes)[source]
    rank = source - lo
    return lo, size, rank, (rank + offset) % size


def build_ties(
    rng: np.random.Generator,
    district_starts: np.ndarray,
    party_id: np.ndarray,
    degree: int,
    rewire: float,
    cross_share: float,
) -> sp.csr_array:
    """Row-normalised adjacency of the voter network (n × n, CSR, float32 weights 1 / degree).

    Voters are stored contiguously by district; ``district_starts`` gives each district's
    first index (and the total at the end). Within a district the ring is ordered by party
    identification; each ring tie's far end is rewired with probability ``rewire`` to a
    voter of the same district drawn uniformly among the others (Watts & Strogatz 1998).
    ``cross_share × n`` extra ties join uniformly drawn pairs of voters anywhere. Ties that
    coincide are merged and self-ties dropped, so the mean degree can fall slightly short of
    ``degree``.
    """
    n = int(district_starts[-1])
    sizes = np.diff(district_starts)
    district = np.repeat(np.arange(sizes.shape[0]), sizes)
    order = np.lexsort((party_id, district))
    lo, size, rank, far = ring_lattice(district_starts, degree)
    rewired = np.flatnonzero(rng.random(far.shape[0]) < rewire)
    # A uniform draw among the district's other voters: skip the source's own rank.
    far[rewired] = (rank[rewired] + 1 + (rng.random(rewired.shape[0]) * (size[rewired] - 1)).astype(np.int64)) % size[rewired]
    rows, cols = order[lo + rank], order[lo + far]
    del lo, rank, far, size
    n_cross = round(cross_share * n)
    if n_cross > 0 and n > 1:
        ends = rng.integers(0, n, (2, n_cross))
        rows, cols = np.concatenate([rows, ends[0]]), np.concatenate([cols, ends[1]])
    keep = rows != cols
    rows, cols = rows[keep], cols[keep]
    index = np.int32 if n < 2**31 - 1 else np.int64
    both = (np.concatenate([rows, cols]).astype(index), np.concatenate([cols, rows]).astype(index))
    del rows, cols, keep
    adj = sp.coo_array((np.ones(both[0].shape[0], dtype=np.float32), both), shape=(n, n)).tocsr()  # type: ignore[arg-type]  # int index arrays, typed generic by astype
    adj.sum_duplicates()
    deg = np.diff(adj.indptr)
    adj.data[:] = np.repeat(1.0 / np.maximum(deg, 1), deg).astype(np.float32)
    return adj


def ties_graph(ties: sp.csr_array) -> nx.Graph:
    """The voter network as an undirected networkx graph on voter indices (for inspection and the live view)."""
    graph: nx.Graph = nx.Graph()
    graph.add_nodes_from(range(ties.shape[0]))
    upper = sp.triu(ties, k=1, format="coo")
    graph.add_edges_from(zip(upper.row.tolist(), upper.col.tolist(), strict=True))
    return graph


def build_observation(
    rng: np.random.Generator,
    chamber: np.ndarray,
    party: np.ndarray,
    degree: float,
    homophily: float,
) -> nx.Graph:
    """Who observes whom among legislators: a stochastic block model over (chamber, party).

    Members watch colleagues mostly in their own chamber and caucus; ``homophily`` is the
    expected share of a member's ties inside its own caucus, the rest go to the other party
    in the same chamber, with a few across chambers. Nodes are seat indices.
    """
    keys = sorted({(str(c), int(p)) for c, p in zip(chamber, party, strict=True)})
    members = [np.flatnonzero((chamber.astype(str) == c) & (party == p)) for c, p in keys]
    sizes = [len(m) for m in members]
    probs = []
    for c1, p1 in keys:
        row = []
        same_chamber = sum(len(m) for (c2, _), m in zip(keys, members, strict=True) if c2 == c1)
        for (c2, p2), m in zip(keys, members, strict=True):
            if c1 == c2 and p1 == p2:
                share = homophily
            elif c1 == c2:
                share = 0.9 * (1.0 - homophily)
            else:
                share = 0.1 * (1.0 - homophily)
            row.append(min(1.0, degree * share / max(len(m), 1)) if same_chamber else 0.0)
        probs.append(row)
    sym = [[min(probs[i][j], probs[j][i]) for j in range(len(keys))] for i in range(len(keys))]
    graph = nx.stochastic_block_model(sizes, sym, seed=_seed(rng), sparse=True)
    order = np.concatenate(members)
    return nx.relabel_nodes(graph, {i: int(order[i]) for i in range(len(order))})
