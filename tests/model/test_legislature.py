"""The agenda on hand-built legislatures with exact expectations: sponsors, the gate, the floor, cloture and rolls."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from worlds import THREE_VOTERS, hand_built_legislature, mini_params

from pacsim.agents import BillStage, BillType, Chamber, Party
from pacsim.agents.politician import reelection_chance
from pacsim.agents.sponsor import Weighing, weigh_target_bills
from pacsim.experiments.runner import simulate
from pacsim.model.legislature import Bill, floor_vote
from pacsim.model.model import PacsimModel
from pacsim.model.outcomes import roll_rates

DEM, REP = Party.DEM, Party.REP
#: A regulation at -0.5 against the default status quo at 0.5: members at -1 want it, members at +1 do not.
FOR, AGAINST = -1.0, 1.0


def regulation(model: PacsimModel, sponsor: int, *, privileged: bool = False) -> Bill:
    """A regulation of the target issue at -0.5, sponsored by the member in seat ``sponsor``."""
    col = int(np.flatnonzero(model.positions == -0.5)[0])
    return Bill(
        BillType.INDUSTRY_OPPOSED, model.electorate.target, -0.5, model.params.legislature.status_quo, sponsor, col, privileged=privileged
    )


def decide(model: PacsimModel, bill: Bill) -> dict:
    """Carry a bill through the legislature; its row of the bills table."""
    leg = model.legislature
    weighing = leg.weigh_target(bill, model.outlook, model.incentives) if bill.column >= 0 else None
    leg.decide(bill, weighing, model.outlook, model.incentives, model.donors, model.recorder)
    return model.recorder.bills[-1]


#: Two senators who both want the regulation, for worlds where only the House is under test.
SENATE_FOR = [(DEM, FOR), (DEM, FOR)]


def test_leader_holds_a_bill_that_splits_its_caucus() -> None:
    """Two of the three majority members oppose a bill the floor would pass 3-2: the leader holds it.

    Without the gate the same bill passes over the majority of the majority, which is rolled.
    """
    house = [(DEM, FOR), (DEM, AGAINST), (DEM, AGAINST), (REP, FOR), (REP, FOR)]
    gated = decide(model := hand_built_legislature(house, SENATE_FOR), regulation(model, sponsor=0))
    assert (gated["fate"], gated["stopped_in"], gated["house_floor"]) == ("gated", "house", False)
    assert model.legislature.leaders[Chamber.HOUSE].party is DEM
    floored = decide(model := hand_built_legislature(house, SENATE_FOR, legislature__leadership_gate=False), regulation(model, 0))
    assert (floored["house_yea"], floored["house_nay"], floored["house_majority_rolled"], floored["fate"]) == (3, 2, True, "passed")


def test_leader_floors_what_its_caucus_wants_and_rolls_the_minority() -> None:
    """The three majority members want the bill and the two minority members do not: it passes 3-2 and the minority is rolled."""
    house = [(DEM, FOR), (DEM, FOR), (DEM, FOR), (REP, AGAINST), (REP, AGAINST)]
    row = decide(model := hand_built_legislature(house, SENATE_FOR), regulation(model, sponsor=3))
    assert (row["house_yea"], row["house_nay"]) == (3, 2)
    assert (row["house_final_passage"], row["house_minority_rolled"], row["house_majority_rolled"]) == (True, True, False)
    assert row["fate"] == "passed" and row["sponsor_party"] == "rep"


def test_a_55_45_senate_bill_fails_cloture() -> None:
    """Fifty-five senators for and 45 against: the bill reaches the floor but cannot end debate; privileged, it passes."""
    senate = [(DEM, FOR)] * 55 + [(REP, AGAINST)] * 45
    house = [(DEM, FOR)] * 50
    model = hand_built_legislature(house, senate)
    row = decide(model, regulation(model, sponsor=50))
    assert (row["senate_yea"], row["senate_nay"], row["fate"], row["stopped_in"]) == (55, 45, "failed", "senate")
    assert (row["failed_cloture"], row["senate_final_passage"], row["senate_minority_rolled"]) == (True, False, False)
    assert not row["house_floor"]
    model = hand_built_legislature(house, senate)
    row = decide(model, regulation(model, sponsor=50, privileged=True))
    assert (row["fate"], row["failed_cloture"], row["senate_minority_rolled"], row["house_yea"]) == ("passed", False, True, 50)


@pytest.mark.parametrize(
    ("chamber", "yea", "privileged", "ground_truth"),
    [
        (Chamber.HOUSE, 218, False, (True, False)),
        (Chamber.HOUSE, 217, False, (False, False)),
        (Chamber.SENATE, 60, False, (True, False)),
        (Chamber.SENATE, 59, False, (False, True)),
        (Chamber.SENATE, 51, True, (True, False)),
        (Chamber.SENATE, 50, True, (False, False)),
    ],
)
def test_floor_vote_ground_truth(chamber: Chamber, yea: int, privileged: bool, ground_truth: tuple[bool, bool]) -> None:
    """(passed, failed cloture): 218 of 435 in the House; 60 of 100 to end Senate debate, 51 once a bill is privileged."""
    n = 435 if chamber is Chamber.HOUSE else 100
    votes = np.arange(n) < yea
    floor = floor_vote(chamber, votes, np.arange(n) < n // 2 + 1, privileged, 0.6)
    assert (floor.passed, floor.failed_cloture) == ground_truth


def test_a_leader_holds_a_bill_that_costs_its_caucus_money() -> None:
    """A bill the caucus only mildly wants is held when a donor against it funds the caucus, and floored when none does."""
    house = [(DEM, FOR), (DEM, FOR), (DEM, FOR), (REP, AGAINST), (REP, AGAINST)]
    funded = hand_built_legislature(house, SENATE_FOR, conviction=0.01, industry__budget=100e6)
    unfunded = hand_built_legislature(house, SENATE_FOR, conviction=0.01)
    assert decide(funded, regulation(funded, 0))["fate"] == "gated"
    assert decide(unfunded, regulation(unfunded, 0))["fate"] == "passed"


def test_champion_sponsors_regulation_and_the_industry_asks_an_ally() -> None:
    """A champion writes the regulation it wants most; the industry asks its keenest ally to carry full preemption.

    The ally (ideal 0.8) would vote for preemption (1.0) but prefers a light framework
    (0.75); without the industry's money that is the measure it volunteers.
    """
    house = [(DEM, FOR), (REP, 0.8), (REP, 0.0)]
    for budget, position, asked in ((100e6, 1.0, "industry"), (0.0, 0.75, "")):
        model = hand_built_legislature(house, [(DEM, 0.0), (REP, 0.0)], industry__budget=budget)
        if budget:
            for member in model.seats:
                member.threat_belief[:] = 0.0
        opposed, backed = model.legislature.introduce_target_bills(model.outlook, model.incentives, model.donors)
        assert (opposed.bill_type, opposed.sponsor, opposed.position, opposed.asked_by) == (BillType.INDUSTRY_OPPOSED, 0, -1.0, "")
        assert (backed.bill_type, backed.sponsor, backed.position, backed.asked_by) == (BillType.INDUSTRY_BACKED, 1, position, asked)


def partisan_world(platforms: list[tuple[Party, float]], conviction: float, district: float | None = None) -> PacsimModel:
    """A House of members with the given parties and economy platforms; ``district`` puts every voter there, attending to the economy."""
    model = hand_built_legislature([(p, 0.0) for p, _ in platforms], SENATE_FOR, agenda__platform_conviction=conviction)
    for member, (_, platform) in zip(model.seats, platforms, strict=False):
        member.platform[0] = platform
    if district is not None:
        model.electorate.positions[:, 0] = district
        model.electorate.attention[:, 0] = 10.0
        model.electorate.refresh_salience()
    model.refresh_outlook()
    return model


def partisan_bill(model: PacsimModel, sponsor: int) -> tuple[Bill, Weighing]:
    """An economy bill at the platform of the member in seat ``sponsor``, and every member's weighing of it."""
    bill = Bill(BillType.PARTISAN, 0, float(model.seats[sponsor].platform[0]), model.params.agenda.background_status_quo, sponsor)
    return bill, model.legislature.weigh_background(bill, model.outlook, model.incentives, model.ballot())


