"""Display data for the live view, computed from a model's public state and tables.

Every function here is pure over its inputs and returns plain numbers, arrays or
DataFrames, so the app only draws and the tests need no browser. The legislature's
layout is the one exception that remembers: it is computed once per model (that is, once
per Reset) and cached on the model instance.
"""

from __future__ import annotations

import hashlib
import io
import math
import weakref
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from pacsim.agents.enums import Chamber, Party
from pacsim.model.calendar import Week

GROUPS: tuple[tuple[Chamber, Party], ...] = (
    (Chamber.HOUSE, Party.DEM),
    (Chamber.HOUSE, Party.REP),
    (Chamber.SENATE, Party.DEM),
    (Chamber.SENATE, Party.REP),
)
"""The four clusters of the network view, in drawing order."""

PIPELINE_STAGES = ("introduced", "gated", "on the floor", "passed")


# ----------------------------------------------------------------- formatting
def digest(*arrays: np.ndarray) -> str:
    """A short hash of some arrays' bytes: what a redraw is keyed on."""
    h = hashlib.blake2b(digest_size=12)
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def format_dollars(amount: float) -> str:
    """``1.3e8`` -> ``"$130.0M"``: dollars with a k, M or B suffix."""
    sign = "-" if amount < 0 else ""
    amount = abs(float(amount))
    for factor, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if amount >= factor:
            return f"{sign}${amount / factor:.1f}{suffix}"
    return f"{sign}${amount:.0f}"


def seat_label(model, seat: int) -> str:
    """A race's short name: ``H-12`` for a House district, ``S-7a`` for a state's first Senate seat."""
    if seat < model.n_house:
        return f"H-{seat + 1}"
    offset = seat - model.n_house
    return f"S-{offset // 2 + 1}{'ab'[offset % 2]}"


# --------------------------------------------------------------------- series
def steps_frame(model) -> pd.DataFrame:
    """The per-step reporters collected so far, one row per step from 0."""
    return model.datacollector.get_model_vars_dataframe().reset_index(drop=True)


def salience_series(steps: pd.DataFrame, issue_names: list[str]) -> pd.DataFrame:
    """Mean salience of each issue per step (columns are issue names)."""
    return pd.DataFrame({name: steps[f"salience_{name}"].to_numpy() for name in issue_names})


def capture_series(steps: pd.DataFrame) -> pd.Series:
    """Capture index per step: the share of contested decisions so far that went the industry's way (NaN before any)."""
    contested = steps["contested_votes"].to_numpy(dtype=float)
    with_industry = steps["contested_votes_with_industry"].to_numpy(dtype=float)
    out = np.full(contested.shape, np.nan)
    np.divide(with_industry, contested, out=out, where=contested > 0)
    return pd.Series(out, name="capture_index")


def stance_series(steps: pd.DataFrame) -> pd.DataFrame:
    """Legislators opposing, muted towards and supporting the industry donor, per step."""
    return steps[["opposing_industry", "muted", "supporting_industry"]].reset_index(drop=True)


def election_steps(steps: pd.DataFrame) -> list[int]:
    """Steps at which an election was held."""
    return [int(i) for i in np.flatnonzero(steps["phase"].to_numpy() == "election")]


def next_week(model, due: Callable[[Week], bool]) -> int | None:
    """The first week from the next step on (as the page counts weeks) in which ``due`` holds, within one cycle; None if none."""
    calendar = model.calendar
    for step in range(model.steps + 1, model.steps + 1 + calendar.steps_per_cycle):
        if calendar.finished(step - 1):
            return None
        if due(calendar.week(step)):
            return step
    return None


def shock_steps(model) -> list[int]:
    """Steps at which a salience shock was fired into the run (from the events table)."""
    return [int(row["step"]) for row in model.recorder.events]


# ------------------------------------------------------------------- monitors
@dataclass(frozen=True)
class Monitors:
    """The live numbers the page shows above the plots."""

    step: int
    cycle: int
    n_cycles: int
    phase: str
    house: dict[str, int]
    senate: dict[str, int]
    spent: dict[str, float]
    spent_cycle: dict[str, float]
    bills_introduced: int
    bills_gated: int
    bills_failed: int
    bills_passed: int
    target_issue: str
    target_salience: float
    capture_index: float
    opposing: int


