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


def deterrence(legislators: pd.DataFrame) -> dict[str, float]:
    """Legislators opposing the industry before an election and a few weeks into the next session.

    Compares each legislator who sat in both snapshots, split by whether the industry spent
    against it in that election, summed over every election of the run (C5).
    """
    before = legislators[legislators["when"] == "election"]
    after = legislators[legislators["when"] == "session"]
    out = {f"{g}_{w}": 0.0 for g in ("targeted", "untargeted") for w in ("opposing_before", "opposing_after", "n")}
    if before.empty or after.empty:
        return out
    after = after.assign(cycle=after["cycle"] - 1)
    both = before.merge(after, on=["cycle", "politician_id"], suffixes=("_before", "_after"))
    for group, rows in (("targeted", both[both["targeted_industry_before"]]), ("untargeted", both[~both["targeted_industry_before"]])):
        out[f"{group}_n"] = float(len(rows))
        out[f"{group}_opposing_before"] = float((rows["side_industry_before"] == "opponent").sum())
        out[f"{group}_opposing_after"] = float((rows["side_industry_after"] == "opponent").sum())
    return out


def gate_outcomes(bills: pd.DataFrame) -> dict[str, float]:
    """For bills the industry opposes: shares that died at a gate, died on a floor, passed; and roll rates (C7, C9)."""
    opposed = bills[~bills["industry_side_yea"]]
    n = len(opposed)
    out = {
        "industry_opposed_bills": float(n),
        "share_died_at_gate": float((opposed["fate"] == "gated").mean()) if n else math.nan,
        "share_died_on_floor": float((opposed["fate"] == "failed").mean()) if n else math.nan,
        "share_passed": float((opposed["fate"] == "passed").mean()) if n else math.nan,
    }
    for chamber in ("house", "senate"):
        floor = bills[bills[f"{chamber}_floor"]]
        for side in ("majority", "minority"):
            out[f"{chamber}_{side}_roll_rate"] = float(floor[f"{chamber}_{side}_rolled"].mean()) if len(floor) else math.nan
    return out


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
    out.update(gate_outcomes(bills))
    out.update({f"deterrence_{k}": v for k, v in deterrence(tables["legislators"]).items()})
    for c in ("house_rep", "house_dem", "senate_rep", "senate_dem"):
        out[f"seats_{c}"] = float(last[c])
    return out