def test_partisan_bill_splits_the_floor_by_platform_not_by_label() -> None:
    """Members vote their own economy platforms: a Republican whose platform is the Democrats' votes with them."""
    platforms = [(REP, 0.5), (REP, 0.5), (REP, -0.5), (DEM, -0.5), (DEM, -0.5)]
    model = partisan_world(platforms, conviction=10.0)
    bill, weighing = partisan_bill(model, sponsor=0)
    model.legislature.decide(bill, weighing, model.outlook, model.incentives, model.donors, model.recorder)
    votes = model.tables()["votes"].query("kind == 'floor' and chamber == 'house'")
    assert votes["yea"].tolist() == [True, True, False, False, False]
    assert model.recorder.bills[-1]["fate"] == "failed"


def test_without_conviction_a_member_votes_as_its_attentive_voters_would() -> None:
    """With no weight on platforms, members whose voters all sit at +0.8 on the economy vote for a bill at +0.5, Democrats too."""
    platforms = [(REP, 0.5), (DEM, -0.5), (DEM, -0.5)]
    _, weighing = partisan_bill(partisan_world(platforms, conviction=0.0, district=0.8), sponsor=0)
    assert (weighing.support[:3, 0] > 0).all()
    _, weighing = partisan_bill(partisan_world(platforms, conviction=0.0, district=-0.8), sponsor=0)
    assert (weighing.support[:3, 0] < 0).all()


