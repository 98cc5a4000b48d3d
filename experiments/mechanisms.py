"""Measures of the thread's strategic mechanisms (C3, C5-C8, the salience shock), each from agents' choices.

``pacsim measure`` runs every measure at a moderate size (20,000 voters,
the full 435 + 100 seats, three seeds) on a process pool, prints a Markdown table and
writes the numbers to ``mechanisms.json``. The functions are also what the behaviour tests
call, at smaller sizes.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from pacsim.experiments.runner import simulate
from pacsim.model.model import PacsimModel
from pacsim.model.outcomes import capture_index, summarise
from pacsim.model.params import Params, build_params
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
    before, after = votes[votes["step"] < at], votes[votes["step"] >= at]
    return {
        "seed": seed,
        "capture_before": capture_index(before),
        "capture_after": capture_index(after),
        "passed_before": float(bills[bills["step"] < at]["passed"].sum()),
        "passed_after": float(bills[bills["step"] >= at]["passed"].sum()),
    }


def _map(fn: Callable[[Any], dict[str, Any]], jobs: list[Any], workers: int, label: str) -> list[dict[str, Any]]:
    if workers <= 1:
        return [fn(j) for j in tqdm(jobs, desc=label, leave=False)]
    with ProcessPoolExecutor(workers) as pool:
        return list(tqdm(pool.map(fn, jobs), total=len(jobs), desc=label, leave=False))


def _mean(rows: Iterable[dict[str, Any]], key: str) -> float:
    values = [r[key] for r in rows if not np.isnan(r[key])]
    return float(np.mean(values)) if values else float("nan")


def measure_ad_content(seeds: Iterable[int], size: dict[str, Any], workers: int = 1) -> list[dict[str, Any]]:
    """C3: swing per $1M for savvy and naive ads, at low and high target salience."""
    jobs = [(s, sal, seed, size) for s in ("savvy", "naive") for sal in (0.02, 0.3) for seed in seeds]
    rows = _map(_ad_content, jobs, workers, "C3 ad content")
    return [
        {"strategy": s, "salience": sal,
         "swing_points_per_million": _mean([r for r in rows if r["strategy"] == s and r["salience"] == sal], "swing_points_per_million")}
        for s in ("savvy", "naive") for sal in (0.02, 0.3)
    ]


def measure_deterrence(seeds: Iterable[int], size: dict[str, Any], workers: int = 1) -> list[dict[str, Any]]:
    """C5: legislators opposing the industry before and after a cycle with a few decisive races, by targeting.

    The PAC arrives unannounced, so legislators learn its price only by watching what it
    does to the colleagues it targets. A run with no PAC money is the control.
    """
    base = {**size, "run.n_cycles": 2, "industry.announce": False}
    out = []
    for label, budget in (("industry PAC", None), ("no PAC money", 0.0)):
        overrides = base if budget is None else {**base, "industry.budget": budget}
        rows = _map(_summary, [(overrides, s) for s in seeds], workers, f"C5 {label}")
        out.append({"world": label, **{k: _mean(rows, f"deterrence_{k}") for k in (
            "targeted_n", "targeted_opposing_before", "targeted_opposing_after",
            "untargeted_n", "untargeted_opposing_before", "untargeted_opposing_after")}})
    return out


def measure_champions(seeds: Iterable[int], size: dict[str, Any], workers: int = 1, counts: Iterable[int] = (0, 25, 100, 250, 400)) -> list[dict[str, Any]]:
    """C6: share of bills passed against the number of champions, with and without the leader's gate."""
    out = []
    for gate in (True, False):
        for n in counts:
            rows = _map(_summary, [({**size, "politicians.champions": n, "legislature.leadership_gate": gate}, s) for s in seeds],
                        workers, f"C6 champions={n}")
            out.append({"gate": gate, "champions": n, "passage_rate": _mean(rows, "share_passed")})
    return out


def measure_gate(seeds: Iterable[int], size: dict[str, Any], workers: int = 1) -> list[dict[str, Any]]:
    """C7: where bills the industry opposes die (gate or floor), with and without the gate, and roll rates."""
    out = []
    for salience in (0.02, 0.1):
        for gate in (True, False):
            rows = _map(_summary, [({**size, "target.salience": salience, "legislature.leadership_gate": gate}, s) for s in seeds],
                        workers, f"C7 gate={gate}")
            out.append({"salience": salience, "gate": gate, **{k: _mean(rows, k) for k in (
                "share_died_at_gate", "share_died_on_floor", "share_passed", "house_majority_roll_rate", "house_minority_roll_rate")}})
    return out


def measure_budget(seeds: Iterable[int], size: dict[str, Any], workers: int = 1) -> list[dict[str, Any]]:
    """C8: capture index against the industry's budget, over orders of magnitude."""
    out = []
    for budget in (0.0, 1e6, 1e7, 3e7, 1e8, 1e9):
        rows = _map(_summary, [({**size, "industry.budget": budget}, s) for s in seeds], workers, f"C8 budget={budget:g}")
        out.append({"budget": budget, "capture_index": _mean(rows, "capture_index")})
    return out


def measure_shock(seeds: Iterable[int], size: dict[str, Any], workers: int = 1) -> list[dict[str, Any]]:
    """The thread's counterexample: the salience_shock scenario's capture and passages before and after the shock."""
    rows = _map(_shock, [(s, size) for s in seeds], workers, "shock")
    return [{k: _mean(rows, k) for k in ("capture_before", "capture_after", "passed_before", "passed_after")}]


MEASURES = {
    "C3 ad content (vote-share points per $1M for the side the PAC backs)": measure_ad_content,
    "C5 deterrence (legislators opposing the industry, summed over seeds' means)": measure_deterrence,
    "C6 champions (share of industry-opposed bills passed)": measure_champions,
    "C7 leadership gate (industry-opposed bills)": measure_gate,
    "C8 budget (capture index)": measure_budget,
    "Salience shock (salience_shock scenario)": measure_shock,
}


def _markdown(title: str, rows: list[dict[str, Any]]) -> str:
    keys = list(rows[0])
    fmt = (lambda v: f"{v:.3g}" if isinstance(v, float) else str(v))
    lines = [f"### {title}", "", "| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(fmt(r[k]) for k in keys) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """This command's options on its ``pacsim`` subcommand."""
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--voters", type=int, default=SIZE["electorate.n_voters"])
    parser.add_argument("--out", default="mechanisms.json")


def run(args: argparse.Namespace) -> int:
    """Run every measure and print the table."""
    size = {**SIZE, "electorate.n_voters": args.voters}
    results = {}
    for title, fn in MEASURES.items():
        results[title] = fn(args.seeds, size, args.workers)
        print(_markdown(title, results[title]), flush=True)
    Path(args.out).write_text(json.dumps({"seeds": args.seeds, "size": size, "results": results}, indent=2, default=str) + "\n")
    return 0
