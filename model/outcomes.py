"""Outcomes computed from a run's tables: the capture index and the summary a user reads first."""

from __future__ import annotations

import math

import pandas as pd


def capture_index(votes: pd.DataFrame) -> float:
    """Share of contested roll-call decisions decided for the industry's side.

    A decision is contested when the industry's side and the legislator's district (or
    state) majority disagree. NaN when there were none.
    """
    contested = votes[votes["contested"].astype(bool)]
    return float(contested["with_industry"].mean()) if len(contested) else math.nan


def capture_index_bills(bills: pd.DataFrame) -> float:
    """Share of bills on which the industry and the national majority disagree whose outcome went the industry's way.

    A bill that dies at a gate or on the floor is an outcome for the side against it.
    NaN when there were none.
    """
    contested = bills[bills["national_majority_yea"] != bills["industry_side_yea"]]
    if not len(contested):
        return math.nan
    return float((contested["passed"] == contested["industry_side_yea"]).mean())


def congruence(votes: pd.DataFrame) -> float:
    """Share of all roll-call decisions that went the district majority's way."""
    return float((votes["yea"] == votes["district_majority_yea"]).mean()) if len(votes) else math.nan


def summarise(tables: dict[str, pd.DataFrame]) -> dict[str, float]:
    """The run's headline numbers, from its tables."""
    steps, votes, bills, races = tables["steps"], tables["votes"], tables["bills"], tables["races"]
    first, last = steps.iloc[0], steps.iloc[-1]
    spent = {c.removeprefix("spent_"): float(last[c]) for c in steps.columns if c.startswith("spent_")}
    out = {
        "capture_index": capture_index(votes),
        "capture_index_bills": capture_index_bills(bills),
        "contested_votes": float(votes["contested"].sum()) if len(votes) else 0.0,
        "congruence_district": congruence(votes),
        "bills_introduced": float(len(bills)),
        "bills_gated": float((bills["fate"] == "gated").sum()),
        "bills_failed": float((bills["fate"] == "failed").sum()),
        "bills_passed": float((bills["fate"] == "passed").sum()),
        "opposing_industry_start": float(first["opposing_industry"]),
        "opposing_industry_end": float(last["opposing_industry"]),
        "supporting_industry_end": float(last["supporting_industry"]),
        "incumbents_reelected": float(races["incumbent_won"].mean()) if len(races) else math.nan,
    }
    out.update({f"spent_{k}": v for k, v in spent.items()})
    for c in ("house_rep", "house_dem", "senate_rep", "senate_dem"):
        out[f"seats_{c}"] = float(last[c])
    return out