def test_moratorium_passes_until_salience_rises() -> None:
    """An industry-backed moratorium passes while voters ignore the issue and loses once a shock makes them care.

    Three voters, all against the industry (at -0.8), one House member and two senators who
    each believe the industry would spend $5M against an opponent. The two copies of the
    world differ only in the shock; the members recompute their outlook and vote.
    """
    rows = []
    for shocked in (False, True):
        model = PacsimModel(
            {**THREE_VOTERS, "salience.shock_rate": 0.0, "target.salience": 0.001},
            rng=1,
        )
        model.electorate.positions[:, -1] = -0.8
        for member in model.seats:
            member.threat_belief[:] = [5e6, 0.0]
            member.protect_belief[:] = 0.0
            member.threat_effect[:] = 1.0
            member.conviction = 0.0
        if shocked:
            model.electorate.apply_shock(model.electorate.target, 7.0)
        for _ in range(40):
            model.electorate.step_attention(None)
        model.refresh_outlook()
        col = int(np.flatnonzero(model.positions == 1.0)[0])
        bill = Bill(BillType.INDUSTRY_BACKED, model.electorate.target, 1.0, model.params.legislature.status_quo, 0, col, "industry")
        rows.append(decide(model, bill))
        rows[-1]["salience"] = float(model.electorate.salience[:, -1].mean())
    calm, shock = rows
    assert calm["salience"] < 0.01 < 0.3 < shock["salience"]
    assert calm["fate"] == "passed" and (calm["house_yea"], calm["senate_yea"]) == (1, 2)
    assert shock["fate"] != "passed"


