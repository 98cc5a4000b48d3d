"""Measures of the thread's strategic mechanisms (C3, C5-C8, the salience shock), each from agents' choices.

``pacsim measure`` runs every measure at a moderate size (20,000 voters,
the full 435 + 100 seats, three seeds) on a process pool, prints a Markdown table and
writes the numbers to ``mechanisms.json``. The functions are also what the behaviour tests
call, at smaller sizes.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from pacsim.experiments.cli.common import integer, integer_in
from pacsim.experiments.executors import MAX_WORKERS
from pacsim.experiments.preflight import check_output_file
from pacsim.experiments.runner import simulate
from pacsim.model.model import PacsimModel
from pacsim.model.outcomes import capture_index, summarise, threat_ratio
from pacsim.model.params import FIELDS, Params, build_params
from pacsim.model.scenarios import load_scenario

SIZE = {"electorate.n_voters": 20_000, "run.n_cycles": 1}


def campaign_swing(params: Params, seed: int) -> dict[str, float]:
    """Vote-share swing the industry's campaign buys, per $1M, in a paired field experiment.

    Two copies of the same world (same seed) run to the start of the campaign; from there
    stances are frozen, and in one copy the industry spends while in the other it does not.
    The news both copies see is identical. The swing in a race is the change in the expected
    vote share of the candidate the industry backs (its ally, or the challenger of its
    opponent) just before the election; its ads persuade and also move the salience of the
    issue they are about, which is how ads on an issue where the public disagrees backfire.
    """
    r = params.run
    shares, money = [], None
    for spend in (True, False):
        model = PacsimModel(params, rng=seed)
        for _ in range(r.steps_per_cycle - 1 - r.campaign_steps):
            model.step()
        model.frozen = True
        if not spend:
            for donor in model.donors:
                donor.budget = 0.0
        while model.steps < r.steps_per_cycle - 1:
            model.step()
        shares.append(model.expected_shares())
        if spend:
            ledger = model.money
            money = np.column_stack([ledger.for_incumbent[:, 0], ledger.against_incumbent[:, 0]])
    with_ads, without = shares
    if money is None:
        raise RuntimeError("the copy that spends runs first and records the ledger")
    attacked, protected = money[:, 1] > 0, money[:, 0] > 0
    swing = np.where(attacked, without - with_ads, 0.0) + np.where(protected, with_ads - without, 0.0)
    spent = float(money.sum())
    return {
        "spent": spent,
        "races": float((attacked | protected).sum()),
        "swing_points_per_million": float(100.0 * swing.sum() / (spent / 1e6)) if spent else 0.0,
    }


def _ad_content(args: tuple[str, float, int, dict[str, Any]]) -> dict[str, Any]:
    strategy, salience, seed, size = args
    params = build_params({**size, "industry.strategy": strategy, "target.salience": salience, "industry.announce": False})
    return {"strategy": strategy, "salience": salience, "seed": seed, **campaign_swing(params, seed)}


def _summary(args: tuple[dict[str, Any], int]) -> dict[str, Any]:
    overrides, seed = args
    tables = simulate(build_params({**overrides, "run.seed": seed}))
    return {**overrides, "seed": seed, **summarise(tables)}


def _shock(args: tuple[int, dict[str, Any]]) -> dict[str, Any]:
    seed, size = args
    _, params = load_scenario("salience_shock", {**size, "run.n_cycles": 2, "run.seed": seed})
    tables = simulate(params)
    at = params.events.shock_step
    votes, bills = tables["votes"], tables["bills"]
    contested = votes[votes["contested"] & (votes["bill_type"] != "partisan")] if "bill_type" in votes else votes[votes["contested"]]
    before, after = contested[contested["step"] < at], contested[contested["step"] >= at]
    return {
        "seed": seed,
        "decisions_with_industry_before": float(before["with_industry"].mean()) if len(before) else float("nan"),
        "decisions_with_industry_after": float(after["with_industry"].mean()) if len(after) else float("nan"),
        "passed_before": float(bills[bills["step"] < at]["passed"].sum()),
        "passed_after": float(bills[bills["step"] >= at]["passed"].sum()),
    }


def _race_map(args: tuple[str, int, dict[str, Any]]) -> dict[str, Any]:
    """One run of a scenario: where the industry's money went and what it bought, per cycle (means over cycles)."""
    scenario, seed, size = args
    _, params = load_scenario(scenario, {**size, "run.seed": seed})
    tables = simulate(params)
    spending, races = tables["spending"], tables["races"]
    industry = spending[spending["donor"] == "industry"]
    rows = []
    for cycle, spent in industry.groupby("cycle"):
        per_seat = spent.groupby("seat")["amount"].sum()
        senate = per_seat[per_seat.index >= params.legislature.house_seats]
        general = races[(races["cycle"] == cycle) & (races["stage"] == "general")]
        primary = races[(races["cycle"] == cycle) & (races["stage"] == "primary")]
        entered = set(per_seat.index)
        backed_won = []
        for _, r in pd.concat([general, primary]).iterrows():
            if r["seat"] not in entered:
                continue
            against, for_ = r["industry_against_incumbent"], r["industry_for_incumbent"]
            if against > 0 or for_ > 0:
                backed_won.append(bool(r["incumbent_won"]) == (for_ >= against))
        attacked = pd.concat(
            [
                general[general["sitting_member"] & (general["industry_against_incumbent"] > 0)],
                primary[primary["sitting_member"] & (primary["industry_against_incumbent"] > 0)],
            ]
        )
        cycle_races = pd.concat([general, primary])
        open_seats = set(cycle_races[cycle_races["open_seat"]]["seat"])
        primary_seats = set(spent[spent["stage"] == "primary"]["seat"])
        rows.append(
            {
                "spent": float(per_seat.sum()),
                "races_entered": float(len(per_seat)),
                "primaries_entered": float(len(primary_seats)),
                "open_seats_entered": float(len(entered & open_seats)),
                "open_seat_primaries_entered": float(len(primary_seats & open_seats)),
                "primary_share_of_money": float(spent[spent["stage"] == "primary"]["amount"].sum() / per_seat.sum()),
                "primary_or_open_share_of_money": float(
                    spent[(spent["stage"] == "primary") | spent["seat"].isin(open_seats)]["amount"].sum() / per_seat.sum()
                ),
                "largest_race": float(per_seat.max()),
                "largest_senate_race": float(senate.max()) if len(senate) else 0.0,
                "share_won_by_pac_side": float(np.mean(backed_won)) if backed_won else float("nan"),
                "incumbents_attacked": float(len(attacked)),
                "incumbents_defeated": float((~attacked["incumbent_won"].astype(bool)).sum()),
            }
        )
    return {"scenario": scenario, "seed": seed, **{k: float(np.mean([r[k] for r in rows])) for k in rows[0]}} if rows else {}


