"""Invariants of whole runs, checked on a miniature run and across worlds hypothesis draws."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from properties.strategies import small_worlds
from worlds import MINI

from pacsim.experiments.runner import simulate
from pacsim.model.params import build_params


def check_invariants(tables: dict[str, pd.DataFrame], overrides: dict[str, object]) -> None:
    """Seat counts, one winner per seat, shares summing to one, money within budget, no NaNs."""
    params = build_params(overrides)
    house, senate = params.legislature.house_seats, params.legislature.senate_seats
    steps, spending, legislators = tables["steps"], tables["spending"], tables["legislators"]
    races = tables["races"][tables["races"]["stage"] == "general"]
    assert (steps["house_rep"] + steps["house_dem"] == house).all()
    assert (steps["senate_rep"] + steps["senate_dem"] == senate).all()
    assert len(steps) == params.run.n_cycles * params.run.steps_per_cycle + 1
    per_seat = races.groupby(["cycle", "seat"]).size()
    assert (per_seat == 1).all()
    for cycle, group in races.groupby("cycle"):
        senate_up = sum(1 for s in range(senate) if s % 3 == cycle % 3)
        assert len(group) == house + senate_up
        assert set(group["winner_id"]) <= set(group["incumbent_id"]) | set(group["challenger_id"])
    np.testing.assert_allclose(races["share_incumbent"] + races["share_challenger"], 1.0)
    assert races["share_incumbent"].between(0.0, 1.0).all()
    assert (races["incumbent_won"] == (races["winner_id"] == races["incumbent_id"])).all()
    budgets = {
        "industry": params.industry.budget * params.industry.intensity,
        "opposing": params.opposing.budget * params.opposing.intensity,
    }
    for (cycle, donor), amount in spending.groupby(["cycle", "donor"])["amount"].sum().items():
        assert amount <= budgets[donor] * (1 + 1e-9), (cycle, donor)
    assert (spending["amount"] > 0).all()
    assert (legislators.groupby(["step", "when"]).size() == house + senate).all()
    # A capture index is undefined (NaN) exactly until the first contested decision or bill; nothing else is ever NaN.
    assert (steps["capture_index"].isna() == (steps["contested_votes"] == 0)).all()
    for name, frame in tables.items():
        if name == "steps":
            frame = frame.drop(columns=["capture_index", "capture_index_bills"])
        assert not frame.isna().any().any(), name


def test_invariants_on_a_mini_run(mini_tables: dict[str, pd.DataFrame]) -> None:
    """The miniature run keeps every invariant."""
    check_invariants(mini_tables, {**MINI, "run.seed": 7})


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=small_worlds())
def test_invariants_hold_across_worlds(world: dict[str, object]) -> None:
    """Every invariant holds for varied chamber sizes, electorates, salience and budgets."""
    check_invariants(simulate(build_params(world)), world)