def check_bill_invariants(bills: pd.DataFrame, votes: pd.DataFrame) -> None:
    """Every bill has exactly one fate consistent with its floors; rolls happen only on final-passage votes that passed."""
    assert bills["fate"].isin([f.value for f in BillStage]).all()
    assert (bills["passed"] == (bills["fate"] == "passed")).all()
    for c in ("house", "senate"):
        floor, final = bills[f"{c}_floor"], bills[f"{c}_final_passage"]
        assert (final <= floor).all()
        chamber_passed = final & (bills["passed"] | (bills["stopped_in"] != c))
        for side in ("majority", "minority"):
            assert (bills[f"{c}_{side}_rolled"] <= chamber_passed).all()
        tally = votes[(votes["kind"] == "floor") & (votes["chamber"] == c)].groupby("bill_id")["yea"].agg(["sum", "size"])
        on_floor = bills[floor].set_index("bill_id")
        assert set(tally.index) == set(on_floor.index)
        assert (tally["sum"] == on_floor[f"{c}_yea"]).all() and (tally["size"] == on_floor[f"{c}_yea"] + on_floor[f"{c}_nay"]).all()
    assert (bills["senate_final_passage"] == (bills["senate_floor"] & ~bills["failed_cloture"])).all()
    gated = bills[bills["fate"] == "gated"]
    assert not ((gated["stopped_in"] == "house") & gated["house_floor"]).any()
    assert not ((gated["stopped_in"] == "senate") & gated["senate_floor"]).any()
    rates = roll_rates(bills)
    for c in ("house", "senate"):
        assert rates[f"{c}_final_passage_votes"] == bills[f"{c}_final_passage"].sum()


def test_bill_invariants_on_a_mini_run(mini_tables: dict[str, pd.DataFrame]) -> None:
    """The miniature run's bills each have one fate, and its roll rates count final-passage votes."""
    check_bill_invariants(mini_tables["bills"], mini_tables["votes"])
    assert len(mini_tables["bills"]) > 0  # which kinds of bill a world's sponsors bring is its own; every kind: the next test


def test_every_kind_of_bill_reaches_the_tables() -> None:
    """A small run introduces bills of all three types, each sponsored by a sitting member of its chamber."""
    tables = simulate(mini_params(run__seed=3, run__n_cycles=1))
    bills = tables["bills"]
    check_bill_invariants(bills, tables["votes"])
    assert (bills["sponsor_chamber"].isin(["house", "senate"])).all()
    assert (bills[bills["bill_type"] == "partisan"]["issue"] != "ai_regulation").all()
    assert (bills[bills["bill_type"] != "partisan"]["issue"] == "ai_regulation").all()
    backed = bills[bills["bill_type"] == "industry_backed"]
    assert (backed["position"] > backed["status_quo"]).all()


def test_a_vote_is_weighed_with_the_stance_calculus() -> None:
    """On a regulation, the chance a member sees on the record of each vote is the stance calculus's at that position.

    Donors judge a vote by its direction, which for a regulation beyond the muted band is
    the side of the position itself; everything else in the outlook (the candidates' own
    money, primaries) is the member's own, so the two must agree exactly.
    """
    model = PacsimModel(mini_params(run__seed=5, legislature__primaries_house=True, industry__primary_share=0.5))
    while model.cycle_step < model.calendar.campaign_start + 3:
        model.step()
    model.refresh_outlook()
    assert model.outlook.others is not None and model.outlook.others.any()
    leg, outlook = model.legislature, model.outlook
    beliefs, ideal, conviction, capital = leg.decision_arrays()
    col = int(np.flatnonzero(model.positions == -0.5)[0])
    weighing = weigh_target_bills(outlook, beliefs, model.incentives, ideal, conviction, capital, leg.status_quo_col, np.array([col]))
    ground_truth = reelection_chance(outlook, beliefs, model.incentives)
    np.testing.assert_allclose(weighing.chance_yea[:, 0], ground_truth[:, col], rtol=0, atol=1e-12)
    np.testing.assert_allclose(weighing.chance_nay[:, 0], ground_truth[:, leg.status_quo_col], rtol=0, atol=1e-12)
