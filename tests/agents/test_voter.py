"""Voters as Mesa agents that view the electorate's arrays."""

from __future__ import annotations

import pytest
from worlds import tiny_world


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
