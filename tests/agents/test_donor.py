"""Donors' rules on tiny hand-built worlds with exact expectations."""

from __future__ import annotations

import numpy as np
import pytest
import reference
from worlds import tiny_world

from pacsim.agents import AdStrategy, Donor, Side
from pacsim.agents.donor import (
    RaceView,
    buys_above,
    buys_at,
    competitiveness,
    on_air,
    plan_gains,
    plan_race_money,
    running_gains,
    spending_schedule,
)
from pacsim.agents.donor_kernels import _provably_counted


def test_plan_buys_where_buys_are_worth_most_ground_truth() -> None:
    """Five buys go to the five most valuable successive buys; a race's buys stop at its first one below the cut.

    Race 0's buys are worth 9, 7, 5, 3; race 1's 8, 6, 1, 1; race 2's 2, 2, 2, 2 (below the
    reserve of 2.5, so it draws nothing); race 3 is not eligible. With five buys of $1 the
    cut falls between 5 and 3: race 0 gets three buys, race 1 two.
    """
    gains = np.array([[9.0, 7.0, 5.0, 3.0], [8.0, 6.0, 1.0, 1.0], [2.0, 2.0, 2.0, 2.0], [99.0, 99.0, 99.0, 99.0]])
    eligible = np.array([True, True, True, False])
    dollars, threshold = plan_race_money(gains, eligible, pot=5.0, buy=1.0, reserve=2.5)
    np.testing.assert_array_equal(dollars, [3.0, 2.0, 0.0, 0.0])
    assert 3.0 < threshold <= 5.0
    dollars, threshold = plan_race_money(gains, eligible, pot=100.0, buy=1.0, reserve=2.5)
    np.testing.assert_array_equal(dollars, [4.0, 2.0, 0.0, 0.0])
    assert threshold == 2.5
    dollars, _ = plan_race_money(gains, eligible, pot=100.0, buy=1.0, reserve=2.5, max_races=1)
    np.testing.assert_array_equal(dollars, [4.0, 0.0, 0.0, 0.0])


def test_a_buy_after_a_worthless_one_is_not_taken() -> None:
    """A race's run of buys ends at its first buy below the cut, even if later ones are worth more (no gaps in a plan)."""
    assert buys_at(np.array([[5.0, 1.0, 9.0]]), 2.0).tolist() == [1]


@pytest.mark.parametrize("attack", [True, False])
def test_ladders_stop_where_plans_stop_and_keep_every_value_before(attack: bool) -> None:
    """A race's ladder is the whole ladder's running minimum, bit for bit, to its first entry below the floor; -inf after, and off ``rows``.

    Races from safe to lost, some where the first buys are worth less than later ones (a
    safe seat attacked comes closer to a toss-up).
    """
    share = np.array([0.5, 0.52, 0.45, 0.62, 0.75, 0.9, 0.3, 0.55])
    n, n_buys = share.shape[0], 80
    view = RaceView(
        share, np.full(n, 0.25), np.full(n, 1.5), np.full(n, 1.2), np.full(n, 2e6), np.linspace(0, 8e6, n), np.ones(n), 0.2, 0.08
    )
    shift = np.linspace(-0.01, 0.01, n)
    whole = np.minimum.accumulate(reference.buy_gains(view, attack, 250_000.0, n_buys, shift), axis=1)
    np.testing.assert_array_equal(running_gains(view, attack, 250_000.0, n_buys, shift), whole)
    floor = float(np.median(whole[:, 19]))
    rows = np.arange(n) != 2
    got = running_gains(view, attack, 250_000.0, n_buys, shift, floor, rows)
    computed = ~np.isneginf(got)
    np.testing.assert_array_equal(got[computed], whole[computed])
    assert not computed[~rows].any()
    assert (whole[rows[:, None] & ~computed] < floor).all()
    assert (~computed).sum() > n_buys  # something was left out, not only the race outside ``rows``
    below = whole < floor
    first_below = np.where(below.any(axis=1), below.argmax(axis=1), n_buys - 1)
    np.testing.assert_array_equal(computed.sum(axis=1)[rows], (first_below + 1)[rows])
    for threshold in (floor, 2 * floor):
        np.testing.assert_array_equal(buys_at(got, threshold, got)[rows], buys_at(whole, threshold, whole)[rows])


