"""Per-run outcomes of a sweep: the model's summary plus measures a sweep compares across runs.

The model's :func:`model.outcomes.summarise` gives the headline numbers. A sweep adds rates
that make runs of different lengths comparable, and C9's measure: the share of bills the
industry opposes that nevertheless pass. A key the model's summary already reports is never
overwritten.
"""

from __future__ import annotations

import math

import pandas as pd

from pacsim.model.outcomes import summarise
from pacsim.model.params import Params


def _share(numerator: float, denominator: float) -> float:
    return float(numerator) / float(denominator) if denominator else math.nan


def industry_opposed_pass_rate(bills: pd.DataFrame) -> float:
    """Share of bills the industry opposes that pass (C9: the industry's effective veto when near 0)."""
    opposed = bills[bills["bill_type"] == "industry_opposed"] if len(bills) else bills
    return float(opposed["passed"].astype(bool).mean()) if len(opposed) else math.nan


def run_outcomes(tables: dict[str, pd.DataFrame], params: Params) -> dict[str, float]:
    """The summary of one run plus the sweep's derived rates, as ``{outcome: value}`` (NaN when undefined)."""
    out = dict(summarise(tables))
    bills, steps = tables["bills"], tables["steps"]
    introduced = float(len(bills))
    derived = {
        "passage_rate": _share(out.get("bills_passed", 0.0), introduced),
        "gate_rate": _share(out.get("bills_gated", 0.0), introduced),
        "floor_failure_rate": _share(out.get("bills_failed", 0.0), introduced),
        "industry_opposed_pass_rate": industry_opposed_pass_rate(bills),
        "opponents_lost_share": _share(out["opposing_industry_start"] - out["opposing_industry_end"], out["opposing_industry_start"])
        if "opposing_industry_start" in out
        else math.nan,
        "target_salience_mean": float(steps[f"salience_{params.target.name}"].mean())
        if f"salience_{params.target.name}" in steps
        else math.nan,
        "spent_total": float(sum(v for k, v in out.items() if k.startswith("spent_"))),
    }
    for key, value in derived.items():
        out.setdefault(key, value)
    return {k: float(v) for k, v in out.items()}
