"""Voters are Mesa agents created when asked for: views onto the electorate's arrays that never change other agents' ids."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import reference
from worlds import mini_params, tiny_world

from pacsim.agents import Politician, Voter
from pacsim.experiments.runner import simulate
from pacsim.model.model import PacsimModel


@pytest.fixture
def model() -> PacsimModel:
    """A miniature world, freshly built."""
    return PacsimModel(mini_params(run__seed=4))


def test_no_voter_objects_at_build(model: PacsimModel) -> None:
    """Building the model creates no Voter agents; the sequence still has one entry per voter."""
    assert len(model.voters) == model.electorate.n
    assert model.voters.created == 0
    assert Voter not in model.agents_by_type
    assert all(not isinstance(a, Voter) for a in model.agents)


def test_a_voter_is_created_once_when_asked_for(model: PacsimModel) -> None:
    """``voters[i]`` creates one registered Mesa agent with the id reserved for it, and returns the same object after."""
    first = model.voters[10]
    assert first is model.voters[10] is model.voters[10 - len(model.voters)]
    assert first in model.agents and first in model.agents_by_type[Voter]
    assert len(model.agents_by_type[Voter]) == 1
    assert first.unique_id == model.voters.first_id + 10
    assert [v.index for v in model.voters[3:6]] == [3, 4, 5]
    with pytest.raises(IndexError):
        model.voters[len(model.voters)]


def test_iteration_creates_every_voter(model: PacsimModel) -> None:
    """Iterating the sequence yields every voter in storage order, each registered."""
    seen = [v.index for v in model.voters]
    assert seen == list(range(model.electorate.n))
    assert len(model.agents_by_type[Voter]) == model.electorate.n


def test_voter_ids_come_before_the_legislators(model: PacsimModel) -> None:
    """Voter ids are reserved first, as when every voter was built eagerly: legislators' ids start after them."""
    assert model.voters.first_id == 1
    assert min(a.unique_id for a in model.agents_by_type[Politician]) > model.electorate.n


def test_asking_for_voters_mid_run_changes_no_table() -> None:
    """Inspecting voters during a run creates agents but leaves every id, draw and table as without inspection."""
    params = mini_params(run__seed=9, run__n_cycles=1)
    plain = simulate(params)
    model = PacsimModel(params)
    while model.running:
        model.step()
        _ = model.voters[model.steps % len(model.voters)].salience
    inspected = model.tables()
    for name in plain:
        pd.testing.assert_frame_equal(inspected[name], plain[name], check_exact=True)


def test_writes_through_a_voter_are_seen_by_the_next_review(model: PacsimModel) -> None:
    """A write through a Voter marks the electorate changed: ad leverage is recomputed, not served from the last review."""
    e = model.electorate
    cand = model.elections.candidates()
    e.outlook(cand, model.campaign.stocks.general, model.positions)
    for v in model.voters[:200]:
        v.exposure = 3.0
    got = e.ad_leverage(cand, model.positions)
    want = reference.ad_leverage(e, cand, model.positions)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=0.0, atol=1e-9)


def test_vectorised_week_agrees_with_per_agent_mesa() -> None:
    """Three attention weeks of the electorate's kernel agree with voters stepping themselves as plain Mesa agents.

    The per-agent model (``experiments.bench.AgentElectorate``) is the benchmark's slow
    reference; here it is the small-N oracle. It works in float64, the electorate in
    float32: they agree to float32 precision.
    """
    from pacsim.experiments.bench import AgentElectorate

    model = PacsimModel(mini_params(run__seed=6, electorate__n_voters=1500))
    e = model.electorate
    agents = AgentElectorate(e)
    for _ in range(3):
        agents.level = e.national_level.tolist()
        agents.step()
        e.step_attention(None)
    np.testing.assert_allclose(e.attention, agents.attention_array(), rtol=2e-6)
    np.testing.assert_allclose(e.salience, agents.salience_array(), rtol=2e-6)


def test_voter_view_reads_and_writes_the_arrays() -> None:
    """A Voter agent is a view: writing through it changes the electorate's arrays and back."""
    model, _, _ = tiny_world(target_attention=0.01, threat=0.0)
    voter = model.voters[1]
    voter.turnout = 0.25
    assert model.electorate.turnout[1] == 0.25
    model.electorate.positions[1, 0] = 0.5
    assert voter.positions[0] == 0.5
    assert voter.salience.sum() == pytest.approx(1.0)
    assert voter.district == 0 and voter in model.agents_by_type[type(voter)]