def race_swing(params: Params, seed: int, dollars: float) -> float:
    """Vote-share points a PAC's ``dollars`` against the incumbent buy in the closest House race, in paired runs.

    Both copies run to the campaign's opening with stances then frozen; donors' own plans
    are emptied so that only the injected money differs; the swing is the difference in the
    incumbent's expected share on election day, before any votes are drawn.
    """
    r = params.run
    shares = []
    for amount in (0.0, dollars):
        model = PacsimModel(params.with_overrides({"campaign.replan_threshold": 1.0}), rng=seed)
        while model.cycle_step < model.calendar.campaign_start:
            model.step()
        model.frozen = True
        model.step()  # the campaign opens and donors plan
        close = int(np.argmin(np.abs(model.expected_shares()[: model.n_house] - 0.5)))
        for donor in model.donors:
            donor.plan_against[:] = 0.0
            donor.plan_for[:] = 0.0
        model.donors[0].plan_against[close] = amount
        while model.cycle_step < r.steps_per_cycle - 2:
            model.step()
        model.campaign.decay()  # election day: the last week's ads have decayed once more
        shares.append(float(model.expected_shares()[close]))
    return 100.0 * (shares[0] - shares[1])


def _swing(args: tuple[float, int, dict[str, Any]]) -> dict[str, Any]:
    dollars, seed, size = args
    return {"dollars": dollars, "seed": seed, "swing_points": race_swing(build_params(size), seed, dollars)}


