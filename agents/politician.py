"""Politicians: legislators and challengers choosing stances and roll-call votes.

A politician values re-election and, where it has conviction and the political capital to
back it, its own ideal on the target issue. For each position it could take it weighs
three things: the votes it expects to win or lose among its own voters (each voter
weighting the issue by its own salience), the money it expects donors to spend for or
against it, and its conviction. Nothing in the rule mentions salience: when voters are not
paying attention the first term is small and the money term decides; when they are, the
voters do. The crossover is an outcome, not an input.

The rules are written over arrays of politicians (one row each) so that a whole chamber
decides in one operation; :class:`Politician` applies the same rules to one agent.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any, SupportsIndex, overload

import mesa
import numpy as np
from scipy.special import ndtr

import pacsim.agents.elementwise as ew
from pacsim.agents.enums import Chamber, Party, Side


@dataclass
class Outlook:
    """What a set of politicians expects at the ballot box for each position it could take.

    Rows are politicians, columns are candidate positions on the target issue.
    ``share`` is the expected two-party vote share, ``slope`` its derivative with respect to
    a uniform shift of voters' utility (how many votes a unit of persuasion moves),
    ``electorate`` the real eligible voters in each race. ``ad_power`` (politicians × donors
    × positions) is how much each donor's attack ads would prime voters against the
    politician at each position it could take, ``help_power`` the same for ads in its
    favour; either is negative where such ads would backfire.
    Where primaries are held, ``primary_share`` and ``primary_slope`` are the same for the
    party primary (NaN rows where there is none) and ``primary_fraction`` (politicians ×
    donors) the share of each donor's attack money expected to come in the primary.
    ``others`` is what each candidate in the race spends on its own ads; a donor's money
    comes on top of it, with diminishing returns.
    """

    positions: np.ndarray
    share: np.ndarray
    slope: np.ndarray
    electorate: np.ndarray
    ad_power: np.ndarray
    help_power: np.ndarray
    primary_share: np.ndarray | None = None
    primary_slope: np.ndarray | None = None
    primary_fraction: np.ndarray | None = None
    others: np.ndarray | None = None

    def rows(self, index: np.ndarray | slice) -> Outlook:
        """The outlook of a subset of politicians."""

        def pick(a: np.ndarray | None) -> np.ndarray | None:
            return None if a is None else a[index]

        return Outlook(
            self.positions,
            self.share[index],
            self.slope[index],
            self.electorate[index],
            self.ad_power[index],
            self.help_power[index],
            pick(self.primary_share),
            pick(self.primary_slope),
            pick(self.primary_fraction),
            pick(self.others),
        )

    def row(self, i: int) -> Outlook:
        """The outlook of one politician, kept two-dimensional."""
        return self.rows(slice(i, i + 1))


@dataclass
class Beliefs:
    """What politicians believe about donors, one row per politician and one column per donor.

    ``threat`` is the money a donor would spend against the politician if it opposed the
    donor, ``protect`` what it would spend for it as an ally, and ``effect`` how effective
    the politician thinks that donor's attacks are (1: as effective as ads are).
    """

    threat: np.ndarray
    protect: np.ndarray
    effect: np.ndarray

    def rows(self, index: np.ndarray) -> Beliefs:
        """The beliefs of a subset of politicians."""
        return Beliefs(self.threat[index], self.protect[index], self.effect[index])


@dataclass(frozen=True)
class Incentives:
    """The model-wide constants that enter every politician's calculus.

    ``on_air`` is the share of a cycle's campaign dollars whose ads are still working on
    election day, given how fast ads decay; a politician discounts expected money by it.
    """

    uncertainty: float
    ad_effect: float
    ad_saturation: float
    muted_band: float
    donor_positions: np.ndarray
    on_air: float


def side_of(positions: np.ndarray, donor_positions: np.ndarray, band: float) -> np.ndarray:
    """Which side of each donor each position is on: ``Side`` values, shape (positions, donors)."""
    lean = np.sign(donor_positions)[None, :] * np.asarray(positions, dtype=float)[:, None]
    return np.where(lean > band, Side.ALLY, np.where(lean < -band, Side.OPPONENT, Side.MUTED)).astype(np.int8)


def money_shift(outlook: Outlook, beliefs: Beliefs, inc: Incentives) -> np.ndarray:
    """Expected ad persuasion (logit units) each position brings, from beliefs about donors' spending.

    An ally of a donor expects its protection money, an opponent its attack money (as
    effective as it believes the donor's attacks to be), a muted politician neither.
    Dollars act through diminishing returns per eligible voter, on top of the candidates'
    own money (the same dose as :meth:`pacsim.agents.donor.RaceView.dose`).
    """
    sides = side_of(outlook.positions, inc.donor_positions, inc.muted_band)
    scale = inc.ad_saturation * outlook.electorate[:, None] / inc.on_air
    others = np.zeros_like(scale) if outlook.others is None else outlook.others[:, None]

    def dose(dollars: np.ndarray) -> np.ndarray:
        return ew.log1p((others + dollars) / scale) - ew.log1p(others / scale)

    helped = outlook.help_power * dose(beliefs.protect)[:, :, None]
    hurt = outlook.ad_power * (beliefs.effect * dose(beliefs.threat))[:, :, None]
    ally, opponent = (sides == Side.ALLY).T, (sides == Side.OPPONENT).T
    return inc.ad_effect * (np.einsum("ndp,dp->np", helped, ally) - np.einsum("ndp,dp->np", hurt, opponent))


def reelection_chance(outlook: Outlook, beliefs: Beliefs, inc: Incentives) -> np.ndarray:
    """Probability of winning the next election at each position: share plus money, against uncertainty.

    Where a primary comes first, the politician must win both; the attack money it expects
    is split between them as the donors split theirs.
    """
    if outlook.primary_share is None or outlook.primary_fraction is None:  # set together, where primaries are held
        expected = outlook.share + outlook.slope * money_shift(outlook, beliefs, inc)
        return ndtr((expected - 0.5) / inc.uncertainty)
    f = outlook.primary_fraction
    general = Beliefs(beliefs.threat * (1.0 - f), beliefs.protect, beliefs.effect)
    primary = Beliefs(beliefs.threat * f, np.zeros_like(beliefs.protect), beliefs.effect)
    expected = outlook.share + outlook.slope * money_shift(outlook, general, inc)
    chance = ndtr((expected - 0.5) / inc.uncertainty)
    held = ~np.isnan(outlook.primary_share[:, 0])
    if held.any():
        sub = outlook.rows(held)
        p_expected = sub.primary_share + sub.primary_slope * money_shift(sub, primary.rows(held), inc)
        chance[held] *= ndtr((p_expected - 0.5) / inc.uncertainty)
    return chance


def move_beliefs(
    threat: np.ndarray, protect: np.ndarray, expected_against: np.ndarray, expected_for: np.ndarray, rate: float | np.ndarray
) -> None:
    """Move beliefs about donors' spending (in place) part-way, at ``rate``, to the spending now expected against and for.

    Adaptive expectations: each review closes a share of the gap between belief and what
    the donors' plan rule implies.
    """
    threat += rate * (expected_against - threat)
    protect += rate * (expected_for - protect)


def conviction_value(positions: np.ndarray, ideal: np.ndarray, conviction: np.ndarray, capital: np.ndarray) -> np.ndarray:
    """Policy utility: conviction times closeness to the ideal, for as long as capital lasts.

    Conviction is expressed in re-election probability per unit of distance, so it trades
    directly against electoral risk (Denzau & Munger 1986). A politician with no capital
    left can no longer afford its convictions.
    """
    active = (capital > 0.0).astype(float)
    return -(conviction * active)[:, None] * np.abs(positions[None, :] - ideal[:, None])


def choose_positions(
    outlook: Outlook,
    options: np.ndarray,
    beliefs: Beliefs,
    ideal: np.ndarray,
    conviction: np.ndarray,
    capital: np.ndarray,
    inc: Incentives,
) -> tuple[np.ndarray, np.ndarray]:
    """Each politician's best position among column indices ``options``, and the capital it costs.

    The cost is the re-election probability given up relative to the electorally best of
    the same options: holding a stance against one's interest spends political capital.
    Ties go to the first option, so a politician indifferent between options keeps order.
    """
    chance = reelection_chance(outlook, beliefs, inc)[:, options]
    value = chance + conviction_value(outlook.positions[options], ideal, conviction, capital)
    best = np.argmax(value, axis=1)
    rows = np.arange(best.shape[0])
    cost = chance.max(axis=1) - chance[rows, best]
    return options[best], cost


def court_backer(stance: float, donor_position: float, backed: float) -> float:
    """A challenger whose race a PAC pours money into moves to the PAC's side of the target issue.

    Candidates court the money that backs them, as the candidates Fairshake supported did
    (thread lines 5-6); voters who care about the issue can then hold it against them. A
    challenger already at least as far on the PAC's side keeps its stance.
    """
    side = float(np.sign(donor_position))
    return backed if stance * side < backed * side else stance


def observe_colleagues(
    watch: Any,
    against: np.ndarray,
    up: np.ndarray,
    lost: np.ndarray,
    defeat_weight: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What every legislator sees of one donor's campaign among the colleagues it watches.

    ``watch`` is the (sparse) who-watches-whom matrix over seats, ``against`` the donor's
    dollars against each seat's incumbent this cycle, ``up`` the seats that were contested
    and ``lost`` the seats whose member lost (a primary or the general). Returns (seen,
    spend, effect) per legislator: whether it watched anyone the donor targeted, the mean
    spent against those, and how effective the attacks looked, 1 plus ``defeat_weight``
    times how much more often targeted colleagues lost than untargeted ones (the whole
    chamber's rate stands in where it watched no untargeted colleague). Targeted
    colleagues losing more often makes a donor's attacks look effective (thread lines 5-6).
    """
    n = against.shape[0]
    targeted = (against > 0) & up
    untargeted = ~targeted & up
    n_t = watch @ targeted.astype(float)
    n_u = watch @ untargeted.astype(float)
    lost_t = watch @ (targeted & lost).astype(float)
    lost_u = watch @ (untargeted & lost).astype(float)
    base = (untargeted & lost).sum() / max(untargeted.sum(), 1)
    rate_t = np.divide(lost_t, n_t, out=np.zeros(n), where=n_t > 0)
    rate_u = np.divide(lost_u, n_u, out=np.full(n, base), where=n_u > 0)
    spend = np.divide(watch @ (against * targeted), n_t, out=np.zeros(n), where=n_t > 0)
    effect = np.maximum(0.0, 1.0 + defeat_weight * (rate_t - rate_u))
    return n_t > 0, spend, effect


class PoliticianTable:
    """The state of a set of politicians as columns, one row each: what the chamber-wide rules read and write at once.

    A seat holder's row is its seat's in the legislature's table; a politician who holds
    no seat (a challenger, a rival, a member who has left) keeps a one-row table of its
    own. :class:`Politician`'s attributes of the same names read and write its row, so the
    agent and the arrays are one state, never two copies to keep in step.
    ``party`` holds the :class:`Party` values; ``platform`` is (rows × background issues),
    the beliefs (rows × donors).
    """

    SCALARS = ("party", "ideal", "conviction", "capital", "valence", "stance", "incumbent")
    ROWS = ("platform", "threat_belief", "protect_belief", "threat_effect")

    def __init__(self, n: int, n_background: int, n_donors: int) -> None:
        self.party = np.zeros(n)
        self.ideal = np.zeros(n)
        self.conviction = np.zeros(n)
        self.capital = np.zeros(n)
        self.valence = np.zeros(n)
        self.stance = np.zeros(n)
        self.incumbent = np.zeros(n, dtype=bool)
        self.platform = np.zeros((n, n_background))
        self.threat_belief = np.zeros((n, n_donors))
        self.protect_belief = np.zeros((n, n_donors))
        self.threat_effect = np.ones((n, n_donors))

    def copy_row(self, row: int, source: PoliticianTable, source_row: int) -> None:
        """Row ``row`` takes every column of ``source``'s row ``source_row``."""
        for name in self.SCALARS + self.ROWS:
            getattr(self, name)[row] = getattr(source, name)[source_row]


class _Column:
    """A politician's attribute kept in its row of the :class:`PoliticianTable` that holds it.

    Scalars read back as Python values of ``kind``; the platform and beliefs as views
    onto the row, so an in-place change (``member.threat_belief[:] = ...``) writes the table.
    """

    def __init__(self, kind: Any = None) -> None:
        self.kind = kind

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, pol: Any, owner: type | None = None) -> Any:
        if pol is None:
            return self
        value = getattr(pol._table, self.name)[pol._row]
        return value if self.kind is None else self.kind(value)

    def __set__(self, pol: Any, value: Any) -> None:
        getattr(pol._table, self.name)[pol._row] = value