@pytest.mark.parametrize("attack", [True, False])
def test_a_plans_ladders_stop_at_its_cut_and_give_the_whole_ladders_plan(attack: bool) -> None:
    """Ladders taken in order of value across races give the plan, marginal value and buys of the whole ladders.

    Pots from a few buys (the cut falls high in the ladders) to more than every buy above
    the reserve (no cut: every ladder goes down to the reserve), with and without a limit on
    races; ties at the cut come from races that are the same race twice.
    """
    share = np.array([0.5, 0.52, 0.45, 0.62, 0.75, 0.9, 0.3, 0.55, 0.5, 0.52])
    n, n_buys, buy, reserve = share.shape[0], 120, 250_000.0, 0.002
    others = np.linspace(0, 8e6, n)
    others[8:] = others[:2]
    view = RaceView(share, np.full(n, 0.25), np.full(n, 1.5), np.full(n, 1.2), np.full(n, 2e6), others, np.ones(n), 0.2, 0.08)
    shift = np.linspace(-0.01, 0.01, n)
    shift[8:] = shift[:2]
    whole = np.minimum.accumulate(reference.buy_gains(view, attack, buy, n_buys, shift), axis=1)
    rows = np.arange(n) != 3
    above = int((whole[rows] >= reserve).sum())
    saw_cut = saw_whole = False
    for pot in (3 * buy, 17 * buy, 40.5 * buy, 150 * buy, (above + 5) * buy):
        for max_races in (0, 2):
            got = plan_gains(view, attack, buy, n_buys, pot, reserve, rows, max_races, shift)
            computed = ~np.isneginf(got)
            np.testing.assert_array_equal(got[computed], whole[computed])
            assert not computed[~rows].any()
            dollars, threshold = plan_race_money(got, rows, pot, buy, reserve, max_races, got)
            expected, expected_threshold = plan_race_money(whole, rows, pot, buy, reserve, max_races, whole)
            np.testing.assert_array_equal(dollars, expected)
            assert threshold == expected_threshold
            saw_cut |= bool(computed.sum() < (whole[rows] >= reserve).sum())
            saw_whole |= bool(threshold == reserve)
    assert saw_cut and saw_whole


@pytest.mark.parametrize("attack", [True, False])
def test_counted_buys_are_the_whole_ladders_buys(attack: bool) -> None:
    """The walk's count of buys at a marginal value is :func:`buys_at` of the whole ladder, and 0 off ``rows``.

    Marginal values at, just above and just below entries of the ladders, among them
    entries a ladder holds many times over (a seat worth nothing, a safe seat whose first
    attacks are worth least), below every entry (races that take all their buys without
    stopping) and -inf; races whose ladders are NaN (no share, or a seat worth NaN).
    """
    share = np.array([0.5, 0.52, 0.45, 0.62, 0.75, 0.9, 0.3, 0.55, np.nan, 0.5, 0.999999, 0.5])
    n, n_buys, buy = share.shape[0], 60, 250_000.0
    value = np.ones(n)
    value[9] = np.nan
    value[11] = 0.0
    view = RaceView(share, np.full(n, 0.25), np.full(n, 1.5), np.full(n, 1.2), np.full(n, 2e6), np.linspace(0, 8e6, n), value, 0.2, 0.08)
    whole = np.minimum.accumulate(reference.buy_gains(view, attack, buy, n_buys), axis=1)
    rows = np.arange(n) != 2
    entries = np.unique(whole[np.isfinite(whole)])
    repeated = whole[:, 1:][whole[:, 1:] == whole[:, :-1]]
    picked = np.concatenate([entries[np.linspace(0, entries.size - 1, 9).astype(int)], np.unique(repeated)])
    floors = [-np.inf, float(entries[0]) / 2 if entries[0] > 0 else float(entries[0]) * 2, *picked.tolist()]
    floors += [float(np.nextafter(f, np.inf)) for f in picked] + [float(np.nextafter(f, -np.inf)) for f in picked]
    never_stop = all_stop = 0
    for floor in floors:
        got = buys_above(view, attack, buy, n_buys, floor, rows)
        np.testing.assert_array_equal(got, np.where(rows, buys_at(whole, floor, whole), 0))
        never_stop += int((got[rows] == n_buys).sum())
        all_stop += int((got[rows] < n_buys).all())
        assert got[8] == got[9] == 0
    assert never_stop and all_stop
    assert np.unique(repeated).size >= 2  # ties at the floor from a worthless seat and from a safe one (or a second)