def monitors(model) -> Monitors:
    """The monitors' values read from the model's last collected step and its agents."""
    last = steps_frame(model).iloc[-1]
    contested = float(last["contested_votes"])
    return Monitors(
        step=int(model.steps),
        cycle=int(model.cycle),
        n_cycles=int(model.params.run.n_cycles),
        phase=str(last["phase"]),
        house={"D": int(last["house_dem"]), "R": int(last["house_rep"])},
        senate={"D": int(last["senate_dem"]), "R": int(last["senate_rep"])},
        spent={d.name: float(d.spent_total) for d in model.donors},
        spent_cycle={d.name: float(d.spent_cycle) for d in model.donors},
        bills_introduced=int(last["bills_introduced"]),
        bills_gated=int(last["bills_gated"]),
        bills_failed=int(last["bills_failed"]),
        bills_passed=int(last["bills_passed"]),
        target_issue=model.electorate.issue_names[model.electorate.target],
        target_salience=float(last[f"salience_{model.electorate.issue_names[model.electorate.target]}"]),
        capture_index=float(last["contested_votes_with_industry"]) / contested if contested > 0 else math.nan,
        opposing=int(last["opposing_industry"]),
    )


def monitor_texts(m: Monitors) -> dict[str, str]:
    """Each monitor as the text the page shows, keyed by a stable test id."""
    donors = ", ".join(f"{name} {format_dollars(v)}" for name, v in m.spent.items() if v > 0 or name == "industry")
    return {
        "step": str(m.step),
        "cycle": f"{min(m.cycle + 1, m.n_cycles)} of {m.n_cycles}",
        "phase": m.phase,
        "house": f"D {m.house['D']} · R {m.house['R']}",
        "senate": f"D {m.senate['D']} · R {m.senate['R']}",
        "spent": donors,
        "bills-passed": f"{m.bills_passed} of {m.bills_introduced}",
        "salience": f"{100 * m.target_salience:.2f}%",
        "capture": "n/a" if math.isnan(m.capture_index) else f"{m.capture_index:.3f}",
        "opposing": str(m.opposing),
    }


# ---------------------------------------------------------------- the network
@dataclass(frozen=True)
class Layout:
    """Where each seat is drawn and the observation edges as line segments, fixed for one model."""

    xy: np.ndarray
    segments: np.ndarray
    group_of: np.ndarray
    group_centres: dict[tuple[Chamber, Party], tuple[float, float, float]]


_LAYOUTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
layout_computations = 0
"""How many layouts have been computed in this process (the tests check it stays one per model)."""


def sunflower(n: int, radius: float) -> np.ndarray:
    """``n`` points spread evenly over a disc (Vogel's sunflower spiral), innermost first."""
    if n == 0:
        return np.zeros((0, 2))
    k = np.arange(n) + 0.5
    r = radius * np.sqrt(k / n)
    theta = k * math.pi * (3.0 - math.sqrt(5.0))
    return np.column_stack([r * np.cos(theta), r * np.sin(theta)])


def compute_layout(chamber: np.ndarray, party: np.ndarray, stance: np.ndarray, graph: nx.Graph) -> Layout:
    """Four discs, House above Senate and Democrats left of Republicans; a disc's area grows with its seats.

    Within a disc, seats are ordered by stance at the time of layout, so members who share a
    stance start out as neighbours and later moves show as colour changes, not jumps.
    """
    global layout_computations
    layout_computations += 1
    n = chamber.shape[0]
    xy = np.zeros((n, 2))
    group_of = np.zeros(n, dtype=int)
    centres: dict[tuple[Chamber, Party], tuple[float, float, float]] = {}
    scale = 1.0 / math.sqrt(max(n, 1))
    for g, (c, p) in enumerate(GROUPS):
        members = np.flatnonzero((chamber.astype(str) == c.value) & (party == p.value))
        radius = 0.95 * scale * math.sqrt(members.size) if members.size else 0.0
        cx = -1.0 if p is Party.DEM else 1.0
        cy = 0.55 if c is Chamber.HOUSE else -0.75
        order = members[np.argsort(-np.abs(stance[members]), kind="stable")]
        xy[order] = sunflower(members.size, radius) + np.array((cx, cy))
        group_of[members] = g
        centres[(c, p)] = (cx, cy, radius)
    edges = np.array(list(graph.edges()), dtype=int).reshape(-1, 2)
    edges = edges[(edges < n).all(axis=1)]
    segments = np.stack([xy[edges[:, 0]], xy[edges[:, 1]]], axis=1) if edges.size else np.zeros((0, 2, 2))
    return Layout(xy=xy, segments=segments, group_of=group_of, group_centres=centres)