def _party(value: float) -> Party:
    return Party(int(value))


class Politician(mesa.Agent):
    """A legislator or challenger: a seat, a party, positions, conviction, capital and beliefs.

    Party, ideal, conviction, capital, platform, valence, stance, incumbency and beliefs
    live in a :class:`PoliticianTable` row: its seat's while it holds one
    (:meth:`take_seat`), its own otherwise.
    """

    party = _Column(_party)
    ideal = _Column(float)
    conviction = _Column(float)
    capital = _Column(float)
    valence = _Column(float)
    stance = _Column(float)
    incumbent = _Column(bool)
    platform = _Column()
    threat_belief = _Column()
    protect_belief = _Column()
    threat_effect = _Column()

    def __init__(
        self,
        model: mesa.Model,
        *,
        chamber: Chamber,
        seat: int,
        state: int,
        district: int,
        party: Party,
        ideal: float,
        conviction: float,
        capital: float,
        platform: np.ndarray,
        valence: float,
        stance: float,
        n_donors: int,
        incumbent: bool = True,
        champion: bool = False,
    ) -> None:
        super().__init__(model)
        self._table = PoliticianTable(1, np.shape(platform)[0], n_donors)
        self._row = 0
        self._held = False
        self.chamber = chamber
        self.seat = seat
        self.state = state
        self.district = district
        self.party = party
        self.ideal = ideal
        self.conviction = conviction
        self.capital = capital
        self.platform = platform
        self.valence = valence
        self.stance = stance
        self.incumbent = incumbent
        #: Drawn as one of the target issue's champions (``politicians.champions``) when recruited.
        self.champion = champion
        self.last_margin = 0.0
        self.money_for = 0.0
        self.money_against = 0.0

    @property
    def holds_row(self) -> bool:
        """Whether this politician's state lives in a seats' or rivals' table (it holds a seat or runs in a race)."""
        return self._held

    def take_seat(self, table: PoliticianTable, row: int) -> None:
        """Hold row ``row`` of a seats' (or rivals') table: the row takes this politician's state, which lives there from now on."""
        if self._held:
            raise RuntimeError(f"{self!r} already holds a row of another table; it must leave it first")
        table.copy_row(row, self._table, self._row)
        self._table, self._row, self._held = table, row, True

    def leave_seat(self) -> None:
        """Give up the row: this politician keeps its state as it stands, in a one-row table of its own."""
        own = PoliticianTable(1, self._table.platform.shape[1], self._table.threat_belief.shape[1])
        own.copy_row(0, self._table, self._row)
        self._table, self._row, self._held = own, 0, False

    @property
    def beliefs(self) -> Beliefs:
        """This politician's beliefs about donors, as a one-row Beliefs."""
        return Beliefs(self.threat_belief[None, :], self.protect_belief[None, :], self.threat_effect[None, :])

    @property
    def is_champion(self) -> bool:
        """Whether this politician was drawn as a champion of the target issue."""
        return self.champion

    def choose_stance(self, outlook: Outlook, inc: Incentives) -> float:
        """Take the public stance that maximises re-election chance plus conviction; pay for it in capital."""
        options = np.arange(outlook.positions.shape[0])
        chosen, cost = choose_positions(
            outlook,
            options,
            self.beliefs,
            np.array([self.ideal]),
            np.array([self.conviction]),
            np.array([self.capital]),
            inc,
        )
        self.capital -= float(cost[0])
        self.stance = float(outlook.positions[chosen[0]])
        return self.stance

    def cast_vote(self, outlook: Outlook, inc: Incentives, bill_column: int, status_quo_column: int) -> bool:
        """Vote yea when the bill's position serves the same calculus better than the status quo."""
        options = np.array([status_quo_column, bill_column])
        chosen, cost = choose_positions(
            outlook,
            options,
            self.beliefs,
            np.array([self.ideal]),
            np.array([self.conviction]),
            np.array([self.capital]),
            inc,
        )
        self.capital -= float(cost[0])
        return bool(chosen[0] == bill_column)

    def update_threat_belief(self, expected_against: np.ndarray, expected_for: np.ndarray, rate: float | np.ndarray) -> None:
        """Move beliefs about donors' spending part-way to what this politician now expects (per donor rates allowed)."""
        move_beliefs(self.threat_belief, self.protect_belief, expected_against, expected_for, rate)

    def learn_from_election(self, seen_spend: np.ndarray, seen_effect: np.ndarray, seen: np.ndarray, rate: float) -> None:
        """After an election, move beliefs towards what was seen happen to watched colleagues.

        For each donor with ``seen`` True: ``seen_spend`` is the mean it spent against the
        watched colleagues it targeted, ``seen_effect`` how effective that looked (1 plus the
        weighted amount by which targeted colleagues lost more often than untargeted ones).
        A legislator never targeted itself learns this way too (thread lines 5-6).
        """
        w = rate * seen
        self.threat_belief += w * (seen_spend - self.threat_belief)
        self.threat_effect += w * (seen_effect - self.threat_effect)

    def __repr__(self) -> str:
        return f"Politician({self.chamber.value} seat {self.seat}, {self.party.name}, stance={self.stance:+.2f})"


