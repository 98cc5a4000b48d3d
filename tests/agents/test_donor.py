"""Donors' rules on tiny hand-built worlds with exact expectations."""

from __future__ import annotations

import numpy as np
import pytest
from worlds import tiny_world

from pacsim.agents import AdStrategy, Donor, Side
from pacsim.agents.donor import competitiveness


def test_donor_spends_by_competitiveness_within_budget() -> None:
    """The donor splits a step's money over opponents and allies in proportion to race closeness."""
    model, _, _ = tiny_world(target_attention=0.01, threat=0.0)
    donor = Donor(model, name="pac", budget=1000.0, position=1.0, intensity=1.0, attack_share=0.75, strategy=AdStrategy.SAVVY,
                  target_issue=4, focus=1.0, announce=True, counter=0.0, primary_share=0.0, max_targets=0)
    weight = np.array([1.0, 0.5, 0.25, 1.0])
    sides = np.array([Side.OPPONENT, Side.OPPONENT, Side.ALLY, Side.MUTED])
    up = np.array([True, True, True, True])
    against, for_ = donor.allocate_budget(weight, sides, up, steps_left=2)
    np.testing.assert_allclose(against, [250.0, 125.0, 0.0, 0.0])
    np.testing.assert_allclose(for_, [0.0, 0.0, 125.0, 0.0])
    donor.allocate_budget(weight, sides, up, steps_left=1)
    assert donor.spent_cycle == pytest.approx(1000.0)
    donor.allocate_budget(weight, sides, up, steps_left=1)
    assert donor.spent_cycle == pytest.approx(1000.0)


def test_ad_content_savvy_versus_naive() -> None:
    """Savvy ads go where the target is weakest; naive ads talk about the donor's own issue."""
    model, _, _ = tiny_world(target_attention=0.01, threat=0.0)
    weakness = np.array([[0.1, 0.5, 0.2, 0.0, 0.01], [0.3, 0.1, 0.1, 0.1, 0.02]])
    savvy = Donor.from_params(model, "s", model.params.industry, target_issue=4)
    naive = Donor.from_params(model, "n", model.params.industry.model_copy(update={"strategy": AdStrategy.NAIVE}), target_issue=4)
    assert savvy.choose_ad_issue(weakness).tolist() == [1, 0]
    assert naive.choose_ad_issue(weakness).tolist() == [4, 4]


@pytest.mark.parametrize(("share", "ground_truth"), [(0.5, 1.0), (0.6, float(np.exp(-0.5))), (0.3, float(np.exp(-2.0)))])
def test_competitiveness_ground_truth(share: float, ground_truth: float) -> None:
    """Closeness is the normal density at the expected margin, relative to a dead heat (uncertainty 0.1)."""
    assert competitiveness(np.array([share]), 0.1)[0] == pytest.approx(ground_truth)