def layout_for(model) -> Layout:
    """The model's network layout, computed on first use and reused for every later frame."""
    layout = _LAYOUTS.get(model)
    if layout is None:
        party = model.seats.table.party.astype(np.int64)
        stance = model.seats.table.stance.copy()
        layout = compute_layout(np.asarray(model.chamber_of), party, stance, model.observation)
        _LAYOUTS[model] = layout
    return layout


@dataclass(frozen=True)
class NodeState:
    """What changes in the network from frame to frame: stance, party and donor money per seat."""

    stance: np.ndarray
    party: np.ndarray
    money: np.ndarray
    champion: np.ndarray


def node_state(model) -> NodeState:
    """Every seat holder's stance on the target issue, party, donor money received this cycle, and champion flag."""
    seats = model.seats
    return NodeState(
        stance=seats.table.stance.copy(),
        party=seats.table.party.astype(np.int64),
        money=np.array([s.money_for + s.money_against for s in seats]),
        champion=np.array([bool(s.is_champion) for s in seats]),
    )


def node_sizes(money: np.ndarray, smallest: float = 6.0, largest: float = 260.0) -> np.ndarray:
    """Marker areas: the smallest for no money, growing with the square root of money up to the largest."""
    top = float(money.max()) if money.size else 0.0
    if top <= 0:
        return np.full(money.shape, smallest)
    return smallest + (largest - smallest) * np.sqrt(np.clip(money, 0, None) / top)


# -------------------------------------------------------------------- money
def race_money(model, top: int = 12) -> pd.DataFrame:
    """Donor money per race this cycle, the largest races first; the last election's races while nothing is spent yet.

    Columns: ``race``, ``donor``, ``side`` ("for incumbent" or "against incumbent"),
    ``amount``; the frame's ``attrs["period"]`` says which cycle it covers.
    """
    ledger = model.money
    rows: list[dict] = []
    if ledger.per_seat().sum() > 0:
        period = f"cycle {model.cycle + 1}, so far"
        for d, donor in enumerate(model.donors):
            for side, money in (("for incumbent", ledger.for_incumbent), ("against incumbent", ledger.against_incumbent)):
                for seat in np.flatnonzero(money[:, d] > 0):
                    rows.append({"seat": int(seat), "donor": donor.name, "side": side, "amount": float(money[seat, d])})
    else:
        races = model.recorder.races
        last_cycle = max((r["cycle"] for r in races), default=None)
        period = f"cycle {last_cycle + 1} election" if last_cycle is not None else "no spending yet"
        for r in races:
            if r["cycle"] != last_cycle:
                continue
            for donor in model.donors:
                for side, key in (("for incumbent", "for_incumbent"), ("against incumbent", "against_incumbent")):
                    amount = float(r.get(f"{donor.name}_{key}", 0.0))
                    if amount > 0:
                        rows.append({"seat": int(r["seat"]), "donor": donor.name, "side": side, "amount": amount})
    frame = pd.DataFrame(rows, columns=["seat", "donor", "side", "amount"])
    if not frame.empty:
        totals = frame.groupby("seat")["amount"].sum().sort_values(ascending=False)
        keep = totals.index[:top]
        frame = frame[frame["seat"].isin(keep)].copy()
        frame["order"] = frame["seat"].map({s: i for i, s in enumerate(keep)})
        frame = frame.sort_values(["order", "donor", "side"]).drop(columns="order")
        frame.insert(0, "race", [seat_label(model, s) for s in frame["seat"]])
        frame.attrs["n_races"] = int(totals.size)
    else:
        frame.insert(0, "race", pd.Series(dtype=str))
        frame.attrs["n_races"] = 0
    frame.attrs["period"] = period
    return frame.reset_index(drop=True)


def bill_pipeline(bills: list[dict]) -> dict[str, int]:
    """Bills introduced, kept off a floor by a leader's gate, given at least one floor vote, and passed.

    A bill that passed the House floor and was then gated in the Senate counts both as
    gated and as having reached a floor.
    """
    introduced = len(bills)
    gated = sum(1 for b in bills if b["fate"] == "gated")
    floor = sum(1 for b in bills if b["house_yea"] + b["house_nay"] + b["senate_yea"] + b["senate_nay"] > 0)
    passed = sum(1 for b in bills if b["fate"] == "passed")
    return {"introduced": introduced, "gated": gated, "on the floor": floor, "passed": passed}


# ------------------------------------------------------------------- export
def tables_zip(model) -> bytes:
    """Every table of the run so far as CSV files in one zip archive."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, frame in model.tables().items():
            archive.writestr(f"{name}.csv", frame.to_csv(index=False))
    return buffer.getvalue()
