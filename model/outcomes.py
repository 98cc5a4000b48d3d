"""Outcomes computed from a run's tables: the capture index and the summary a user reads first."""

from __future__ import annotations

import math

import pandas as pd

from pacsim.agents.enums import BillStage, BillType, Chamber, Party, VoteKind


def floor_votes(votes: pd.DataFrame) -> pd.DataFrame:
    """The recorded floor votes; whip counts on gated bills are left out (a gated bill counts at the bill level)."""
    return votes[votes["kind"] == "floor"] if "kind" in votes.columns else votes


def capture_index(votes: pd.DataFrame) -> float:
    """Share of contested recorded floor votes decided for the industry's side.

    A decision is contested when the industry's side and the legislator's district (or
    state) majority disagree. NaN when there were none.
    """
    votes = floor_votes(votes)
    contested = votes[votes["contested"].astype(bool)]
    return float(contested["with_industry"].mean()) if len(contested) else math.nan


def target_bills(bills: pd.DataFrame) -> pd.DataFrame:
    """The bills on the target issue (those the industry opposes or backs), leaving out the partisan background agenda."""
    return bills[bills["bill_type"] != BillType.PARTISAN.value] if "bill_type" in bills else bills


def capture_index_bills(bills: pd.DataFrame) -> float:
    """Share of target-issue bills on which the industry and the national majority disagree whose outcome went the industry's way.

    A bill that dies at a gate or on the floor is an outcome for the side against it.
    NaN when there were none.
    """
    bills = target_bills(bills)
    contested = bills[bills["national_majority_yea"] != bills["industry_side_yea"]]
    if not len(contested):
        return math.nan
    return float((contested["passed"] == contested["industry_side_yea"]).mean())


def congruence(votes: pd.DataFrame) -> float:
    """Share of recorded floor votes that went the district majority's way."""
    votes = floor_votes(votes)
    return float((votes["yea"] == votes["district_majority_yea"]).mean()) if len(votes) else math.nan


def deterrence(legislators: pd.DataFrame) -> dict[str, float]:
    """Legislators opposing the industry early in one session and early in the next, split by whether it spent against them (C5).

    Compares each legislator who sat through both sessions and the election between them,
    summed over every pair of sessions in the run; "targeted" means the industry spent
    against it in that election's campaign.
    """
    out = {f"{g}_{w}": 0.0 for g in ("targeted", "untargeted") for w in ("opposing_before", "opposing_after", "n")}
    session = legislators[legislators["when"] == "session"][["cycle", "politician_id", "side_industry"]]
    election = legislators[legislators["when"] == "election"][["cycle", "politician_id", "targeted_industry"]]
    if session.empty or election.empty:
        return out
    after = session.assign(cycle=session["cycle"] - 1)
    both = session.merge(election, on=["cycle", "politician_id"]).merge(
        after, on=["cycle", "politician_id"], suffixes=("_before", "_after")
    )
    for group, rows in (("targeted", both[both["targeted_industry"]]), ("untargeted", both[~both["targeted_industry"]])):
        out[f"{group}_n"] = float(len(rows))
        out[f"{group}_opposing_before"] = float((rows["side_industry_before"] == "opponent").sum())
        out[f"{group}_opposing_after"] = float((rows["side_industry_after"] == "opponent").sum())
    return out


def incumbents_reelected(races: pd.DataFrame) -> float:
    """Share of sitting members who ran again and won: a primary loss counts as a defeat, open seats do not count."""
    if not len(races):
        return math.nan
    general = races[(races["stage"] == "general") & races["sitting_member"]] if "sitting_member" in races else races
    primary = races[races["stage"] == "primary"]
    if "sitting_member" in primary:
        primary = primary[primary["sitting_member"]]
    lost_primary = primary[~primary["incumbent_won"]]
    ran = len(general) + len(lost_primary)
    return float(general["incumbent_won"].sum() / ran) if ran else math.nan


def threat_ratio(legislators: pd.DataFrame, still_opposing: bool | None = None) -> pd.Series:
    """Per cycle, targeted legislators' mean believed industry threat over the mean the industry actually spent against them.

    ``still_opposing`` True keeps those who still opposed the industry at the election (for
    them belief and plan should agree); False those who went quiet after being targeted
    (the PAC then stops spending on them, while the threat that silenced them stands);
    None keeps all.
    """
    rows = legislators[(legislators["when"] == "election") & legislators["targeted_industry"]]
    if still_opposing is not None:
        rows = rows[(rows["side_industry"] == "opponent") == still_opposing]
    if rows.empty:
        return pd.Series(dtype=float, name="believed_over_realised")
    grouped = rows.groupby("cycle")
    return (grouped["threat_belief_industry"].mean() / grouped["money_against"].mean()).rename("believed_over_realised")


FATES = tuple(f.value for f in BillStage)


def bills_by_type(bills: pd.DataFrame) -> dict[str, dict[str, float]]:
    """How many bills of each type ended at each fate: ``{bill type: {fate: count}}``, every type and fate present."""
    return {t.value: {f: float(((bills["bill_type"] == t.value) & (bills["fate"] == f)).sum()) for f in FATES} for t in BillType}


