"""The legislature: seats and their holders, the chambers' leaders, who watches whom, and bills.

A House of single-member districts and a Senate of two seats per state in three staggered
classes. Seat holders are :class:`~pacsim.agents.Politician` agents; each chamber's
majority leader is a :class:`~pacsim.agents.Leadership` agent holding the agenda gate. A
bill is introduced on the target issue, goes to each chamber's gate and, if the leader lets
it through, to a floor vote in which every member casts the vote its own calculus picks;
the Senate needs ``legislature.cloture_fraction`` of its members.
"""

from __future__ import annotations

from typing import Any

import mesa
import networkx as nx
import numpy as np

from pacsim.agents import BillStage, Chamber, Donor, Leadership, Party, Politician, Side, VoteKind
from pacsim.agents.politician import (
    Beliefs,
    Incentives,
    Outlook,
    choose_positions,
    conviction_value,
    observe_colleagues,
    reelection_chance,
    side_of,
)
from pacsim.model.electorate import Electorate, Geography
from pacsim.model.network import build_observation
from pacsim.model.params import Params
from pacsim.model.tables import Recorder

#: Positions a legislator can take on the target issue (the status quo is added to them).
GRID = np.linspace(-1.0, 1.0, 9)


class Legislature:
    """Both chambers' seats and holders, their leaders and observation network, and the bills they decide."""

    def __init__(self, model: mesa.Model, params: Params, rng: np.random.Generator, electorate: Electorate,
                 geography: Geography, n_donors: int) -> None:
        lp = params.legislature
        self.model = model
        self.params = params
        self.rng = rng
        self.electorate = electorate
        self.geography = geography
        self.n_donors = n_donors
        self.positions = np.unique(np.append(GRID, lp.status_quo))
        self.status_quo_col = int(np.flatnonzero(self.positions == lp.status_quo)[0])
        self.bill_cols = np.flatnonzero((self.positions >= lp.bill_position_min) & (self.positions <= lp.bill_position_max))
        if self.bill_cols.size == 0:
            self.bill_cols = np.array([int(np.argmin(np.abs(self.positions - lp.bill_position_max)))])
        self.n_house = lp.house_seats
        self.n_seats = self.n_house + lp.senate_seats
        self.chamber_of = np.array([Chamber.HOUSE] * self.n_house + [Chamber.SENATE] * lp.senate_seats)
        self.senate_class = np.full(self.n_seats, -1)
        self.senate_class[self.n_house :] = np.arange(lp.senate_seats) % 3
        self.seats: list[Politician] = []
        self.leaders: dict[Chamber, Leadership] = {}
        self.observation: nx.Graph = nx.Graph()
        self.watch: Any = None

    # ------------------------------------------------------------ construction
    def seat_first_members(self) -> None:
        """Draw the champions, then a first holder for every seat, then who watches whom, then the leaders."""
        p = self.params
        champions = set(self.rng.choice(self.n_seats, p.politicians.champions, replace=False).tolist())
        self.seats = [self.recruit(j, self.draw_seat_party(j), champion=j in champions) for j in range(self.n_seats)]
        self.observation = build_observation(
            self.rng, self.chamber_of, np.array([s.party.value for s in self.seats]),
            p.politicians.observed_colleagues, p.politicians.observation_homophily,
        )
        self.leaders = {
            c: Leadership(self.model, chamber=c, party=self.majority(c), majority_weight=p.leadership.majority_weight,
                          money_value=p.leadership.money_value)
            for c in Chamber
        }
        self.watch = nx.to_scipy_sparse_array(self.observation, nodelist=range(self.n_seats), format="csr")

    def draw_seat_party(self, seat: int) -> Party:
        """A first holder's party: a coin weighted by the seat's voters' mean party identification."""
        e = self.electorate
        voters = e.district == seat if seat < self.n_house else e.state == (seat - self.n_house) // 2
        lean = float(e.party_id[voters].mean())
        return Party.REP if self.rng.random() < 1.0 / (1.0 + np.exp(-4.0 * lean)) else Party.DEM

    def recruit(self, seat: int, party: Party, *, champion: bool = False, incumbent: bool = True,
                stance: float | None = None) -> Politician:
        """A new politician for a seat: a first holder, an open-seat nominee or a challenger.

        A champion's ideal is the far side of the target issue from the industry, with
        ``politicians.champion_conviction``; anyone else's ideal follows its party with
        noise, and its conviction is exponential with mean ``politicians.conviction_mean``.
        """
        pp = self.params.politicians
        k_bg = self.electorate.n_issues - 1
        industry_side = float(np.sign(self.params.industry.position) or 1.0)
        if champion:
            ideal, conviction = -industry_side, pp.champion_conviction
        else:
            ideal = float(np.clip(self.params.target.partisan_loading * party + self.rng.normal(0.0, pp.ideal_sd), -1.0, 1.0))
            conviction = float(self.rng.exponential(pp.conviction_mean)) if pp.conviction_mean > 0 else 0.0
        if stance is None:
            stance = float(self.positions[np.argmin(np.abs(self.positions - ideal))])
        is_house = seat < self.n_house
        return Politician(
            self.model,
            chamber=Chamber.HOUSE if is_house else Chamber.SENATE,
            seat=seat,
            state=int(self.geography.district_state[seat]) if is_house else (seat - self.n_house) // 2,
            district=seat if is_house else -1,
            party=party,
            ideal=ideal,
            conviction=conviction,
            capital=pp.capital_initial,
            platform=party * pp.platform_distance + self.rng.normal(0.0, pp.platform_sd, k_bg),
            valence=float(self.rng.normal(0.0, pp.valence_sd)),
            stance=stance,
            n_donors=self.n_donors,
            incumbent=incumbent,
        )

    # ---------------------------------------------------------------- the state
    def majority(self, chamber: Chamber) -> Party:
        """The party holding at least half of a chamber's seats (ties go to Party.REP)."""
        parties = np.array([s.party for s in self.seats if s.chamber == chamber])
        return Party.REP if (parties == Party.REP).sum() * 2 >= parties.size else Party.DEM

    def renew_leaders(self) -> None:
        """After an election each chamber's leader belongs to its new majority."""
        for leader in self.leaders.values():
            leader.party = self.majority(leader.chamber)

    def stances(self) -> np.ndarray:
        """Every seat holder's public stance on the target issue."""
        return np.array([s.stance for s in self.seats])

    def stance_columns(self) -> np.ndarray:
        """Every seat holder's stance as a column of the position grid."""
        return np.argmin(np.abs(self.stances()[:, None] - self.positions[None, :]), axis=1)

    def sides(self, donor_positions: np.ndarray) -> np.ndarray:
        """Each seat holder's side of each donor (seats × donors)."""
        return side_of(self.stances(), donor_positions, self.params.politicians.muted_band)

    def decision_arrays(self) -> tuple[Beliefs, np.ndarray, np.ndarray, np.ndarray]:
        """(beliefs, ideal, conviction, capital) of every seat holder, as arrays for the chamber-wide rules."""
        return (
            Beliefs(
                np.array([s.threat_belief for s in self.seats]),
                np.array([s.protect_belief for s in self.seats]),
                np.array([s.threat_effect for s in self.seats]),
            ),
            np.array([s.ideal for s in self.seats]),
            np.array([s.conviction for s in self.seats]),
            np.array([s.capital for s in self.seats]),
        )

    # --------------------------------------------------------------- behaviour
    def choose_stances(self, outlook: Outlook, incentives: Incentives) -> None:
        """Every seat holder takes its best stance at once (the same rule as ``Politician.choose_stance``)."""
        beliefs, ideal, conviction, capital = self.decision_arrays()
        options = np.arange(self.positions.shape[0])
        chosen, cost = choose_positions(outlook, options, beliefs, ideal, conviction, capital, incentives)
        for j, pol in enumerate(self.seats):
            pol.stance = float(self.positions[chosen[j]])
            pol.capital -= float(cost[j])

    def update_beliefs(self, expected_against: np.ndarray, expected_for: np.ndarray, rate: float | None = None) -> None:
        """Each legislator moves its belief about donors' spending towards what their plan rule implies (seats × donors).

        ``rate`` overrides ``politicians.threat_learning_rate``; at the start of a run
        legislators take what they see at face value (rate 1).
        """
        base = self.params.politicians.threat_learning_rate if rate is None else rate
        for j, pol in enumerate(self.seats):
            pol.update_threat_belief(expected_against[j], expected_for[j], base)

    def learn_from_election(self, against: np.ndarray, up: np.ndarray, lost: np.ndarray) -> None:
        """Every legislator looks at the colleagues it watches: whom each donor targeted, how much it spent, who lost.

        ``against`` is each donor's money against each seat's incumbent this cycle (seats ×
        donors). The mean spent against targeted colleagues becomes the expected price of
        opposing; see :func:`~pacsim.agents.politician.observe_colleagues`.
        """
        pp = self.params.politicians
        seen = np.zeros((self.n_seats, self.n_donors), dtype=bool)
        spend = np.zeros((self.n_seats, self.n_donors))
        effect = np.ones((self.n_seats, self.n_donors))
        for d in range(self.n_donors):
            seen[:, d], spend[:, d], effect[:, d] = observe_colleagues(self.watch, against[:, d], up, lost, pp.defeat_weight)
        for j, pol in enumerate(self.seats):
            pol.learn_from_election(spend[j], effect[j], seen[j], pp.observation_rate)

    def consider_bill(self, outlook: Outlook, incentives: Incentives, donors: list[Donor], recorder: Recorder) -> None:
        """Introduce one target-issue bill and carry it through the gates and floor votes of both chambers."""
        lp = self.params.legislature
        col = int(self.rng.choice(self.bill_cols))
        bill = float(self.positions[col])
        district_share, national_share = self.electorate.majority_for(bill, lp.status_quo, self.n_house, self.n_seats)
        beliefs, ideal, conviction, capital = self.decision_arrays()
        chance = reelection_chance(outlook, beliefs, incentives)
        value = chance + conviction_value(self.positions, ideal, conviction, capital)
        support = value[:, col] - value[:, self.status_quo_col]
        stance_col = self.stance_columns()
        vote_col = np.where(support > 0.0, col, self.status_quo_col)
        rows = np.arange(self.n_seats)
        record_change = chance[rows, vote_col] - chance[rows, stance_col]
        against_bill = [d for d in donors if abs(d.position - lp.status_quo) < abs(d.position - bill)]
        bill_id = len(recorder.bills)
        fate, stage_chamber = BillStage.PASSED, None
        tallies: dict[Chamber, tuple[int, int]] = {}
        rolls: dict[Chamber, tuple[bool, bool]] = {}
        for chamber in (Chamber.HOUSE, Chamber.SENATE):
            members = np.flatnonzero(self.chamber_of == chamber)
            leader = self.leaders[chamber]
            in_caucus = np.array([self.seats[j].party == leader.party for j in members])
            caucus = members[in_caucus]
            money_at_risk = min(self.params.leadership.party_dues * caucus.size, sum(d.pot for d in against_bill))
            options = np.array([self.status_quo_col, col])
            if lp.leadership_gate and not leader.gate_bill(support[caucus], float(record_change[caucus].sum()), money_at_risk):
                recorder.roll_call(bill_id, chamber, members, support[members] > 0.0, bill, district_share, kind=VoteKind.WHIP)
                fate, stage_chamber = BillStage.GATED, chamber
                break
            chosen, cost = choose_positions(
                outlook.rows(members), options, beliefs.rows(members), ideal[members], conviction[members], capital[members], incentives,
            )
            yea = chosen == col
            for j, c in zip(members, cost, strict=True):
                self.seats[j].capital -= float(c)
            recorder.roll_call(bill_id, chamber, members, yea, bill, district_share)
            needed = int(np.ceil(lp.cloture_fraction * members.size)) if chamber is Chamber.SENATE else members.size // 2 + 1
            passed = yea.sum() >= needed
            tallies[chamber] = (int(yea.sum()), int((~yea).sum()))
            rolls[chamber] = (
                bool(passed and yea[in_caucus].mean() < 0.5) if in_caucus.any() else False,
                bool(passed and yea[~in_caucus].mean() < 0.5) if (~in_caucus).any() else False,
            )
            if not passed:
                fate, stage_chamber = BillStage.FAILED, chamber
                break
        recorder.bill(bill_id, bill, national_share, fate, stage_chamber, tallies, rolls)
