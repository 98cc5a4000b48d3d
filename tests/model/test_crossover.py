"""The thread's central claim, observed: on low-salience issues votes follow the donor, on high-salience ones voters.

Every behavioural parameter stays at its default; only the size is smaller (20,000 voters,
two cycles, the full 435 + 100 seats). The target issue has 25% of voters on the
industry's side (the default), so about 75% oppose it. The leader's gate is off, so that
every bill reaches a recorded floor vote: C1 and C2 are claims about legislators' own
decisions, and the capture index counts recorded floor votes only (the gate is C7's,
tested in tests/experiments/test_mechanisms.py).
"""

from __future__ import annotations

import functools
import itertools

import numpy as np
import pytest
from worlds import small_params

from pacsim.experiments.runner import simulate
from pacsim.model.outcomes import capture_index

SEEDS = (1, 2, 3)
GRID = (0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4)
NOISE = 0.05


@functools.cache
def capture(salience: float, seed: int, **overrides: object) -> float:
    """Roll-call capture index of one small run."""
    world = small_params(target__salience=salience, run__seed=seed, legislature__leadership_gate=False, **overrides)
    return capture_index(simulate(world)["votes"])


def mean_capture(salience: float, **overrides: object) -> float:
    """Capture index averaged over SEEDS."""
    return float(np.mean([capture(salience, s, **overrides) for s in SEEDS]))


def test_low_salience_follows_the_donor() -> None:
    """At 2% of voters' attention, at least 80% of contested decisions go the industry's way."""
    assert mean_capture(0.02) >= 0.8


def test_high_salience_follows_voters() -> None:
    """At 40% of voters' attention, at most 20% do."""
    assert mean_capture(0.4) <= 0.2


@pytest.mark.slow
def test_capture_does_not_rise_with_salience() -> None:
    """Across eight salience levels the capture index never rises by more than noise."""
    curve = [mean_capture(s) for s in GRID]
    assert all(b <= a + NOISE for a, b in itertools.pairwise(curve)), curve
    assert curve[0] - curve[-1] > 0.6, curve


def test_without_money_capture_falls_to_the_baseline() -> None:
    """With the donor's budget at 0, low-salience capture drops to the no-money baseline.

    The baseline is the same world where ads cannot move a single vote (``campaign.ad_effect``
    = 0): money that cannot change votes buys nothing.
    """
    with_money = mean_capture(0.02)
    no_budget = mean_capture(0.02, industry__budget=0.0)
    no_persuasion = mean_capture(0.02, campaign__ad_effect=0.0)
    assert no_budget == pytest.approx(no_persuasion, abs=NOISE)
    assert no_budget < 0.4
    assert with_money - no_budget > 0.4
