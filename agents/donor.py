"""Donors: PACs that plan where their money can decide races, and spend it as election day nears.

A PAC draws up a race plan at the start of each campaign (and of the primary season): for
every race it could enter it asks how much a further buy raises the chance that its side
wins, from the same vote model legislators use (:class:`RaceView`), with diminishing
returns and against everyone else's money in the race, and it values a seat by its share of
its chamber's votes, plus the value of making an example of an opponent it beats (thread
lines 5-6). It buys in units of ``min_buy`` wherever a further buy is worth at least the
plan's marginal value; a race where no buy moves the odds draws nothing. The plan is spent
on a schedule weighted towards election day, because an ad's effect mostly decays within a
week (Gerber et al. 2011; Hill et al. 2013), and it is revised when races move.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import mesa
import numpy as np
from scipy.special import ndtr

import pacsim.agents.elementwise as ew
from pacsim.agents.donor_kernels import SQRT_2PI, ladder_counts, ladders, ladders_to_cut
from pacsim.agents.enums import AdStrategy, Side

#: The most buys a plan puts into one race (with the default $250,000 buy: $100M).
MAX_BUYS = 400


def competitiveness(expected_share: np.ndarray, uncertainty: float) -> np.ndarray:
    """How close a race is: the normal density at its expected margin, 1 for a dead heat.

    The density is written as scipy.stats' ``norm.pdf`` computes it, without its
    per-call overhead, so the values are the same to the last bit.
    """
    return (ew.exp(-(((expected_share - 0.5) / uncertainty) ** 2) / 2.0) / SQRT_2PI) / (1.0 / SQRT_2PI)


def spending_schedule(retention: float, weeks: int) -> np.ndarray:
    """Share of a campaign's money spent in each week, indexed by weeks to election day (1 = the last week).

    A dollar spent k weeks out still works ``retention ** k`` on election day, so the
    schedule spends in proportion to it: most money airs in the last weeks, as in dynamic
    campaign-spending models (Acharya, Grillo, Sugaya & Turkel). Index 0 is unused.
    """
    k = np.arange(weeks + 1, dtype=float)
    w = ew.power(max(retention, 1e-9), k)
    w[0] = 0.0
    return w / w.sum()


def on_air(retention: float, weeks: int) -> float:
    """Share of a campaign's dollars, spent on :func:`spending_schedule`, whose ads still work on election day."""
    if retention >= 1.0:
        return 1.0
    w = spending_schedule(retention, weeks)
    return float((w * ew.power(max(retention, 1e-9), np.arange(weeks + 1, dtype=float))).sum()) or 1e-9


@dataclass(frozen=True)
class RaceView:
    """What a donor (or a legislator reasoning about one) sees of every race, one entry per seat.

    ``share`` and ``slope`` are the incumbent slot's expected vote share and its slope with
    respect to persuasion; ``attack`` and ``defend`` the donor's ad power against and for the
    incumbent slot per unit of ad dose; ``scale`` the dollars that make one unit of dose
    on election day (saturation × eligible voters / share on air); ``others`` the money each
    candidate spends on its own ads; ``value`` the seat's share of its chamber's votes
    relative to a House seat. The same vote model as :func:`pacsim.agents.politician.money_shift`.
    """

    share: np.ndarray
    slope: np.ndarray
    attack: np.ndarray
    defend: np.ndarray
    scale: np.ndarray
    others: np.ndarray
    value: np.ndarray
    ad_effect: float
    uncertainty: float

    def dose(self, dollars: np.ndarray) -> np.ndarray:
        """Ad dose on one side of a race from ``dollars`` on top of the candidate's own money (diminishing returns)."""
        return ew.log1p((self.others[..., None] + dollars) / self.scale[..., None]) - ew.log1p(self.others / self.scale)[..., None]

    def win_chance(self, dollars: np.ndarray, attack: bool, shift: np.ndarray | None = None) -> np.ndarray:
        """Chance the donor's side wins each race with ``dollars`` (races × buys) spent attacking or defending the incumbent slot.

        ``shift`` is the expected share change from other donors' plans.
        """
        return self.chance_at(self.dose(dollars), attack, shift)

    def chance_at(self, dose: np.ndarray, attack: bool, shift: np.ndarray | None = None) -> np.ndarray:
        """:meth:`win_chance` from the ad ``dose`` (races × buys) rather than the dollars that buy it."""
        power = self.attack if attack else self.defend
        share = self.share if shift is None else self.share + shift
        moved = share[:, None] + (-1.0 if attack else 1.0) * (self.slope * self.ad_effect * power)[:, None] * dose
        z = (moved - 0.5) / self.uncertainty
        return ndtr(-z) if attack else ndtr(z)

    def rows(self, index: np.ndarray) -> RaceView:
        """The view of a subset of races (an index or a boolean mask), in their order."""
        return replace(
            self,
            share=self.share[index],
            slope=self.slope[index],
            attack=self.attack[index],
            defend=self.defend[index],
            scale=self.scale[index],
            others=self.others[index],
            value=self.value[index],
        )


