"""The voter network: a small world per district on a ring ordered by party, plus a few ties across districts."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from worlds import mini_params

from pacsim.model.model import PacsimModel
from pacsim.model.network import build_ties, ring_lattice, ties_graph


def _adjacency(ties: sp.csr_array) -> sp.csr_array:
    """The 0/1 adjacency behind a row-normalised tie matrix."""
    adj = ties.copy()
    adj.data[:] = 1.0
    return adj


def _world(n_per: int = 400, n_districts: int = 5, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.random.Generator]:
    rng = np.random.default_rng(seed)
    starts = np.arange(n_districts + 1) * n_per
    return starts, rng.normal(size=n_districts * n_per), rng


def test_ring_lattice_ground_truth() -> None:
    """A district of six voters with degree 2 is the ring 0-1-2-3-4-5-0; a district of two has one tie, of one none."""
    lo, size, rank, far = ring_lattice(np.array([0, 1, 3, 9]), 2)
    ground_truth = {(1, 2), (3, 4), (4, 5), (5, 6), (6, 7), (7, 8), (3, 8)}
    edges = {tuple(sorted((int(a), int(b)))) for a, b in zip(lo + rank, lo + far, strict=True)}
    assert edges == ground_truth
    assert lo.shape[0] == 8  # the two-voter district lists its one tie from both ends
    np.testing.assert_array_equal(size, [2, 2, 6, 6, 6, 6, 6, 6])


def test_without_rewiring_every_voter_has_its_ring_neighbours_in_party_order() -> None:
    """With no rewiring and no cross ties, each voter is tied to exactly the ``degree`` voters nearest in party ID in its district."""
    starts, party, rng = _world()
    adj = _adjacency(build_ties(rng, starts, party, 6, 0.0, 0.0))
    assert (np.diff(adj.indptr) == 6).all()
    for d in range(starts.shape[0] - 1):
        lo, hi = starts[d], starts[d + 1]
        order = lo + np.argsort(party[lo:hi], kind="stable")
        rank = np.empty(hi - lo, dtype=int)
        rank[order - lo] = np.arange(hi - lo)
        for v in order[:5]:
            neighbours = adj.indices[adj.indptr[v] : adj.indptr[v + 1]]
            offsets = (rank[neighbours - lo] - rank[v - lo]) % (hi - lo)
            assert sorted(np.minimum(offsets, (hi - lo) - offsets)) == [1, 1, 2, 2, 3, 3]


def test_ties_stay_in_the_district_except_cross_ties() -> None:
    """Rewired ties stay within the district; only about ``cross_share × n`` ties cross districts."""
    starts, party, rng = _world()
    n = int(starts[-1])
    district = np.repeat(np.arange(starts.shape[0] - 1), np.diff(starts))
    upper = sp.triu(_adjacency(build_ties(rng, starts, party, 10, 1.0, 0.0)), k=1, format="coo")
    assert (district[upper.row] == district[upper.col]).all()
    upper = sp.triu(_adjacency(build_ties(rng, starts, party, 10, 0.1, 0.05)), k=1, format="coo")
    crossing = int((district[upper.row] != district[upper.col]).sum())
    assert 0.6 * 0.05 * n < crossing <= 0.05 * n


def test_network_is_symmetric_row_normalised_and_without_self_ties() -> None:
    """Ties are mutual, a voter never ties to itself, and each row of weights sums to one."""
    starts, party, rng = _world()
    ties = build_ties(rng, starts, party, 10, 0.3, 0.05)
    adj = _adjacency(ties)
    assert (adj != adj.T).nnz == 0
    assert adj.diagonal().sum() == 0
    np.testing.assert_allclose(np.asarray(ties.sum(axis=1)).ravel(), 1.0, rtol=1e-6)
    assert ties.dtype == np.float32


def test_mean_degree_and_homophily() -> None:
    """Mean degree is close to ``degree``, and neighbours lean alike: a voter's party ID predicts its neighbours' mean."""
    starts, party, rng = _world(n_per=2000)
    ties = build_ties(rng, starts, party, 10, 0.1, 0.05)
    assert 9.5 < ties.nnz / party.shape[0] < 10.2
    assert np.corrcoef(party, ties @ party)[0, 1] > 0.8


def test_size_grows_linearly_with_voters() -> None:
    """Ties per voter do not grow with the electorate: the builder's output is linear in voters."""
    per_voter = []
    for n_per in (200, 2000):
        starts, party, rng = _world(n_per=n_per, n_districts=20)
        per_voter.append(build_ties(rng, starts, party, 10, 0.1, 0.05).nnz / party.shape[0])
    assert per_voter[1] == pytest.approx(per_voter[0], rel=0.02)


def test_same_generator_state_gives_the_same_network() -> None:
    """The network is drawn from the run's generator only: the same seed gives the same ties, another seed others."""
    starts, party, _ = _world()
    one = build_ties(np.random.default_rng(5), starts, party, 10, 0.1, 0.05)
    two = build_ties(np.random.default_rng(5), starts, party, 10, 0.1, 0.05)
    other = build_ties(np.random.default_rng(6), starts, party, 10, 0.1, 0.05)
    assert (one != two).nnz == 0
    assert (one != other).nnz > 0


def test_voter_graph_is_the_network() -> None:
    """``model.voter_graph()`` is a networkx graph with the same ties as the arrays, and each voter's district and party."""
    model = PacsimModel(mini_params(run__seed=2))
    e = model.electorate
    graph = model.voter_graph()
    assert isinstance(graph, nx.Graph)
    assert graph.number_of_nodes() == e.n
    assert 2 * graph.number_of_edges() == e.ties.nnz
    v = 17
    assert sorted(graph.neighbors(v)) == sorted(model.voters[v].neighbours.tolist())
    assert graph.nodes[v]["district"] == e.district[v]
    assert graph.nodes[v]["party_id"] == e.party_id[v]
    assert ties_graph(e.ties).number_of_edges() == graph.number_of_edges()
