"""Politicians' calculus on tiny hand-built worlds with exact expectations (in the manner of Axelrod's versus_test)."""

from __future__ import annotations

import numpy as np
import pytest
from worlds import small_params, tiny_world

from pacsim.agents import Side
from pacsim.agents.politician import court_backer, observe_colleagues, reelection_chance, side_of
from pacsim.model.model import PacsimModel
from pacsim.viz import data


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


def test_side_of_ground_truth() -> None:
    """Stances beyond the muted band on a donor's side are allies, on the other side opponents."""
    sides = side_of(np.array([-0.5, 0.05, 0.5]), np.array([1.0, -1.0]), band=0.1)
    ground_truth = [[Side.OPPONENT, Side.ALLY], [Side.MUTED, Side.MUTED], [Side.ALLY, Side.OPPONENT]]
    assert sides.tolist() == ground_truth


@pytest.mark.parametrize(
    ("stance", "donor", "backed", "ground_truth"),
    [
        (-0.5, 1.0, 0.5, 0.5),
        (0.75, 1.0, 0.5, 0.75),
        (0.2, -1.0, -0.5, -0.5),
        (-0.8, -1.0, -0.5, -0.8),
    ],
)
def test_court_backer_ground_truth(stance: float, donor: float, backed: float, ground_truth: float) -> None:
    """A backed challenger moves to the PAC's side unless it already stands further out on it."""
    assert court_backer(stance, donor, backed) == ground_truth


def test_observe_colleagues_ground_truth() -> None:
    """Seen, mean spend and apparent effect of attacks from four watched seats, one of them lost.

    Seat 0 watches 1 and 2 (both targeted, seat 1 lost), seat 1 watches 0 and 3 (neither
    targeted, seat 3 lost), seat 2 watches nobody, seat 3 watches seat 1. Half the chamber's
    untargeted members lost, the rate that stands in where a member watched none.
    """
    watch = np.array([[0, 1, 1, 0], [1, 0, 0, 1], [0, 0, 0, 0], [0, 1, 0, 0]], dtype=float)
    against = np.array([0.0, 10e6, 20e6, 0.0])
    up = np.ones(4, dtype=bool)
    lost = np.array([False, True, False, True])
    seen, spend, effect = observe_colleagues(watch, against, up, lost, defeat_weight=2.0)
    assert seen.tolist() == [True, False, False, True]
    np.testing.assert_allclose(spend, [15e6, 0.0, 0.0, 10e6])
    np.testing.assert_allclose(effect, [1.0, 0.0, 0.0, 2.0])


def test_learning_moves_beliefs_only_for_what_was_seen() -> None:
    """After an election a legislator moves its threat belief towards what it saw, and only for donors it saw."""
    model, _, _ = tiny_world(target_attention=0.01, threat=1e6)
    member = model.seats[0]
    member.learn_from_election(np.array([5e6, 9e6]), np.array([2.0, 3.0]), np.array([True, False]), rate=0.5)
    np.testing.assert_allclose(member.threat_belief, [3e6, 0.0])
    np.testing.assert_allclose(member.threat_effect, [1.5, 1.0])


def test_a_seat_holders_state_is_its_seats_row_and_a_replaced_holder_keeps_its_own() -> None:
    """The legislature's table and the agents are one state: a write to either is the other's, and a seat's change moves it."""
    model, _, _ = tiny_world(target_attention=0.01, threat=1e6)
    leg = model.legislature
    table = leg.seats.table
    holder = leg.seats[0]
    holder.stance, holder.capital = 0.25, 0.75
    holder.threat_belief[:] = [4e6, 5e6]
    assert (table.stance[0], table.capital[0]) == (0.25, 0.75)
    np.testing.assert_array_equal(table.threat_belief[0], [4e6, 5e6])
    table.protect_belief[0] = [1e6, 2e6]
    np.testing.assert_array_equal(holder.protect_belief, [1e6, 2e6])
    newcomer = leg.recruit(0, holder.party.other, incumbent=False, stance=-0.5)
    newcomer.threat_effect[:] = [2.0, 3.0]
    leg.seats[0] = newcomer
    assert leg.seats[0] is newcomer
    assert (table.stance[0], table.party[0], bool(table.incumbent[0])) == (-0.5, float(holder.party.other), False)
    np.testing.assert_array_equal(table.threat_effect[0], [2.0, 3.0])
    np.testing.assert_array_equal(table.threat_belief[0], [0.0, 0.0])
    # The member who left keeps what it had, and no longer writes the seat's row.
    assert (holder.stance, holder.capital, holder.party) == (0.25, 0.75, newcomer.party.other)
    np.testing.assert_array_equal(holder.threat_belief, [4e6, 5e6])
    np.testing.assert_array_equal(holder.protect_belief, [1e6, 2e6])
    holder.stance = 1.0
    assert table.stance[0] == -0.5
    newcomer.capital = 0.5
    assert leg.decision_arrays()[3][0] == 0.5
    other = leg.seats[1]
    with pytest.raises(RuntimeError, match="already holds a seat"):
        leg.seats[1] = newcomer
    assert leg.seats[1] is other and table.stance[1] == other.stance and other.holds_row


def test_the_members_drawn_as_champions_are_the_ones_the_tables_and_the_live_view_mark() -> None:
    """``politicians.champions`` seat holders are drawn as champions: the legislators table and the live view flag exactly them."""
    model = PacsimModel(small_params(politicians__champions=7, politicians__conviction_mean=2.0))
    pp = model.params.politicians
    flagged = np.array([s.is_champion for s in model.seats])
    assert flagged.sum() == 7
    # Champions stand at the far side from the industry with their conviction; others' convictions may be as high.
    side = -np.sign(model.params.industry.position)
    assert all(s.ideal == side and s.conviction == pp.champion_conviction for s in model.seats if s.is_champion)
    assert any(s.conviction >= pp.champion_conviction for s in model.seats if not s.is_champion)
    start = model.tables()["legislators"]
    np.testing.assert_array_equal(start.loc[start["when"] == "start", "champion"].to_numpy(), flagged)
    np.testing.assert_array_equal(data.node_state(model).champion, flagged)
