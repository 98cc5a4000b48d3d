"""Small worlds for the tests: electorates that keep every behavioural default, only smaller."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np

from pacsim.agents import Party
from pacsim.model.model import PacsimModel
from pacsim.model.params import Params, build_params

#: Smaller than the default scenario only in size (20,000 voters, two cycles): behaviour parameters stay at their defaults.
SMALL = {"electorate.n_voters": 20_000, "run.n_cycles": 2}

#: A miniature legislature for invariant and determinism tests.
MINI = {
    "electorate.n_voters": 3_000,
    "legislature.house_seats": 40,
    "legislature.senate_seats": 10,
    "run.n_cycles": 3,
    "run.steps_per_cycle": 26,
    "run.campaign_steps": 6,
}


#: `pacsim run` on a miniature world: well under a second, so a check that failed to refuse costs a second, not minutes.
RUN = [
    "run",
    "--no-progress",
    "--cycles",
    "1",
    "--set",
    "electorate.n_voters=1000",
    "--set",
    "legislature.house_seats=20",
    "--set",
    "legislature.senate_seats=4",
    "--set",
    "run.steps_per_cycle=8",
    "--set",
    "run.campaign_steps=2",
]


def small_params(**overrides: object) -> Params:
    """SMALL plus dotted-path overrides (``target__salience`` for ``target.salience``)."""
    return build_params({**SMALL, **{k.replace("__", "."): v for k, v in overrides.items()}})


def mini_params(**overrides: object) -> Params:
    """MINI plus dotted-path overrides."""
    return build_params({**MINI, **{k.replace("__", "."): v for k, v in overrides.items()}})


#: Positions of the hand-built world's bill and status quo on the target issue.
BILL, STATUS_QUO = -0.5, 0.5


#: One House district of three voters and its state's two senators, one short cycle, no background bills.
THREE_VOTERS = {
    "electorate.n_voters": 3,
    "legislature.house_seats": 1,
    "legislature.senate_seats": 2,
    "legislature.bills_per_session": 0,
    "run.steps_per_cycle": 8,
    "run.campaign_steps": 2,
    "run.n_cycles": 1,
    "salience.heterogeneity": 0.0,
}


def tiny_world(target_attention: float, threat: float, conviction: float = 0.0, capital: float = 1.0) -> tuple[PacsimModel, int, int]:
    """One House district of three voters who all sit at -0.8 on the target issue (the donor is at +1).

    On every background issue the voters stand where the other party's platform does, so
    the member has weak spots an attack ad can prime. ``target_attention`` is each voter's
    share of attention on the target issue; the rest is spread evenly over the background
    issues. The House member believes the industry would
    spend ``threat`` dollars against it if it opposed the industry, and nothing else.
    Returns the model and the grid columns of the bill and of the status quo.
    """
    model = PacsimModel(THREE_VOTERS, rng=1)
    k = model.electorate.n_issues
    member = model.seats[0]
    for voter in model.voters:
        voter.positions[:-1] = -member.party * model.params.politicians.platform_distance
        voter.positions[-1] = -0.8
        voter.attention = np.append(np.full(k - 1, (1.0 - target_attention) / (k - 1)), target_attention)
        voter.turnout = 1.0
        voter.exposure = 1.0
    model.electorate.refresh_salience()
    member.ideal, member.conviction, member.capital = -1.0, conviction, capital
    member.threat_belief[:] = [threat, 0.0]
    member.protect_belief[:] = 0.0
    member.threat_effect[:] = 1.0
    model.refresh_outlook()
    bill = int(np.flatnonzero(model.positions == BILL)[0])
    status_quo = int(np.flatnonzero(model.positions == STATUS_QUO)[0])
    return model, bill, status_quo


def hand_built_legislature(
    house: list[tuple[Party, float]], senate: list[tuple[Party, float]], *, conviction: float = 1.0, **overrides: object
) -> PacsimModel:
    """A legislature whose members are given as (party, ideal on the target issue), on an electorate that ignores the target issue.

    No voter pays the target issue any attention and no member expects a donor to spend
    on it, so every member's re-election chance is the same at every target-issue position
    and its vote on a target-issue bill is decided by its ``conviction`` alone: yea exactly
    when the bill is nearer its ideal than the status quo is. Each chamber's leader
    belongs to its majority. ``overrides`` are dotted-path parameters (``a__b`` for ``a.b``).
    """
    n_house, n_senate = len(house), len(senate)
    model = PacsimModel(
        {
            "electorate.n_voters": 2 * n_house,
            "legislature.house_seats": n_house,
            "legislature.senate_seats": n_senate,
            "legislature.bills_per_session": 0,
            "run.steps_per_cycle": 8,
            "run.campaign_steps": 2,
            "run.n_cycles": 1,
            "salience.heterogeneity": 0.0,
            "industry.budget": 0.0,
            **{k.replace("__", "."): v for k, v in overrides.items()},
        },
        rng=1,
    )
    model.electorate.attention[:, -1] = 0.0
    model.electorate.refresh_salience()
    for member, (party, ideal) in zip(model.seats, [*house, *senate], strict=True):
        member.party, member.ideal, member.conviction, member.capital = party, ideal, conviction, 1.0
        member.threat_belief[:] = 0.0
        member.protect_belief[:] = 0.0
        member.threat_effect[:] = 1.0
    model.legislature.renew_leaders()
    model.refresh_outlook()
    return model


# Experiment files on a miniature world, shared by the experiment tests.
TINY = """
[fixed]
"electorate.n_voters" = 3000
"legislature.house_seats" = 60
"legislature.senate_seats" = 10
"run.steps_per_cycle" = 26
"run.campaign_steps" = 6
"""

GOOD = (
    """
[experiment]
name = "tiny"
scenario = "default"
design = "factorial"
replicates = 2
master_seed = 11
n_cycles = 1
outcomes = ["capture_index", "passage_rate"]
tables = ["steps", "bills", "votes"]
"""
    + TINY
    + """
[vary]
"target.salience" = [0.02, 0.3]
industry.budget = {lo = 1e6, hi = 1e8, log = true, steps = 2}
"""
)


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    """An experiment file with ``text`` under ``tmp_path``."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


SWEEP = (
    """
[experiment]
name = "kill_me"
design = "latin"
samples = 12
replicates = 2
master_seed = 5
n_cycles = 1
outcomes = ["capture_index"]
tables = ["steps", "bills"]
"""
    + TINY
    + """
[vary]
"target.salience" = {lo = 0.01, hi = 0.4}
"industry.strategy" = ["savvy", "naive"]
"""
)

#: Tables whose every cell must match between sweeps of the same master seed.
DETERMINISTIC = ("outcomes", "steps", "bills")
#: Runs-table columns that describe when and where a run ran, which may differ.
TIMING = ["started", "finished", "duration_s", "worker"]
