"""Outcome measures on hand-built tables with ground truth by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from worlds import mini_params

from pacsim.model.model import PacsimModel
from pacsim.model.outcomes import (
    bills_by_type,
    capture_index,
    capture_index_bills,
    congruence,
    deterrence,
    gate_outcomes,
    incumbents_reelected,
    shock_pass_rates,
    threat_ratio,
)


def test_capture_index_counts_contested_decisions_only() -> None:
    """Two of the three contested decisions went the industry's way; the uncontested one does not count."""
    votes = pd.DataFrame({"contested": [True, True, True, False], "with_industry": [True, False, True, False]})
    assert capture_index(votes) == pytest.approx(2 / 3)
    assert math.isnan(capture_index(votes[~votes["contested"]]))


def test_capture_index_bills_ground_truth() -> None:
    """Of three bills where the industry and the national majority disagree, one went the industry's way."""
    bills = pd.DataFrame(
        {
            "national_majority_yea": [True, True, False, True],
            "industry_side_yea": [False, False, True, True],
            "passed": [False, True, False, True],
        }
    )
    assert capture_index_bills(bills) == pytest.approx(1 / 3)


def test_congruence_ground_truth() -> None:
    """Three of four decisions match the district majority."""
    votes = pd.DataFrame({"yea": [True, False, True, True], "district_majority_yea": [True, False, False, True]})
    assert congruence(votes) == pytest.approx(0.75)


def test_deterrence_ground_truth() -> None:
    """Early in one session and early in the next: a targeted opponent goes quiet, an untargeted one stays.

    Legislator 4 leaves at the election (no second session row) and is not counted.
    """
    rows = []
    for pid, targeted, before, after in [
        (1, True, "opponent", "muted"),
        (2, False, "opponent", "opponent"),
        (3, False, "ally", "ally"),
        (4, True, "opponent", None),
    ]:
        rows.append({"when": "session", "cycle": 0, "politician_id": pid, "targeted_industry": False, "side_industry": before})
        rows.append({"when": "election", "cycle": 0, "politician_id": pid, "targeted_industry": targeted, "side_industry": before})
        if after is not None:
            rows.append({"when": "session", "cycle": 1, "politician_id": pid, "targeted_industry": False, "side_industry": after})
    out = deterrence(pd.DataFrame(rows))
    assert out == {
        "targeted_opposing_before": 1.0,
        "targeted_opposing_after": 0.0,
        "targeted_n": 1.0,
        "untargeted_opposing_before": 1.0,
        "untargeted_opposing_after": 1.0,
        "untargeted_n": 2.0,
    }


def test_reelection_counts_sitting_members_who_ran() -> None:
    """Three sitting members ran: one won, one lost the general, one lost its primary; open seats do not count.

    An open seat's favoured newcomer who lost its primary is not a sitting member's defeat.
    """
    races = pd.DataFrame(
        {
            "stage": ["general", "general", "general", "primary", "general", "primary"],
            "sitting_member": [True, True, False, True, False, False],
            "open_seat": [False, False, True, False, False, True],
            "incumbent_won": [True, False, True, False, True, False],
        }
    )
    assert incumbents_reelected(races) == pytest.approx(1 / 3)


def test_capture_and_congruence_count_floor_votes_only() -> None:
    """Whip counts on gated bills are not decisions: only the floor votes count."""
    votes = pd.DataFrame(
        {
            "kind": ["floor", "floor", "whip", "whip"],
            "contested": [True, True, True, True],
            "with_industry": [True, False, True, True],
            "yea": [True, False, True, True],
            "district_majority_yea": [True, True, False, False],
        }
    )
    assert capture_index(votes) == pytest.approx(0.5)
    assert congruence(votes) == pytest.approx(0.5)


def test_threat_ratio_ground_truth() -> None:
    """Per cycle: targeted members' mean believed threat over the mean spent against them."""
    legislators = pd.DataFrame(
        {
            "when": ["election"] * 4,
            "cycle": [0, 0, 0, 1],
            "targeted_industry": [True, True, False, True],
            "threat_belief_industry": [4e6, 2e6, 9e6, 1e6],
            "money_against": [1e6, 2e6, 0.0, 2e6],
        }
    )
    ratio = threat_ratio(legislators)
    assert ratio.to_dict() == {0: pytest.approx(2.0), 1: pytest.approx(0.5)}
    legislators["side_industry"] = ["opponent", "muted", "opponent", "muted"]
    assert threat_ratio(legislators, still_opposing=True).to_dict() == {0: pytest.approx(4.0)}
    assert threat_ratio(legislators, still_opposing=False).to_dict() == {0: pytest.approx(1.0), 1: pytest.approx(0.5)}