class Seats(Sequence[Politician]):
    """Every seat's holder, in seat order, with their state as one :class:`PoliticianTable`.

    ``seats[j] = politician`` seats a new holder: it takes row j of ``table`` and the one
    it replaces keeps its own state. The chamber-wide rules read and write ``table``.
    """

    def __init__(self, holders: list[Politician], n_background: int, n_donors: int) -> None:
        self.table = PoliticianTable(len(holders), n_background, n_donors)
        self._holders: list[Politician] = []
        for j, pol in enumerate(holders):
            pol.take_seat(self.table, j)
            self._holders.append(pol)

    def __len__(self) -> int:
        return len(self._holders)

    @overload
    def __getitem__(self, j: SupportsIndex) -> Politician: ...
    @overload
    def __getitem__(self, j: slice) -> list[Politician]: ...
    def __getitem__(self, j: SupportsIndex | slice) -> Politician | list[Politician]:
        return self._holders[j]

    def __setitem__(self, j: SupportsIndex, pol: Politician) -> None:
        j = operator.index(j)
        held = self._holders[j]
        if held is pol:
            return
        if pol.holds_row:
            raise RuntimeError(f"{pol!r} already holds a seat or runs in a race; it must leave it first")
        held.leave_seat()
        pol.take_seat(self.table, j)
        self._holders[j] = pol

    def __iter__(self) -> Iterator[Politician]:
        return iter(self._holders)


