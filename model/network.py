"""The voters' social network: homophilous by district and party, seeded from the run.

Each district's voters form a Watts-Strogatz small world (networkx) on a ring ordered by
party identification, so that neighbours mostly share a district and lean alike; a few
random ties (networkx's G(n, m)) cross districts. Every generator takes its seed from the
model's numpy generator. Diffusion runs on the row-normalised scipy.sparse adjacency.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import scipy.sparse as sp


def _seed(rng: np.random.Generator) -> int:
    return int(rng.integers(0, 2**31 - 1))


def build_ties(
    rng: np.random.Generator,
    district_starts: np.ndarray,
    party_id: np.ndarray,
    degree: int,
    rewire: float,
    cross_share: float,
) -> sp.csr_array:
    """Row-normalised adjacency of the voter network (n × n, CSR).

    Voters are stored contiguously by district; ``district_starts`` gives each district's
    first index (and the total at the end).
    """
    n = int(district_starts[-1])
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    for d in range(district_starts.shape[0] - 1):
        lo, hi = int(district_starts[d]), int(district_starts[d + 1])
        size = hi - lo
        if size < 2:
            continue
        k = min(degree, size - 1 - ((size - 1) % 2)) if size > 2 else 1
        graph = nx.watts_strogatz_graph(size, k, rewire, seed=_seed(rng)) if k >= 2 else nx.path_graph(size)
        edges = np.asarray(graph.edges(), dtype=np.int64).reshape(-1, 2)
        order = lo + np.argsort(party_id[lo:hi], kind="stable")
        rows.append(order[edges[:, 0]])
        cols.append(order[edges[:, 1]])
    n_cross = int(round(cross_share * n))
    if n_cross > 0:
        cross = nx.gnm_random_graph(n, n_cross, seed=_seed(rng))
        edges = np.asarray(cross.edges(), dtype=np.int64).reshape(-1, 2)
        rows.append(edges[:, 0])
        cols.append(edges[:, 1])
    r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    data = np.ones(2 * r.shape[0])
    adj = sp.coo_array((data, (np.concatenate([r, c]), np.concatenate([c, r]))), shape=(n, n)).tocsr()
    adj.sum_duplicates()
    adj.data[:] = 1.0
    degree_out = np.asarray(adj.sum(axis=1)).ravel()
    inv = np.where(degree_out > 0, 1.0 / np.where(degree_out > 0, degree_out, 1.0), 0.0)
    return sp.csr_array(sp.diags_array(inv) @ adj)


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
    keys = sorted({(str(c), int(p)) for c, p in zip(chamber, party)})
    members = [np.flatnonzero((chamber.astype(str) == c) & (party == p)) for c, p in keys]
    sizes = [len(m) for m in members]
    probs = []
    for c1, p1 in keys:
        row = []
        same_chamber = sum(len(m) for (c2, _), m in zip(keys, members) if c2 == c1)
        for (c2, p2), m in zip(keys, members):
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