def _threat(args: tuple[bool, int, dict[str, Any]]) -> dict[str, Any]:
    announce, seed, size = args
    tables = simulate(build_params({**size, "industry.announce": announce, "run.seed": seed}))
    out: dict[str, Any] = {"announce": announce, "seed": seed}
    for label, still in (("opposing", True), ("quiet", False)):
        ratio = threat_ratio(tables["legislators"], still_opposing=still)
        for c, v in zip(ratio.index.to_numpy(), ratio.to_numpy(), strict=True):
            out[f"cycle_{int(c)}_{label}"] = float(v)
    return out


def _capture(args: tuple[float, bool, int, dict[str, Any]]) -> dict[str, Any]:
    salience, gate, seed, size = args
    tables = simulate(build_params({**size, "target.salience": salience, "legislature.leadership_gate": gate, "run.seed": seed}))
    return {
        "salience": salience,
        "gate": gate,
        "seed": seed,
        "capture_index": capture_index(tables["votes"]),
        "capture_index_bills": summarise(tables)["capture_index_bills"],
    }


#: Whether the measures show progress bars (on a terminal only); ``pacsim measure --no-progress`` turns them off.
PROGRESS: ContextVar[bool] = ContextVar("PROGRESS", default=True)


def _map(fn: Callable[[Any], dict[str, Any]], jobs: list[Any], workers: int, label: str) -> list[dict[str, Any]]:
    disable = None if PROGRESS.get() else True  # None: tqdm draws only when stderr is a terminal
    if workers <= 1:
        return [fn(j) for j in tqdm(jobs, desc=label, leave=False, disable=disable)]
    with ProcessPoolExecutor(workers) as pool:
        return list(tqdm(pool.map(fn, jobs), total=len(jobs), desc=label, leave=False, disable=disable))


def _mean(rows: Iterable[dict[str, Any]], key: str) -> float:
    values = [r[key] for r in rows if not np.isnan(r[key])]
    return float(np.mean(values)) if values else float("nan")


def measure_ad_content(seeds: Iterable[int], size: dict[str, Any], workers: int = 1) -> list[dict[str, Any]]:
    """C3: swing per $1M for savvy and naive ads, at low and high target salience."""
    jobs = [(s, sal, seed, size) for s in ("savvy", "naive") for sal in (0.02, 0.3) for seed in seeds]
    rows = _map(_ad_content, jobs, workers, "C3 ad content")
    return [
        {
            "strategy": s,
            "salience": sal,
            "swing_points_per_million": _mean([r for r in rows if r["strategy"] == s and r["salience"] == sal], "swing_points_per_million"),
        }
        for s in ("savvy", "naive")
        for sal in (0.02, 0.3)
    ]


def measure_deterrence(seeds: Iterable[int], size: dict[str, Any], workers: int = 1) -> list[dict[str, Any]]:
    """C5: legislators opposing the industry early in a session and early in the next, by whether it spent against them.

    With an announced PAC legislators plan against its rule from the start; with an
    unannounced one they learn its price from last cycle's spending and from what it did
    to the colleagues it targeted. A run with no PAC money is the control.
    """
    base = {**size, "run.n_cycles": 2}
    out = []
    for label, extra in (
        ("announced PAC", {"industry.announce": True}),
        ("unannounced PAC", {"industry.announce": False}),
        ("no PAC money", {"industry.budget": 0.0}),
    ):
        rows = _map(_summary, [({**base, **extra}, s) for s in seeds], workers, f"C5 {label}")
        out.append(
            {
                "world": label,
                **{
                    k: _mean(rows, f"deterrence_{k}")
                    for k in (
                        "targeted_n",
                        "targeted_opposing_before",
                        "targeted_opposing_after",
                        "untargeted_n",
                        "untargeted_opposing_before",
                        "untargeted_opposing_after",
                    )
                },
            }
        )
    return out


