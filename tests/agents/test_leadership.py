"""The majority leader's gate on hand-built caucuses."""

from __future__ import annotations

import numpy as np
import pytest
from worlds import tiny_world

from pacsim.agents import Leadership, Party


@pytest.mark.parametrize(("support", "floor"), [([0.1, 0.2, -0.3], True), ([-0.1, 0.2, -0.3], False), ([], False)])
def test_leader_gates_on_caucus_median(support: list[float], floor: bool) -> None:
    """A bill reaches the floor only when the majority caucus's median member supports it."""
    model, _, _ = tiny_world(target_attention=0.01, threat=0.0)
    leader = Leadership(model, chamber=model.seats[0].chamber, party=Party.DEM, majority_weight=0.0, money_value=0.0)
    assert leader.gate_bill(np.array(support)) is floor


@pytest.mark.parametrize(
    ("pots_for", "pots_against", "ground_truth"),
    [
        (0.0, 100e6, -1.5e6),
        (100e6, 0.0, 1.5e6),
        (1e6, 0.0, 1e6),
        (100e6, 20e6, 0.0),
        (0.0, 0.0, 0.0),
    ],
)
def test_fundraising_at_stake_ground_truth(pots_for: float, pots_against: float, ground_truth: float) -> None:
    """Donors for a bill can give, and donors against it withhold, at most the caucus's own dues ($0.5M × 3 members)."""
    assert Leadership.fundraising_at_stake(pots_for, pots_against, caucus_size=3, dues=0.5e6) == ground_truth


def test_floor_value_weighs_preferences_risk_and_money() -> None:
    """Three members each gaining 0.1: 0.3 seats, less 0.5 of seats at risk, plus $10M at 0.03 seats per $1M."""
    model, _, _ = tiny_world(target_attention=0.01, threat=0.0)
    leader = Leadership(model, chamber=model.seats[0].chamber, party=Party.DEM, majority_weight=1.0, money_value=0.03)
    ground_truth = 3 * 0.1 - 0.5 + 0.03 * 10.0
    assert leader.floor_value(np.full(3, 0.1), record_change=-0.5, fundraising=10e6) == pytest.approx(ground_truth)
    assert leader.gate_bill(np.full(3, 0.1), record_change=-0.5, fundraising=0.0) is False
