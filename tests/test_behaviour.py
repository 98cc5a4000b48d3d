"""Behaviour tests on tiny hand-built worlds with exact expectations (in the manner of Axelrod's versus_test)."""

from __future__ import annotations

import numpy as np
import pytest

from pacsim.agents import Donor, Leadership, Party, Side
from pacsim.agents.politician import reelection_chance
from pacsim.model.model import PacsimModel
from pacsim.model.params import AdStrategy

BILL, STATUS_QUO = -0.5, 0.5


def tiny_world(target_attention: float, threat: float, conviction: float = 0.0, capital: float = 1.0) -> tuple[PacsimModel, int, int]:
    """One House district of three voters who all sit at -0.8 on the target issue (the donor is at +1).

    On every background issue the voters stand where the other party's platform does, so
    the member has weak spots an attack ad can prime. ``target_attention`` is each voter's
    share of attention on the target issue; the rest is spread evenly over the background
    issues. The House member believes the industry would
    spend ``threat`` dollars against it if it opposed the industry, and nothing else.
    Returns the model and the grid columns of the bill and of the status quo.
    """
    model = PacsimModel({
        "electorate.n_voters": 3, "legislature.house_seats": 1, "legislature.senate_seats": 2,
        "legislature.bills_per_session": 0, "run.steps_per_cycle": 8, "run.campaign_steps": 2,
        "run.n_cycles": 1, "salience.heterogeneity": 0.0,
    }, rng=1)
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


def test_attentive_district_beats_the_donor() -> None:
    """A member whose voters attend to the issue and disagree with the donor votes with them."""
    model, bill, sq = tiny_world(target_attention=0.9, threat=5e6)
    assert model.seats[0].cast_vote(model.outlook.row(0), model.incentives, bill, sq) is True


def test_inattentive_district_and_credible_threat_side_with_donor() -> None:
    """The same voters, now barely attending, lose to a credible $5M threat: the member votes with the donor."""
    model, bill, sq = tiny_world(target_attention=0.001, threat=5e6)
    assert model.seats[0].cast_vote(model.outlook.row(0), model.incentives, bill, sq) is False


def test_inattentive_district_without_threat_votes_with_district() -> None:
    """Take the threat away and the inattentive district still wins: money acts only through votes."""
    model, bill, sq = tiny_world(target_attention=0.001, threat=0.0)
    assert model.seats[0].cast_vote(model.outlook.row(0), model.incentives, bill, sq) is True


def test_champion_holds_until_capital_runs_out() -> None:
    """A high-conviction member holds against the donor, paying capital each vote, then gives way.

    Each yea costs the re-election probability it forgoes, ``cost``; the member votes yea
    while its capital is positive, so with 4.5 × cost in hand it holds exactly five times.
    """
    model, bill, sq = tiny_world(target_attention=0.001, threat=5e6, conviction=1.0)
    member, outlook = model.seats[0], model.outlook.row(0)
    chance = reelection_chance(outlook, member.beliefs, model.incentives)[0]
    cost = chance[sq] - chance[bill]
    assert cost > 0
    member.capital = 4.5 * cost
    votes = [member.cast_vote(outlook, model.incentives, bill, sq) for _ in range(8)]
    assert votes == [True] * 5 + [False] * 3
    assert member.capital == pytest.approx(-0.5 * cost)


def test_choose_stance_matches_vote() -> None:
    """The public stance follows the same calculus: opposing the donor when attentive, not when threatened."""
    model, _, _ = tiny_world(target_attention=0.9, threat=5e6)
    assert model.seats[0].choose_stance(model.outlook.row(0), model.incentives) < 0
    model, _, _ = tiny_world(target_attention=0.001, threat=5e6)
    assert model.seats[0].choose_stance(model.outlook.row(0), model.incentives) >= -model.params.politicians.muted_band


def test_donor_spends_by_competitiveness_within_budget() -> None:
    """The donor splits a step's money over opponents and allies in proportion to race closeness."""
    model, _, _ = tiny_world(target_attention=0.01, threat=0.0)
    donor = Donor(model, name="pac", budget=1000.0, position=1.0, intensity=1.0, attack_share=0.75, strategy="savvy",
                  target_issue=4, focus=1.0, announce=True, counter=0.0, primary_share=0.0, max_targets=0)
    weight = np.array([1.0, 0.5, 0.25, 1.0])
    sides = np.array([Side.OPPONENT, Side.OPPONENT, Side.ALLY, Side.MUTED])
    up = np.array([True, True, True, True])
    against, for_ = donor.allocate_budget(weight, sides, up, steps_left=2)
    np.testing.assert_allclose(against, [250.0, 125.0, 0.0, 0.0])
    np.testing.assert_allclose(for_, [0.0, 0.0, 125.0, 0.0])
    donor.allocate_budget(weight, sides, up, steps_left=1)
    assert donor.spent_cycle == pytest.approx(1000.0)
    donor.allocate_budget(weight, sides, up, steps_left=1)
    assert donor.spent_cycle == pytest.approx(1000.0)


def test_ad_content_savvy_versus_naive() -> None:
    """Savvy ads go where the target is weakest; naive ads talk about the donor's own issue."""
    model, _, _ = tiny_world(target_attention=0.01, threat=0.0)
    weakness = np.array([[0.1, 0.5, 0.2, 0.0, 0.01], [0.3, 0.1, 0.1, 0.1, 0.02]])
    savvy = Donor.from_params(model, "s", model.params.industry, target_issue=4)
    naive = Donor.from_params(model, "n", model.params.industry.model_copy(update={"strategy": AdStrategy.NAIVE}), target_issue=4)
    assert savvy.choose_ad_issue(weakness).tolist() == [1, 0]
    assert naive.choose_ad_issue(weakness).tolist() == [4, 4]


@pytest.mark.parametrize(("support", "floor"), [([0.1, 0.2, -0.3], True), ([-0.1, 0.2, -0.3], False), ([], False)])
def test_leader_gates_on_caucus_median(support: list[float], floor: bool) -> None:
    """A bill reaches the floor only when the majority caucus's median member supports it."""
    model, _, _ = tiny_world(target_attention=0.01, threat=0.0)
    leader = Leadership(model, chamber=model.seats[0].chamber, party=Party.DEM, majority_weight=0.0, money_value=0.0)
    assert leader.gate_bill(np.array(support)) is floor


def test_voter_view_reads_and_writes_the_arrays() -> None:
    """A Voter agent is a view: writing through it changes the electorate's arrays and back."""
    model, _, _ = tiny_world(target_attention=0.01, threat=0.0)
    voter = model.voters[1]
    voter.turnout = 0.25
    assert model.electorate.turnout[1] == 0.25
    model.electorate.positions[1, 0] = 0.5
    assert voter.positions[0] == 0.5
    assert voter.salience.sum() == pytest.approx(1.0)
    assert voter.district == 0 and voter in model.agents_by_type[type(voter)]
