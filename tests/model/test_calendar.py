"""The calendar's weeks: what falls due when, on a 26-week cycle with ground truth by hand."""

from __future__ import annotations

import pytest

from pacsim.model.calendar import Calendar, Phase
from pacsim.model.params import build_params

#: 26 weeks, the last 6 before election week campaigning, reviews every 4 weeks, 2 bills.
PARAMS = build_params(
    {
        "run.steps_per_cycle": 26,
        "run.campaign_steps": 6,
        "politicians.review_interval": 4,
        "legislature.bills_per_session": 2,
        "run.n_cycles": 2,
    }
)


def test_calendar_ground_truth() -> None:
    """Campaign opens in week 19, primaries in week 22, bills in weeks 7 and 13, election in week 25."""
    cal = Calendar(PARAMS)
    assert (cal.campaign_start, cal.primary_week) == (19, 22)
    assert cal.bill_weeks == frozenset({7, 13})


@pytest.mark.parametrize(
    ("steps", "index", "phase", "due"),
    [
        (1, 0, Phase.SESSION, {"review_due"}),
        (8, 7, Phase.SESSION, {"review_due", "bill_due"}),
        (9, 8, Phase.SESSION, {"review_due", "session_snapshot_due"}),
        (10, 9, Phase.SESSION, set()),
        (20, 19, Phase.CAMPAIGN, {"opens_campaign", "review_due", "primary_spending"}),
        (23, 22, Phase.CAMPAIGN, {"review_due", "primary_day"}),
        (26, 25, Phase.ELECTION, {"review_due"}),
        (27, 0, Phase.SESSION, {"review_due"}),
    ],
)
def test_weeks_say_what_is_due(steps: int, index: int, phase: Phase, due: set[str]) -> None:
    """Each step's week index, phase and the events that fall due in it."""
    week = Calendar(PARAMS).week(steps)
    flags = {"opens_campaign", "review_due", "bill_due", "session_snapshot_due", "primary_spending", "primary_day"}
    assert (week.index, week.phase) == (index, phase)
    assert {f for f in flags if getattr(week, f)} == due
    assert week.weeks_to_election == 25 - index


def test_run_ends_after_its_cycles() -> None:
    """Two 26-week cycles end after step 52."""
    cal = Calendar(PARAMS)
    assert not cal.finished(51) and cal.finished(52)
