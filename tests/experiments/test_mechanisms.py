"""One behaviour test per strategic mechanism (C3, C5-C8, opposing PAC, primaries, shock), with seeds and tolerances.

Each test measures an effect on a smaller world than the shipped measures
(``pacsim measure``) and checks its direction. Nothing in the model
writes these effects in: they come from legislators', donors' and leaders' choices.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pacsim.experiments.mechanisms import (
    measure_ad_content,
    measure_budget,
    measure_champions,
    measure_deterrence,
    measure_gate,
    measure_shock,
)
from pacsim.experiments.runner import simulate
from pacsim.model.model import PacsimModel
from pacsim.model.outcomes import summarise
from pacsim.model.params import build_params

SEEDS = (1, 2)
SIZE = {"electorate.n_voters": 10_000, "run.n_cycles": 1}


@pytest.mark.slow
def test_c3_savvy_ads_beat_naive_ads_which_backfire_at_low_salience() -> None:
    """Off-issue ads buy votes; ads on a low-salience issue where the public disagrees lose them."""
    rows = {(r["strategy"], r["salience"]): r["swing_points_per_million"] for r in measure_ad_content(SEEDS, SIZE)}
    assert rows[("savvy", 0.02)] > 0.05
    assert rows[("naive", 0.02)] < 0.0
    assert rows[("savvy", 0.3)] > rows[("naive", 0.3)]


def test_c5_untargeted_legislators_go_quiet_after_decisive_races() -> None:
    """After a cycle in which an unannounced PAC made examples, opponents it never targeted fall away; without its money they do not."""
    _, pac, control = measure_deterrence(SEEDS, SIZE)
    assert pac["targeted_n"] > 0
    assert pac["untargeted_opposing_after"] < 0.85 * pac["untargeted_opposing_before"]
    assert control["untargeted_opposing_after"] >= 0.95 * control["untargeted_opposing_before"]


@pytest.mark.slow
def test_c6_a_few_champions_cannot_pass_a_bill() -> None:
    """A handful of champions pass nothing a majority would not; a majority of them passes bills through both chambers."""
    rows = {(r["gate"], r["champions"]): r["passage_rate"] for r in measure_champions(SEEDS, SIZE, counts=(0, 25, 400))}
    assert rows[(True, 0)] == rows[(True, 25)] == 0.0
    assert rows[(True, 400)] > 0.5
    assert rows[(False, 25)] <= rows[(False, 0)] + 0.2
    assert rows[(False, 400)] > rows[(False, 25)] + 0.5


@pytest.mark.slow
def test_c7_gate_kills_bills_before_the_floor() -> None:
    """With the leader's gate, industry-opposed bills die at the gate; without it, they die on the floor instead."""
    rows = {(r["salience"], r["gate"]): r for r in measure_gate(SEEDS, SIZE)}
    assert rows[(0.02, True)]["share_died_at_gate"] >= 0.9
    assert rows[(0.02, False)]["share_died_at_gate"] == 0.0
    assert rows[(0.02, False)]["share_died_on_floor"] >= 0.9


def test_c7_leader_weighs_caucus_fundraising() -> None:
    """The same world at moderate salience: a leader who prizes donor money gates more bills than one who does not."""
    counts = []
    for value in (0.0, 1.0):
        gated = [
            summarise(simulate(build_params({**SIZE, "target.salience": 0.2, "leadership.money_value": value, "run.seed": s})))[
                "share_died_at_gate"
            ]
            for s in SEEDS
        ]
        counts.append(np.mean(gated))
    assert counts[1] > counts[0]


@pytest.mark.slow
def test_c8_capture_rises_with_budget() -> None:
    """Capture grows with the budget over orders of magnitude, from the no-money baseline to near-complete."""
    rows = {r["budget"]: r["capture_index"] for r in measure_budget(SEEDS, SIZE)}
    assert rows[0.0] < 0.4
    assert rows[1e9] > 0.85
    assert rows[1e9] - rows[0.0] > 0.5