def _bills(**columns: list) -> pd.DataFrame:
    """A bills table of the given columns, every other bill column False."""
    n = len(next(iter(columns.values())))
    flags = {f"{c}_{k}": [False] * n for c in ("house", "senate") for k in ("floor", "final_passage", "majority_rolled", "minority_rolled")}
    return pd.DataFrame({**flags, **columns})


def test_gate_outcomes_ground_truth() -> None:
    """Where each type of bill ended, C9 both ways, and roll rates over each chamber's final-passage votes only."""
    bills = _bills(
        bill_type=["industry_opposed", "industry_opposed", "industry_backed", "partisan", "partisan"],
        fate=["gated", "passed", "failed", "passed", "failed"],
        house_floor=[False, True, True, True, True],
        house_final_passage=[False, True, True, True, True],
        house_minority_rolled=[False, False, False, True, False],
        senate_floor=[False, True, False, True, True],
        senate_final_passage=[False, True, False, True, False],
        senate_majority_rolled=[False, True, False, False, False],
    )
    out = gate_outcomes(bills)
    ground_truth = {
        "industry_opposed_bills": 2.0,
        "share_died_at_gate": 0.5,
        "share_died_on_floor": 0.0,
        "share_passed": 0.5,
        "industry_backed_bills": 1.0,
        "industry_backed_share_passed": 0.0,
        "industry_backed_share_died_on_floor": 1.0,
        "partisan_bills": 2.0,
        "partisan_share_passed": 0.5,
        "house_final_passage_votes": 4.0,
        "house_majority_roll_rate": 0.0,
        "house_minority_roll_rate": 0.25,
        "senate_final_passage_votes": 2.0,
        "senate_majority_roll_rate": 0.5,
        "senate_minority_roll_rate": 0.0,
    }
    assert {k: out[k] for k in ground_truth} == ground_truth
    assert bills_by_type(bills) == {
        "industry_opposed": {"gated": 1.0, "failed": 0.0, "passed": 1.0},
        "industry_backed": {"gated": 0.0, "failed": 1.0, "passed": 0.0},
        "partisan": {"gated": 0.0, "failed": 1.0, "passed": 1.0},
    }


def test_capture_index_bills_leaves_out_the_partisan_agenda() -> None:
    """A partisan bill has no industry side, so it never counts as contested, whatever the nation thinks of it."""
    bills = pd.DataFrame(
        {
            "bill_type": ["industry_opposed", "partisan"],
            "national_majority_yea": [True, True],
            "industry_side_yea": [False, False],
            "passed": [False, True],
        }
    )
    assert capture_index_bills(bills) == 1.0


def test_shock_pass_rates_ground_truth() -> None:
    """Of the backed bills of cycle 1, one of two before step 150 passed and none after; other cycles and types do not count."""
    bills = pd.DataFrame(
        {
            "bill_type": ["industry_backed"] * 5 + ["industry_opposed"],
            "cycle": [0, 1, 1, 1, 1, 1],
            "step": [79, 119, 132, 157, 170, 160],
            "passed": [True, True, False, False, False, True],
        }
    )
    assert shock_pass_rates(bills, at=150, cycle=1) == {"before_bills": 2.0, "before_passed": 0.5, "after_bills": 2.0, "after_passed": 0.0}


def test_each_steps_row_counts_the_bills_recorded_by_then() -> None:
    """The steps table's bill counts and bill-level capture index are, at every step, those of the bills table up to it.

    The background issues' status quo is far out, so the nation favours the partisan bills,
    which the bill-level index must still leave out.
    """
    model = PacsimModel(
        mini_params(legislature__leadership_gate=False, target__salience=0.02, run__seed=4, agenda__background_status_quo=0.9)
    )
    model.run()
    tables = model.tables()
    steps, bills = tables["steps"], tables["bills"]
    assert len(bills) and bills["fate"].nunique() >= 2
    assert bills.loc[bills["bill_type"] == "partisan", "national_majority_yea"].any()
    checked = 0
    for _, row in steps.iterrows():
        so_far = bills[bills["step"] <= row["step"]]
        assert row["bills_introduced"] == len(so_far)
        for fate in ("gated", "failed", "passed"):
            assert row[f"bills_{fate}"] == int((so_far["fate"] == fate).sum())
        expected = capture_index_bills(so_far) if len(so_far) else math.nan
        assert row["capture_index_bills"] == expected or (math.isnan(row["capture_index_bills"]) and math.isnan(expected))
        checked += not math.isnan(expected)
    assert checked > 0