def running_gains(
    view: RaceView,
    attack: bool,
    buy: float,
    n_buys: int,
    shift: np.ndarray | None = None,
    floor: float = -np.inf,
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """What each successive buy in each race is worth at least, per $1M (races × buys): the running minimum of its gains.

    The gain from a buy is the rise in the chance that the donor's side wins, times the
    seat's value; diminishing returns make further buys worth less, and a buy counts only
    with every buy before it, hence the running minimum. A plan compares these values only
    with marginal values at or above ``floor``, so a race's ladder stops at its first
    entry below ``floor``: the entries after it are -inf, as are those of races outside
    ``rows`` (a boolean mask; all races if None). What is computed is the whole ladder's
    value to the last bit: the compiled walk (:func:`~pacsim.agents.donor_kernels.ladders`)
    takes :meth:`RaceView.chance_at`'s operations in its order, one buy at a time.
    """
    n = view.share.shape[0]
    out = np.full((n, n_buys), -np.inf)
    active = np.arange(n) if rows is None else np.flatnonzero(rows)
    if active.size == 0 or n_buys <= 0:
        return out
    share, signed_power = _ladder_inputs(view, attack, shift)
    ladders(share, signed_power, view.others, view.scale, view.value, active, attack, buy, n_buys, view.uncertainty, floor, out)
    return out


def buys_above(
    view: RaceView, attack: bool, buy: float, n_buys: int, floor: float, rows: np.ndarray, shift: np.ndarray | None = None
) -> np.ndarray:
    """Buys each race in ``rows`` (a boolean mask) would get at the marginal value ``floor``; 0 off ``rows``.

    That is :func:`buys_at` of the race's whole :func:`running_gains` ladder at ``floor``,
    counted by the compiled walk (:func:`~pacsim.agents.donor_kernels.ladder_counts`) as it
    goes down the ladder, so no (races × buys) array is made for races whose only use is
    their count.
    """
    counts = np.zeros(view.share.shape[0], dtype=np.int64)
    active = np.flatnonzero(rows)
    if active.size == 0 or n_buys <= 0:
        return counts
    share, signed_power = _ladder_inputs(view, attack, shift)
    counts[active] = ladder_counts(
        share, signed_power, view.others, view.scale, view.value, active, attack, buy, n_buys, view.uncertainty, floor
    )
    return counts


def _ladder_inputs(view: RaceView, attack: bool, shift: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """The expected share (with ``shift``) and the share a unit of dose moves, signed for attack, as :meth:`RaceView.chance_at` has them."""
    share = view.share if shift is None else view.share + shift
    power = view.attack if attack else view.defend
    return share, (-1.0 if attack else 1.0) * (view.slope * view.ad_effect * power)


def plan_gains(
    view: RaceView,
    attack: bool,
    buy: float,
    n_buys: int,
    pot: float,
    reserve: float,
    rows: np.ndarray,
    max_races: int = 0,
    shift: np.ndarray | None = None,
) -> np.ndarray:
    """:func:`running_gains` over ``rows`` for a plan of ``pot`` (:func:`plan_race_money`), computed only as far down as the plan reads.

    The plan's marginal value is set by the most valuable buy the pot cannot afford; the
    buys are taken across races in order of value until it is found
    (:func:`~pacsim.agents.donor_kernels.ladders_to_cut`), and each race holds every entry
    above it, so the plan, its marginal value and its buys are those of the whole ladders.
    When ``max_races`` leaves races out, the plan is redrawn over the rest at a lower
    marginal value, so then every ladder goes down to ``reserve``.
    """
    n_afford = int(pot // buy) if buy > 0 else 0
    if n_afford < 1:
        return running_gains(view, attack, buy, n_buys, shift, reserve, rows)
    n = view.share.shape[0]
    out = np.full((n, n_buys), -np.inf)
    active = np.flatnonzero(rows)
    if active.size == 0 or n_buys <= 0:
        return out
    share, signed_power = _ladder_inputs(view, attack, shift)
    cut = ladders_to_cut(
        share, signed_power, view.others, view.scale, view.value, active, attack, buy, n_buys, view.uncertainty, reserve, n_afford, out
    )
    threshold = float(np.nextafter(cut, np.inf)) if np.isfinite(cut) else reserve
    if max_races > 0 and ((out >= threshold).any(axis=1) & rows).sum() > max_races:
        return running_gains(view, attack, buy, n_buys, shift, reserve, rows)
    return out


def buys_at(gains: np.ndarray, threshold: float, running: np.ndarray | None = None) -> np.ndarray:
    """Buys each race gets at a marginal value: the run of successive buys each worth at least ``threshold``.

    ``running`` is ``gains``' running minimum along the buys, if already computed.
    """
    return ((np.minimum.accumulate(gains, axis=1) if running is None else running) >= threshold).sum(axis=1)


def plan_race_money(
    gains: np.ndarray,
    eligible: np.ndarray,
    pot: float,
    buy: float,
    reserve: float,
    max_races: int = 0,
    running: np.ndarray | None = None,
) -> tuple[np.ndarray, float]:
    """Dollars per race and the plan's marginal value (per $1M) for a pot spent where buys are worth most.

    Races get successive buys while a further buy is worth at least the marginal value; the
    marginal value is the lowest that the pot affords, and never below ``reserve`` (money
    not worth spending stays in the bank). ``max_races`` > 0 keeps only that many races,
    those whose planned buys are worth most. Returns (dollars, marginal value); the marginal
    value is what a race outside the plan would have to be worth to draw money.
    ``running`` is ``gains``' running minimum along the buys, if already computed.
    """
    n_afford = int(pot // buy) if buy > 0 else 0
    if n_afford == 0 or not eligible.any():
        return np.zeros(gains.shape[0]), np.inf
    inside = np.flatnonzero(eligible)
    if running is None:
        run = np.minimum.accumulate(gains[inside], axis=1)
    else:
        run = running if inside.size == running.shape[0] else running[inside]
    buys = np.zeros(gains.shape[0], dtype=np.int64)
    buys[inside], threshold = _planned_buys(run, n_afford, reserve, max_races)
    return buys * buy, threshold


def _planned_buys(run: np.ndarray, n_afford: int, reserve: float, max_races: int) -> tuple[np.ndarray, float]:
    """:func:`plan_race_money`'s buys per race and marginal value, over the eligible races' running minima ``run`` alone.

    Races outside the plan hold no value at or above ``reserve`` and draw no buys, so
    leaving their rows out changes neither the values the pot affords nor the races kept
    by ``max_races`` (kept in order of worth, ties in the races' order).
    """
    values = run[run >= reserve]
    threshold = reserve
    if values.size > n_afford:
        # The (n + 1)-th most valuable buy is the first the pot cannot afford.
        cut = float(np.partition(values, values.size - n_afford - 1)[values.size - n_afford - 1])
        threshold = float(np.nextafter(cut, np.inf))
    buys = (run >= threshold).sum(axis=1)
    if max_races > 0 and (buys > 0).sum() > max_races:
        worth = np.where(
            buys > 0, np.take_along_axis(np.cumsum(np.maximum(run, 0.0), axis=1), np.maximum(buys - 1, 0)[:, None], axis=1)[:, 0], -np.inf
        )
        keep = np.sort(np.argsort(-worth, kind="stable")[:max_races])
        kept = np.zeros_like(buys)
        kept[keep], threshold = _planned_buys(run[keep], n_afford, reserve, 0)
        return kept, threshold
    return buys, threshold


class Donor(mesa.Agent):
    """A PAC with a budget per cycle, a position and intensity on the target issue, and a strategy.

    Its rule (Fairshake's, as the thread describes it): punish opponents and protect allies
    where money decides races, and make examples of the opponents it beats.
    """

    @classmethod
    def from_params(cls, model: mesa.Model, name: str, params: Any, target_issue: int) -> Donor:
        """A donor configured by one donor section of the parameter schema (``industry`` or ``opposing``)."""
        fields = (
            "budget",
            "position",
            "intensity",
            "attack_share",
            "announce",
            "primary_share",
            "max_targets",
            "example_value",
            "reserve_value",
        )
        return cls(
            model, name=name, target_issue=target_issue, strategy=AdStrategy(params.strategy), **{f: getattr(params, f) for f in fields}
        )

    def __init__(
        self,
        model: mesa.Model,
        *,
        name: str,
        budget: float,
        position: float,
        intensity: float,
        attack_share: float,
        strategy: AdStrategy,
        target_issue: int,
        announce: bool,
        primary_share: float,
        max_targets: int,
        example_value: float,
        reserve_value: float,
    ) -> None:
        super().__init__(model)
        self.name = name
        self.budget = budget
        self.position = position
        self.intensity = intensity
        self.attack_share = attack_share
        self.strategy = strategy
        self.target_issue = target_issue
        self.announce = announce
        self.primary_share = primary_share
        self.max_targets = max_targets
        self.example_value = example_value
        self.reserve_value = reserve_value
        n = 0
        self.plan_against = np.zeros(n)
        self.plan_for = np.zeros(n)
        self.plan_primary = np.zeros(n)
        self.threshold = (np.inf, np.inf)
        self.spent_against = np.zeros(n)
        self.spent_for = np.zeros(n)
        self.spent_primary_by_race = np.zeros(n)
        self.spent_cycle = 0.0
        self.spent_total = 0.0
        self.spent_last_cycle = 0.0

    # ------------------------------------------------------------------ money
    @property
    def pot(self) -> float:
        """Money committed to the target issue's races in one cycle."""
        return self.budget * self.intensity

    @property
    def pots(self) -> tuple[float, float, float]:
        """The (general attack, defence, primary attack) parts of the cycle's pot."""
        attack = self.pot * self.attack_share
        return attack * (1.0 - self.primary_share), self.pot * (1.0 - self.attack_share), attack * self.primary_share

    def visible_pots(self) -> tuple[float, float, float]:
        """What legislators can see of the pots: the announced ones, or else the last cycle's spending, split the same way."""
        if self.announce:
            return self.pots
        scale = self.spent_last_cycle / self.pot if self.pot > 0 else 0.0
        return tuple(scale * p for p in self.pots)  # type: ignore[return-value]

    def attack_values(self, view: RaceView) -> RaceView:
        """The race view with an opponent's seat worth ``1 + example_value`` times its votes: a defeat makes an example."""
        return replace(view, value=view.value * (1.0 + self.example_value))

    def plan(
        self,
        view: RaceView,
        sides: np.ndarray,
        up: np.ndarray,
        buy: float,
        shift: np.ndarray | None = None,
        spent: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> np.ndarray:
        """Draw up (or revise) the general-election plan: dollars against opponents and for allies in the races that are up.

        ``spent`` is what was already spent this campaign; a revision plans only what is
        left of each pot. Returns the expected share change the plan brings (for donors that
        plan after it).
        """
        n = view.share.shape[0]
        attack_pot, defend_pot, _ = self.pots
        done_against, done_for = spent if spent is not None else (np.zeros(n), np.zeros(n))
        n_buys = min(MAX_BUYS, max(1, int(np.ceil(max(attack_pot, defend_pot) / buy)))) if buy > 0 else 1
        opponents, allies = (sides == Side.OPPONENT) & up, (sides == Side.ALLY) & up
        # A race already entered keeps at least one whole buy in all: a revision never leaves dust behind.
        keep_against = np.where(done_against > 0, np.maximum(buy - done_against, 0.0), 0.0)
        keep_for = np.where(done_for > 0, np.maximum(buy - done_for, 0.0), 0.0)
        left_against = attack_pot - done_against.sum() - keep_against.sum()
        left_for = defend_pot - done_for.sum() - keep_for.sum()
        r_attack = plan_gains(
            self.attack_values(view), True, buy, n_buys, left_against, self.reserve_value, opponents, self.max_targets, shift
        )
        r_defend = plan_gains(view, False, buy, n_buys, left_for, self.reserve_value, allies, 0, shift)
        against, t_attack = plan_race_money(r_attack, opponents, left_against, buy, self.reserve_value, self.max_targets, r_attack)
        for_, t_defend = plan_race_money(r_defend, allies, left_for, buy, self.reserve_value, running=r_defend)
        against, for_ = np.maximum(against, keep_against), np.maximum(for_, keep_for)
        self.plan_against, self.plan_for = done_against + against, done_for + for_
        self.threshold = (t_attack, t_defend)
        return (view.slope * view.ad_effect) * (
            view.defend * view.dose(for_[:, None])[:, 0] - view.attack * view.dose(against[:, None])[:, 0]
        )

    def plan_primaries(self, view: RaceView, held: np.ndarray, sides: np.ndarray, buy: float) -> np.ndarray:
        """Pick the primaries to fight and the money for each: opponents whose primary a buy can turn.

        ``view`` is the primary's vote model (party voters only). Returns the seats chosen.
        """
        _, _, primary_pot = self.pots
        n_buys = min(MAX_BUYS, max(1, int(np.ceil(primary_pot / buy)))) if buy > 0 else 1
        fought = (sides == Side.OPPONENT) & held
        running = plan_gains(self.attack_values(view), True, buy, n_buys, primary_pot, self.reserve_value, fought, self.max_targets)
        self.plan_primary, _ = plan_race_money(running, fought, primary_pot, buy, self.reserve_value, self.max_targets, running)
        self.spent_primary_by_race = np.zeros_like(self.plan_primary)
        return np.flatnonzero(self.plan_primary > 0)

    def expected_if_opposed(self, view: RaceView, opponents: np.ndarray, buy: float) -> np.ndarray:
        """What this donor's own plan rule would spend against each seat's holder if it opposed the donor.

        Computed as the donor would: the visible attack pot, planned over the current
        ``opponents`` (:func:`plan_race_money`), sets a marginal value; a holder who joined
        them would draw every buy in its race worth at least that much. This is the belief
        legislators form (beliefs match behaviour), for each seat's next race.
        """
        attack_pot, _, _ = self.visible_pots()
        return self._expected(self.attack_values(view), True, opponents, attack_pot, buy, self.max_targets)

    def expected_if_allied(self, view: RaceView, allies: np.ndarray, buy: float) -> np.ndarray:
        """What this donor's plan rule would spend for each seat's holder if it sided with the donor (as above)."""
        _, defend_pot, _ = self.visible_pots()
        return self._expected(view, False, allies, defend_pot, buy, 0)

    def _expected(self, view: RaceView, attack: bool, planned: np.ndarray, pot: float, buy: float, max_races: int) -> np.ndarray:
        if pot < buy or buy <= 0:
            return np.zeros(view.share.shape[0])
        n_buys = min(MAX_BUYS, max(1, int(np.ceil(pot / buy))))
        # The planned races set the marginal value; every other race is then needed only for its count of buys down to it.
        inside = np.flatnonzero(planned)
        everywhere = np.ones(inside.size, dtype=bool)
        running = plan_gains(view.rows(inside), attack, buy, n_buys, pot, self.reserve_value, everywhere, max_races)
        _, threshold = plan_race_money(running, everywhere, pot, buy, self.reserve_value, max_races, running)
        threshold = self.reserve_value if not np.isfinite(threshold) else threshold
        buys = buys_above(view, attack, buy, n_buys, threshold, ~planned)
        buys[inside] = buys_at(running, threshold, running)
        return np.minimum(buys * buy, pot)

    def spend_week(self, schedule: np.ndarray, weeks_left: int) -> tuple[np.ndarray, np.ndarray]:
        """This week's (against, for) dollars per race: what is left of the plan, on the schedule to election day."""
        share = schedule[weeks_left] / schedule[1 : weeks_left + 1].sum() if weeks_left >= 1 else 1.0
        against = np.maximum(self.plan_against - self.spent_against, 0.0) * share
        for_ = np.maximum(self.plan_for - self.spent_for, 0.0) * share
        self.spent_against = self.spent_against + against
        self.spent_for = self.spent_for + for_
        self._book(float(against.sum() + for_.sum()))
        return against, for_

    def spend_primary_week(self, schedule: np.ndarray, weeks_left: int) -> np.ndarray:
        """This week's primary dollars per race, on the schedule to primary day."""
        if self.plan_primary.size == 0:
            return self.plan_primary
        share = schedule[weeks_left] / schedule[1 : weeks_left + 1].sum() if weeks_left >= 1 else 1.0
        against = np.maximum(self.plan_primary - self.spent_primary_by_race, 0.0) * share
        self.spent_primary_by_race = self.spent_primary_by_race + against
        self._book(float(against.sum()))
        return against

    def _book(self, spent: float) -> None:
        self.spent_cycle += spent
        self.spent_total += spent

    def start_campaign(self, n_seats: int) -> None:
        """A campaign opens: no plan yet, nothing spent on any race."""
        self.plan_against = np.zeros(n_seats)
        self.plan_for = np.zeros(n_seats)
        self.spent_against = np.zeros(n_seats)
        self.spent_for = np.zeros(n_seats)
        if self.plan_primary.size != n_seats:
            self.plan_primary = np.zeros(n_seats)
            self.spent_primary_by_race = np.zeros(n_seats)

    # ------------------------------------------------------------- ad content
    def choose_ad_issue(self, leverage: np.ndarray) -> np.ndarray:
        """Pick each race's ad issue: savvy donors where the candidate they attack is weakest, naive ones their own issue.

        ``leverage`` (races × issues) is what an ad on each issue would do for the donor's
        side: its reach (exposure × salience) plus how much worse, in the race's
        salience-weighted eyes, the attacked candidate is than the favoured one. A
        savvy PAC runs ads on whatever voters care about and the target is out of step on
        (thread lines 13-14); a naive one talks about its own issue wherever it stands.
        """
        if self.strategy is AdStrategy.NAIVE:
            return np.full(leverage.shape[0], self.target_issue, dtype=np.int64)
        return np.argmax(leverage, axis=1)

    def new_cycle(self) -> None:
        """After an election: the cycle's spending becomes last cycle's; plans are cleared."""
        self.spent_last_cycle = self.spent_cycle
        self.spent_cycle = 0.0
        self.plan_against = np.zeros_like(self.plan_against)
        self.plan_for = np.zeros_like(self.plan_for)
        self.plan_primary = np.zeros_like(self.plan_primary)
        self.threshold = (np.inf, np.inf)

    def __repr__(self) -> str:
        return f"Donor({self.name}, budget={self.budget:,.0f}, position={self.position:+.1f}, {self.strategy.value})"
