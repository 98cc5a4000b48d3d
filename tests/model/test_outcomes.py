"""Outcome measures on hand-built tables with ground truth by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pacsim.model.outcomes import capture_index, capture_index_bills, congruence, deterrence, gate_outcomes


def test_capture_index_counts_contested_decisions_only() -> None:
    """Two of the three contested decisions went the industry's way; the uncontested one does not count."""
    votes = pd.DataFrame({"contested": [True, True, True, False], "with_industry": [True, False, True, False]})
    assert capture_index(votes) == pytest.approx(2 / 3)
    assert math.isnan(capture_index(votes[~votes["contested"]]))


def test_capture_index_bills_ground_truth() -> None:
    """Of three bills where the industry and the national majority disagree, one went the industry's way."""
    bills = pd.DataFrame({
        "national_majority_yea": [True, True, False, True],
        "industry_side_yea": [False, False, True, True],
        "passed": [False, True, False, True],
    })
    assert capture_index_bills(bills) == pytest.approx(1 / 3)


def test_congruence_ground_truth() -> None:
    """Three of four decisions match the district majority."""
    votes = pd.DataFrame({"yea": [True, False, True, True], "district_majority_yea": [True, False, False, True]})
    assert congruence(votes) == pytest.approx(0.75)


def test_deterrence_ground_truth() -> None:
    """Before and after one election: a targeted opponent goes quiet, an untargeted one stays."""
    rows = []
    for pid, targeted, before, after in [(1, True, "opponent", "muted"), (2, False, "opponent", "opponent"), (3, False, "ally", "ally")]:
        rows.append({"when": "election", "cycle": 0, "politician_id": pid, "targeted_industry": targeted, "side_industry": before})
        rows.append({"when": "session", "cycle": 1, "politician_id": pid, "targeted_industry": False, "side_industry": after})
    out = deterrence(pd.DataFrame(rows))
    assert out == {
        "targeted_opposing_before": 1.0, "targeted_opposing_after": 0.0, "targeted_n": 1.0,
        "untargeted_opposing_before": 1.0, "untargeted_opposing_after": 1.0, "untargeted_n": 2.0,
    }


def test_gate_outcomes_ground_truth() -> None:
    """Two industry-opposed bills, one gated and one passed; roll rates over bills that reached each floor."""
    bills = pd.DataFrame({
        "industry_side_yea": [False, False, True],
        "fate": ["gated", "passed", "failed"],
        "house_floor": [False, True, True],
        "senate_floor": [False, True, False],
        "house_majority_rolled": [False, True, False],
        "house_minority_rolled": [False, False, False],
        "senate_majority_rolled": [False, False, False],
        "senate_minority_rolled": [False, True, False],
    })
    out = gate_outcomes(bills)
    assert out["industry_opposed_bills"] == 2.0
    assert (out["share_died_at_gate"], out["share_died_on_floor"], out["share_passed"]) == (0.5, 0.0, 0.5)
    assert (out["house_majority_roll_rate"], out["house_minority_roll_rate"]) == (0.5, 0.0)
    assert (out["senate_majority_roll_rate"], out["senate_minority_roll_rate"]) == (0.0, 1.0)