def measure_race_map(seeds: Iterable[int], size: dict[str, Any], workers: int = 1) -> list[dict[str, Any]]:
    """Where the industry's money goes in the shipped crypto_2024 and ai_2026 scenarios, per cycle, and what it buys."""
    out = []
    for scenario in ("crypto_2024", "ai_2026"):
        scenario_size = {k: v for k, v in size.items() if k != "run.n_cycles"}
        rows = _map(_race_map, [(scenario, s, scenario_size) for s in seeds], workers, f"race map {scenario}")
        out.append({"scenario": scenario, **{k: _mean(rows, k) for k in rows[0] if k not in ("scenario", "seed")}})
    return out


def measure_race_swing(seeds: Iterable[int], size: dict[str, Any], workers: int = 1) -> list[dict[str, Any]]:
    """Vote-share swing from $10M and from $40M of PAC money in the closest House race (paired runs)."""
    rows = _map(_swing, [(d, s, size) for d in (10e6, 40e6) for s in seeds], workers, "race swing")
    return [{"dollars": d, "swing_points": _mean([r for r in rows if r["dollars"] == d], "swing_points")} for d in (10e6, 40e6)]


def measure_threat(seeds: Iterable[int], size: dict[str, Any], workers: int = 1) -> list[dict[str, Any]]:
    """Targeted legislators' believed industry threat over what it spent against them, per cycle.

    ``opposing``: those still opposing at the election; ``quiet``: those who went quiet
    after being targeted (the PAC stopped spending on them).
    """
    rows = _map(_threat, [(a, s, {**size, "run.n_cycles": 3}) for a in (True, False) for s in seeds], workers, "threat")
    keys = sorted({k for r in rows for k in r if k.startswith("cycle_")})
    return [{"announced": a, **{k: _mean([r for r in rows if r["announce"] == a and k in r], k) for k in keys}} for a in (True, False)]


def measure_capture_curve(seeds: Iterable[int], size: dict[str, Any], workers: int = 1) -> list[dict[str, Any]]:
    """C1/C2: capture index at eight salience levels, gate off (every bill voted) and on (bill level)."""
    levels = (0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4)
    run = {**size, "run.n_cycles": 2}
    rows = _map(_capture, [(sal, g, s, run) for sal in levels for g in (False, True) for s in seeds], workers, "capture curve")
    return [
        {
            "salience": sal,
            "capture_gate_off": _mean([r for r in rows if r["salience"] == sal and not r["gate"]], "capture_index"),
            "capture_bills_gate_on": _mean([r for r in rows if r["salience"] == sal and r["gate"]], "capture_index_bills"),
        }
        for sal in levels
    ]


def measure_champions(
    seeds: Iterable[int], size: dict[str, Any], workers: int = 1, counts: Iterable[int] = (0, 25, 100, 250, 400)
) -> list[dict[str, Any]]:
    """C6: share of bills passed against the number of champions, with and without the leader's gate."""
    out = []
    for gate in (True, False):
        for n in counts:
            rows = _map(
                _summary,
                [({**size, "politicians.champions": n, "legislature.leadership_gate": gate}, s) for s in seeds],
                workers,
                f"C6 champions={n}",
            )
            out.append({"gate": gate, "champions": n, "passage_rate": _mean(rows, "share_passed")})
    return out


def measure_gate(seeds: Iterable[int], size: dict[str, Any], workers: int = 1) -> list[dict[str, Any]]:
    """C7: where bills the industry opposes die (gate or floor), with and without the gate, and roll rates."""
    out = []
    for salience in (0.02, 0.1):
        for gate in (True, False):
            rows = _map(
                _summary,
                [({**size, "target.salience": salience, "legislature.leadership_gate": gate}, s) for s in seeds],
                workers,
                f"C7 gate={gate}",
            )
            out.append(
                {
                    "salience": salience,
                    "gate": gate,
                    **{
                        k: _mean(rows, k)
                        for k in (
                            "share_died_at_gate",
                            "share_died_on_floor",
                            "share_passed",
                            "house_majority_roll_rate",
                            "house_minority_roll_rate",
                        )
                    },
                }
            )
    return out


