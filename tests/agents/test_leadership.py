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