@pytest.mark.parametrize("attack", [True, False])
def test_buys_counted_without_a_walk_are_each_provably_worth_the_floor(attack: bool) -> None:
    """Counting skips the buys a lower bound shows are worth the floor, and still gives the whole ladder's count.

    Long ladders (280 buys) of races on both sides of a dead heat, from safe to lost, with
    their own money from none to much, whose gains first rise and then fall; marginal values
    at, just above and just below entries deep in the ladders, where the bound (the density
    at the far end of the margins the buys cover) decides how far the walk may be skipped.
    """
    rng = np.random.default_rng(7)
    n, n_buys, buy = 40, 280, 250_000.0
    share = rng.uniform(0.2, 0.8, n)
    others = rng.uniform(0.0, 6e6, n)
    others[:5] = 0.0
    view = RaceView(
        share,
        rng.uniform(0.1, 0.6, n),
        np.full(n, 1.5),
        np.full(n, 1.2),
        rng.uniform(5e5, 4e6, n),
        others,
        rng.uniform(0.5, 2.0, n),
        0.2,
        0.08,
    )
    whole = np.minimum.accumulate(reference.buy_gains(view, attack, buy, n_buys), axis=1)
    rows = np.ones(n, dtype=bool)
    positive = whole[:, -1][whole[:, -1] > 0]
    deep = np.unique(whole[:, n_buys // 2 :][whole[:, n_buys // 2 :] > 0])
    picked = np.concatenate([deep[np.linspace(0, deep.size - 1, 12).astype(int)], np.quantile(positive, [0.1, 0.5, 0.9])])
    floors = [*picked, *np.nextafter(picked, np.inf), *np.nextafter(picked, -np.inf)]
    skipped = walked_deep = 0
    per_million = 1e6 / buy
    signed = (-1.0 if attack else 1.0) * (
        view.slope * view.ad_effect * view.attack if attack else view.slope * view.ad_effect * view.defend
    )
    for floor in floors:
        got = buys_above(view, attack, buy, n_buys, float(floor), rows)
        np.testing.assert_array_equal(got, buys_at(whole, floor, whole))
        skips = np.array(
            [
                _provably_counted(
                    j,
                    view.share,
                    signed,
                    view.others,
                    view.scale,
                    view.value,
                    attack,
                    buy,
                    n_buys,
                    view.uncertainty,
                    float(floor),
                    per_million,
                )
                for j in range(n)
            ]
        )
        assert (skips <= got).all()
        skipped += int(skips.sum())
        walked_deep += int(((skips > 0) & (skips < got)).sum())
    # The bound does the work: most buys are counted unwalked, and many walks resume deep in a ladder.
    assert skipped > 0.5 * sum(int(buys_at(whole, f, whole).sum()) for f in floors)
    assert walked_deep > 0


@pytest.mark.parametrize("max_races", [0, 2])
@pytest.mark.parametrize("attack", [True, False])
def test_legislators_expect_the_buys_of_the_whole_ladders(attack: bool, max_races: int) -> None:
    """The belief is each race's buys on its whole ladder at the marginal value that a plan of the pot over the planned races sets.

    Pots from a few buys to more than the planned races can use at the reserve, with and
    without a limit on races, some races the same race twice (ties at the cut).
    """
    share = np.array([0.5, 0.52, 0.45, 0.62, 0.75, 0.9, 0.3, 0.55, 0.5, 0.52, 0.48, 0.6])
    n, buy, reserve = share.shape[0], 250_000.0, 0.002
    others = np.linspace(0, 8e6, n)
    others[8:10] = others[:2]
    view = RaceView(share, np.full(n, 0.25), np.full(n, 1.5), np.full(n, 1.2), np.full(n, 2e6), others, np.ones(n), 0.2, 0.08)
    planned = np.array([True, True, False, True, False, True, True, False, True, False, True, True])
    model, _, _ = tiny_world(target_attention=0.01, threat=0.0)
    donor = Donor.from_params(model, "pac", model.params.industry.model_copy(update={"reserve_value": reserve}), target_issue=4)
    drew = False
    for pot in (3 * buy, 17 * buy, 40.5 * buy, 150 * buy, 2000 * buy):
        n_buys = min(400, int(np.ceil(pot / buy)))
        whole = np.minimum.accumulate(reference.buy_gains(view, attack, buy, n_buys), axis=1)
        _, threshold = plan_race_money(whole, planned, pot, buy, reserve, max_races, whole)
        threshold = reserve if not np.isfinite(threshold) else threshold
        expected = np.minimum(buys_at(whole, threshold, whole) * buy, pot)
        np.testing.assert_array_equal(donor._expected(view, attack, planned, pot, buy, max_races), expected)
        drew |= bool(expected[~planned].any())
    assert drew  # races outside the plan would draw money


def test_the_compiled_normal_cdf_is_scipys_to_the_last_bit() -> None:
    """The ladders' ndtr is the function scipy's ndtr ufunc runs: the same bits everywhere, tails, zeros and NaN included."""
    from numba import njit
    from scipy.special import ndtr

    from pacsim.agents.donor_kernels import ndtr as compiled_ndtr

    @njit
    def many(x: np.ndarray, out: np.ndarray) -> None:
        for i in range(x.shape[0]):
            out[i] = compiled_ndtr(x[i])

    rng = np.random.default_rng(3)
    x = np.concatenate([rng.normal(0.0, 3.0, 200_000), rng.uniform(-40.0, 40.0, 50_000), [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-300]])
    out = np.empty_like(x)
    many(x, out)
    np.testing.assert_array_equal(out.view(np.int64), ndtr(x).view(np.int64))


def test_spending_schedule_and_on_air_ground_truth() -> None:
    """With retention 1/2 over two weeks, 2/3 of the money airs in the last week and 5/12 of it is on air on election day."""
    schedule = spending_schedule(0.5, 2)
    np.testing.assert_allclose(schedule, [0.0, 2 / 3, 1 / 3])
    assert on_air(0.5, 2) == pytest.approx(2 / 3 * 0.5 + 1 / 3 * 0.25)
    assert on_air(1.0, 12) == 1.0


def test_ad_dose_has_diminishing_returns_against_other_money() -> None:
    """Each further million buys less dose, and less still where the candidates already spend more."""

    def view(others: float) -> RaceView:
        one = np.ones(1)
        return RaceView(0.5 * one, one, one, one, 1e6 * one, others * one, one, 0.2, 0.1)

    dollars = np.array([[0.0, 1e6, 2e6, 3e6]])
    steps = np.diff(view(0.0).dose(dollars)[0])
    assert (np.diff(steps) < 0).all()
    assert view(5e6).dose(np.array([[1e6]]))[0, 0] < view(0.0).dose(np.array([[1e6]]))[0, 0]


@pytest.mark.parametrize("budget", [20e6, 400e6])
def test_legislators_expect_what_the_plan_rule_spends(budget: float) -> None:
    """An opponent's expected threat is exactly what the donor's plan spends against it (beliefs match behaviour).

    With $20M the pot sets the plan's marginal value; with $400M it cannot all be spent
    where it is worth the reserve, which then sets it.
    """
    n = 6
    share = np.array([0.5, 0.52, 0.45, 0.6, 0.7, 0.5])
    view = RaceView(share, np.full(n, 0.25), np.full(n, 1.5), np.full(n, 1.5), np.full(n, 2e6), np.full(n, 4e6), np.ones(n), 0.2, 0.12)
    model, _, _ = tiny_world(target_attention=0.01, threat=0.0)
    donor = Donor(
        model,
        name="pac",
        budget=budget,
        position=1.0,
        intensity=1.0,
        attack_share=1.0,
        strategy=AdStrategy.SAVVY,
        target_issue=4,
        announce=True,
        primary_share=0.0,
        max_targets=0,
        example_value=1.0,
        reserve_value=0.001,
    )
    sides = np.array([Side.OPPONENT, Side.OPPONENT, Side.OPPONENT, Side.ALLY, Side.OPPONENT, Side.MUTED])
    up = np.ones(n, dtype=bool)
    donor.start_campaign(n)
    donor.plan(view, sides, up, buy=250_000.0)
    opponents = (sides == Side.OPPONENT) & up
    expected = donor.expected_if_opposed(view, opponents, buy=250_000.0)
    np.testing.assert_allclose(expected[opponents], donor.plan_against[opponents])
    assert donor.plan_against.sum() <= budget
    if budget < 100e6:
        assert donor.plan_against[0] > donor.plan_against[4]  # scarce money goes to the dead heat before the safe seat
    assert expected[5] > 0 and donor.plan_against[5] == 0  # a muted member would draw money if it opposed


def test_ad_content_savvy_versus_naive() -> None:
    """Savvy ads go where the target is weakest; naive ads talk about the donor's own issue."""
    model, _, _ = tiny_world(target_attention=0.01, threat=0.0)
    weakness = np.array([[0.1, 0.5, 0.2, 0.0, 0.01], [0.3, 0.1, 0.1, 0.1, 0.02]])
    savvy = Donor.from_params(model, "s", model.params.industry, target_issue=4)
    naive = Donor.from_params(model, "n", model.params.industry.model_copy(update={"strategy": AdStrategy.NAIVE}), target_issue=4)
    assert savvy.choose_ad_issue(weakness).tolist() == [1, 0]
    assert naive.choose_ad_issue(weakness).tolist() == [4, 4]


@pytest.mark.parametrize(("share", "ground_truth"), [(0.5, 1.0), (0.6, float(np.exp(-0.5))), (0.3, float(np.exp(-2.0)))])
def test_competitiveness_ground_truth(share: float, ground_truth: float) -> None:
    """Closeness is the normal density at the expected margin, relative to a dead heat (uncertainty 0.1)."""
    assert competitiveness(np.array([share]), 0.1)[0] == pytest.approx(ground_truth)