def roll_rates(bills: pd.DataFrame) -> dict[str, float]:
    """Majority and minority roll rates per chamber over that chamber's final-passage votes (Cox & McCubbins 2005).

    A party is rolled when a bill passes over the opposition of a majority of its members;
    the denominator is every final-passage vote the chamber held, on any issue. NaN for a
    chamber that held none. Also gives the denominators, ``{chamber}_final_passage_votes``.
    """
    out = {}
    for chamber in Chamber:
        c = chamber.value
        final = bills[bills[f"{c}_final_passage"].astype(bool)]
        out[f"{c}_final_passage_votes"] = float(len(final))
        for side in ("majority", "minority"):
            out[f"{c}_{side}_roll_rate"] = float(final[f"{c}_{side}_rolled"].mean()) if len(final) else math.nan
    return out


def gate_outcomes(bills: pd.DataFrame) -> dict[str, float]:
    """Where bills end (gate, floor, passed) by type, C9 both ways, and roll rates over final-passage votes (C7, C9).

    The unprefixed shares are those of the bills the industry opposes; C9 asks how many of
    them pass, and its mirror how many of the measures the industry backs pass.
    """
    out: dict[str, float] = {}
    for t in BillType:
        rows = bills[bills["bill_type"] == t.value]
        n = len(rows)
        prefix = "" if t is BillType.INDUSTRY_OPPOSED else f"{t.value}_"
        out[f"{t.value}_bills"] = float(n)
        for fate, name in zip(FATES, ("share_died_at_gate", "share_died_on_floor", "share_passed"), strict=True):
            out[f"{prefix}{name}"] = float((rows["fate"] == fate).mean()) if n else math.nan
    out.update(roll_rates(bills))
    return out


def shock_pass_rates(bills: pd.DataFrame, at: int, cycle: int, bill_type: BillType = BillType.INDUSTRY_BACKED) -> dict[str, float]:
    """Bills of one type introduced in ``cycle`` before step ``at`` and from it on: how many, and the share that passed.

    The thread's counterexample (the 2025 moratorium on state AI laws) compares the same
    session's bills before and after a salience shock at step ``at``. NaN shares where
    there were no such bills.
    """
    rows = bills[(bills["bill_type"] == bill_type.value) & (bills["cycle"] == cycle)]
    out = {}
    for when, part in (("before", rows[rows["step"] < at]), ("after", rows[rows["step"] >= at])):
        out[f"{when}_bills"] = float(len(part))
        out[f"{when}_passed"] = float(part["passed"].mean()) if len(part) else math.nan
    return out


def party_yea_shares(votes: pd.DataFrame, bills: pd.DataFrame) -> dict[str, float]:
    """Mean share of each party voting yea on the floor, on partisan bills (by the sponsor's party) and on target-issue bills.

    ``partisan_sponsor_party`` is the mean, over partisan bills that reached a floor, of the
    share of the sponsor's party voting yea, and ``partisan_other_party`` the same for the
    other party; ``{bill type}_{party}`` (``industry_opposed_dem``) the mean share of a party voting yea on target-issue
    bills of that type. NaN where there were no such floor votes.
    """
    floor = votes[votes["kind"] == VoteKind.FLOOR.value].merge(bills[["seed", "bill_id", "sponsor_party"]], on=["seed", "bill_id"])
    by_bill = floor.groupby(["seed", "bill_id", "chamber", "bill_type", "sponsor_party", "party"], as_index=False)["yea"].mean()
    out = {}
    partisan = by_bill[by_bill["bill_type"] == BillType.PARTISAN.value]
    own = partisan["party"] == partisan["sponsor_party"]
    out["partisan_sponsor_party"] = float(partisan[own]["yea"].mean()) if own.any() else math.nan
    out["partisan_other_party"] = float(partisan[~own]["yea"].mean()) if (~own).any() else math.nan
    for t in (BillType.INDUSTRY_OPPOSED, BillType.INDUSTRY_BACKED):
        for party in Party:
            rows = by_bill[(by_bill["bill_type"] == t.value) & (by_bill["party"] == party.label)]
            out[f"{t.value}_{party.label}"] = float(rows["yea"].mean()) if len(rows) else math.nan
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
        "congruence_district": congruence(votes[votes["bill_type"] != BillType.PARTISAN.value]),
        "bills_introduced": float(len(bills)),
        "bills_gated": float((bills["fate"] == "gated").sum()),
        "bills_failed": float((bills["fate"] == "failed").sum()),
        "bills_passed": float((bills["fate"] == "passed").sum()),
        "opposing_industry_start": float(first["opposing_industry"]),
        "opposing_industry_end": float(last["opposing_industry"]),
        "supporting_industry_end": float(last["supporting_industry"]),
        "incumbents_reelected": incumbents_reelected(races),
        "believed_over_realised_threat": float(threat_ratio(tables["legislators"], still_opposing=True).mean()),
    }
    out.update({f"spent_{k}": v for k, v in spent.items()})
    out.update(gate_outcomes(bills))
    out.update({f"yea_{k}": v for k, v in party_yea_shares(votes, bills).items()})
    out.update({f"deterrence_{k}": v for k, v in deterrence(tables["legislators"]).items()})
    for c in ("house_rep", "house_dem", "senate_rep", "senate_dem"):
        out[f"seats_{c}"] = float(last[c])
    return out