def measure_budget(seeds: Iterable[int], size: dict[str, Any], workers: int = 1) -> list[dict[str, Any]]:
    """C8: capture index (floor votes, gate off so every bill is voted) against the industry's budget, over orders of magnitude."""
    out = []
    for budget in (0.0, 1e6, 1e7, 3e7, 1e8, 1e9):
        rows = _map(
            _summary,
            [({**size, "industry.budget": budget, "legislature.leadership_gate": False}, s) for s in seeds],
            workers,
            f"C8 budget={budget:g}",
        )
        out.append({"budget": budget, "capture_index": _mean(rows, "capture_index")})
    return out


def measure_shock(seeds: Iterable[int], size: dict[str, Any], workers: int = 1) -> list[dict[str, Any]]:
    """The thread's counterexample: the salience_shock scenario's capture and passages before and after the shock."""
    rows = _map(_shock, [(s, size) for s in seeds], workers, "shock")
    return [
        {k: _mean(rows, k) for k in ("decisions_with_industry_before", "decisions_with_industry_after", "passed_before", "passed_after")}
    ]


#: Short name -> (title, measure); ``pacsim measure --only NAME`` runs a subset.
MEASURES: dict[str, tuple[str, Callable[..., list[dict[str, Any]]]]] = {
    "c3": ("C3 ad content (vote-share points per $1M for the side the PAC backs)", measure_ad_content),
    "c5": ("C5 deterrence (legislators opposing the industry, seeds' means)", measure_deterrence),
    "c6": ("C6 champions (share of industry-opposed bills passed)", measure_champions),
    "c7": ("C7 leadership gate (industry-opposed bills)", measure_gate),
    "c8": ("C8 budget (capture index)", measure_budget),
    "shock": ("Salience shock (salience_shock scenario)", measure_shock),
    "curve": ("C1/C2 capture curve (2 cycles)", measure_capture_curve),
    "racemap": ("Money: where the industry's money goes (per cycle)", measure_race_map),
    "swing": ("Money: swing in the closest House race (points)", measure_race_swing),
    "threat": ("Money: believed over realised threat, targeted legislators", measure_threat),
}


def _markdown(title: str, rows: list[dict[str, Any]]) -> str:
    keys = list(rows[0])

    def fmt(v: Any) -> str:
        return f"{v:.3g}" if isinstance(v, float) else str(v)

    lines = [f"### {title}", "", "| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(fmt(r[k]) for k in keys) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """This command's options on its ``pacsim`` subcommand."""
    seed = FIELDS["run.seed"]
    assert seed.lo is not None and seed.hi is not None, "the seed's range is in the schema"
    parser.add_argument("--seeds", type=integer_in(int(seed.lo), int(seed.hi)), nargs="+", default=[1, 2, 3])
    parser.add_argument("--workers", type=integer_in(1, MAX_WORKERS), default=2)
    parser.add_argument("--voters", type=integer, default=SIZE["electorate.n_voters"])
    parser.add_argument("--out", default="mechanisms.json")
    parser.add_argument("--only", action="append", choices=list(MEASURES), help="run only these measures (repeatable)")
    parser.add_argument(
        "--no-progress",
        "--quiet",
        dest="no_progress",
        action="store_true",
        help="hide the progress bars (they show only when stderr is a terminal)",
    )


def run(args: argparse.Namespace) -> int:
    """Run every measure (or those ``--only`` names) and print their tables."""
    size = {**SIZE, "electorate.n_voters": args.voters}
    # The worlds' size against the schema, and the output file's folder, before the first measure.
    build_params(size)
    check_output_file(Path(args.out))
    token = PROGRESS.set(not args.no_progress)
    results = {}
    try:
        for key in args.only or list(MEASURES):
            title, fn = MEASURES[key]
            results[title] = fn(args.seeds, size, args.workers)
            print(_markdown(title, results[title]), flush=True)
    finally:
        PROGRESS.reset(token)
    Path(args.out).write_text(json.dumps({"seeds": args.seeds, "size": size, "results": results}, indent=2, default=str) + "\n")
    return 0