def _opposing_protection(industry_budget: float) -> tuple[float, pd.DataFrame]:
    """(opposing PAC's spending, its protection money per seat) in one cycle, with the industry spending ``industry_budget``."""
    world = {**SIZE, "industry.announce": False, "industry.budget": industry_budget, "opposing.budget": 20e6, "run.seed": 1}
    tables = simulate(build_params(world))
    spending = tables["spending"]
    return summarise(tables)["spent_opposing"], spending


def test_opposing_pac_spends_against_the_industry_and_follows_its_attacks() -> None:
    """A second PAC on the other side spends; bidding after the industry, it protects the members the industry attacks."""
    spent, with_industry = _opposing_protection(100e6)
    attacked = set(with_industry[(with_industry["donor"] == "industry") & (with_industry["side"] == "against_incumbent")]["seat"])
    _, alone = _opposing_protection(0.0)

    def share_on_attacked(spending: pd.DataFrame) -> float:
        defended = spending[(spending["donor"] == "opposing") & (spending["side"] == "for_incumbent")]
        return float(defended[defended["seat"].isin(attacked)]["amount"].sum() / defended["amount"].sum())

    assert spent > 0 and attacked
    assert share_on_attacked(with_industry) > share_on_attacked(alone)


def test_primaries_let_donors_back_a_rival_in_safe_seats() -> None:
    """With House primaries, the industry spends in primaries of safe seats behind rivals on its side."""
    model = PacsimModel(
        build_params(
            {**SIZE, "industry.announce": False, "legislature.primaries_house": True, "industry.primary_share": 0.5, "run.seed": 1}
        )
    ).run()
    tables = model.tables()
    races, spending = tables["races"], tables["spending"]
    primaries = races[races["stage"] == "primary"]
    fought = primaries[primaries["seat"].isin(set(spending[spending["stage"] == "primary"]["seat"]))]
    assert len(primaries) > 0 and len(fought) > 0
    assert (fought["challenger_stance"] > model.params.politicians.muted_band).all()
    primary_pot = model.params.industry.budget * model.params.industry.attack_share * model.params.industry.primary_share
    assert 0 < spending[spending["stage"] == "primary"]["amount"].sum() <= primary_pot * (1 + 1e-9)
    assert (primaries["share_incumbent"] + primaries["share_challenger"]).between(1 - 1e-12, 1 + 1e-12).all()


def test_open_seats_hold_primaries_a_donor_can_fight() -> None:
    """Where members retire, the open seat's nominee is chosen in a primary too, and the industry can back a rival there.

    Every seat that is up is open (``retirement_rate`` 1): every primary is an open seat's,
    between two newcomers, neither with a sitting member's edge. The industry's primary
    money goes to rivals on its side against nominees who opposed it when it planned; by
    primary day some of them have gone quiet, none has come over to its side.
    """
    model = PacsimModel(
        build_params(
            {
                **SIZE,
                "legislature.primaries_house": True,
                "legislature.retirement_rate": 1.0,
                "industry.primary_share": 0.5,
                "run.seed": 2,
            }
        )
    ).run()
    tables = model.tables()
    races, spending = tables["races"], tables["spending"]
    primaries = races[races["stage"] == "primary"]
    house_up = model.params.legislature.house_seats
    assert len(primaries) == house_up
    assert primaries["open_seat"].all() and not primaries["sitting_member"].any()
    industry = spending[(spending["donor"] == "industry") & (spending["stage"] == "primary")]
    fought = primaries[primaries["seat"].isin(set(industry["seat"]))]
    assert len(fought) > 0 and industry["amount"].sum() > 0
    assert (fought["incumbent_stance"] <= model.params.politicians.muted_band).all()
    assert (fought["incumbent_stance"] < -model.params.politicians.muted_band).any()
    assert (fought["challenger_stance"] > model.params.politicians.muted_band).all()


def test_salience_shock_swings_decisions_towards_voters() -> None:
    """When the issue suddenly becomes salient mid-run, legislators' decisions swing towards the voters' side.

    Decisions are every member's position on every bill, floor votes and the whip counts of
    gated bills alike; how many bills the swing passes is a finding (README), not asserted.
    """
    (row,) = measure_shock((1,), {"electorate.n_voters": 20_000})
    assert row["decisions_with_industry_after"] < row["decisions_with_industry_before"]