class Rivals(MutableMapping[int, Politician]):
    """The candidates who run against some seats' holders, by seat, with their state as a table with a row per seat.

    ``rivals[j] = politician`` enters it in seat j's race (it takes row j of ``table``);
    removing it (``del``, ``pop``) leaves it its own state. Rows of seats without a rival
    hold the last one's state and are not read.
    """

    def __init__(self, n_seats: int, n_background: int, n_donors: int) -> None:
        self.table = PoliticianTable(n_seats, n_background, n_donors)
        self._by_seat: dict[int, Politician] = {}

    def __len__(self) -> int:
        return len(self._by_seat)

    def __getitem__(self, j: int) -> Politician:
        return self._by_seat[j]

    def __setitem__(self, j: int, pol: Politician) -> None:
        if pol.holds_row:
            raise RuntimeError(f"{pol!r} already holds a seat or runs in a race; it must leave it first")
        if j in self._by_seat:
            del self[j]
        pol.take_seat(self.table, j)
        self._by_seat[j] = pol

    def __delitem__(self, j: int) -> None:
        self._by_seat.pop(j).leave_seat()

    def __iter__(self) -> Iterator[int]:
        return iter(self._by_seat)

    def seats(self) -> np.ndarray:
        """The seats that have a rival, in the order they were entered."""
        return np.fromiter(self._by_seat, dtype=np.int64, count=len(self._by_seat))
