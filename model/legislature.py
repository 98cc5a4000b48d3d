"""The legislature: seats and their holders, the chambers' leaders, who watches whom, and bills.

A House of single-member districts and a Senate of two seats per state in three staggered
classes. Seat holders are :class:`~pacsim.agents.Politician` agents; each chamber's
majority leader is a :class:`~pacsim.agents.Leadership` agent holding the agenda gate.

In each bill week members sponsor bills (:mod:`pacsim.agents.sponsor`): a regulation of
the target issue, a measure the industry wants (preemption of the states' laws, a
moratorium on them, a light federal framework), and bills on the background issues where
the parties disagree. Every bill takes the same path: it starts in its sponsor's chamber,
goes to each chamber's gate and, if the leader lets it through, to a floor vote in which
every member casts the vote its own calculus picks; in the Senate a bill that is not
privileged first needs ``legislature.cloture_fraction`` of the members to end debate. A
bill that passes is recorded as an outcome; the status quo later bills are measured against
stays where it is, so every bill of a run is judged on the same terms.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import mesa
import networkx as nx
import numpy as np

from pacsim.agents import BillStage, BillType, Chamber, Donor, Leadership, Party, Politician, VoteKind
from pacsim.agents.politician import (
    Beliefs,
    Incentives,
    Outlook,
    Seats,
    choose_positions,
    move_beliefs,
    observe_colleagues,
    reelection_chance,
    side_of,
)
from pacsim.agents.sponsor import Record, Weighing, ask_ally, volunteer, weigh_background_bill, weigh_target_bills
from pacsim.model.bills import Bill, FloorVote
from pacsim.model.electorate import CandidateArrays, Electorate, Geography
from pacsim.model.network import build_observation
from pacsim.model.params import Params
from pacsim.model.tables import Recorder

#: Positions a legislator can take on the target issue (the status quo and the reach of preemption are added to them).
GRID = np.linspace(-1.0, 1.0, 9)


@dataclass
class Ballot:
    """What the electorate's vote model needs to forecast a record on a background issue: the candidates and the ads on air.

    ``primary`` is (primary candidates, primary ad stock) where primaries are held.
    """

    candidates: CandidateArrays
    stock: np.ndarray
    primary: tuple[CandidateArrays, np.ndarray] | None = None


def floor_vote(chamber: Chamber, yea: np.ndarray, in_majority: np.ndarray, privileged: bool, cloture_fraction: float) -> FloorVote:
    """A chamber's floor: a majority of the members passes a bill; in the Senate a bill that is not privileged first needs cloture.

    Debate on a Senate bill ends only when ``cloture_fraction`` of the members vote for
    cloture (Senate Rule XXII: three-fifths, 60 of 100); members vote on cloture as they
    would on passage. A bill that fails cloture never gets a final-passage vote, so no party
    is rolled on it (Cox & McCubbins 2005 count rolls over final-passage votes).
    """
    n, ayes = yea.size, int(yea.sum())
    cloture = chamber is not Chamber.SENATE or privileged or ayes >= math.ceil(round(cloture_fraction * n, 9))
    passed = bool(cloture and ayes >= n // 2 + 1)

    def rolled(side: np.ndarray) -> bool:
        return bool(passed and side.any() and yea[side].mean() < 0.5)

    return FloorVote(ayes, n - ayes, passed, bool(cloture), not cloture, rolled(in_majority), rolled(~in_majority))


class Legislature:
    """Both chambers' seats and holders, their leaders and observation network, and the bills they decide."""

    def __init__(
        self, model: mesa.Model, params: Params, rng: np.random.Generator, electorate: Electorate, geography: Geography, n_donors: int
    ) -> None:
        lp = params.legislature
        self.model = model
        self.params = params
        self.rng = rng
        self.electorate = electorate
        self.geography = geography
        self.n_donors = n_donors
        reach = lp.status_quo + params.agenda.state_patchwork
        self.positions = np.unique(np.append(GRID, [lp.status_quo, reach]))
        self.status_quo_col = int(np.flatnonzero(self.positions == lp.status_quo)[0])
        #: Columns a regulation may take, and those of the industry's measures: a light framework up to full preemption.
        self.bill_cols = np.flatnonzero((self.positions >= lp.bill_position_min) & (self.positions <= lp.bill_position_max))
        if self.bill_cols.size == 0:
            self.bill_cols = np.array([int(np.argmin(np.abs(self.positions - lp.bill_position_max)))])
        self.backed_cols = np.flatnonzero((self.positions > lp.status_quo) & (self.positions <= reach))
        #: How many background-issue bills have been introduced: the issues are taken in turn.
        self.background_turn = 0
        self.n_house = lp.house_seats
        self.n_seats = self.n_house + lp.senate_seats
        self.chamber_of = np.array([Chamber.HOUSE] * self.n_house + [Chamber.SENATE] * lp.senate_seats)
        self.senate_class = np.full(self.n_seats, -1)
        self.senate_class[self.n_house :] = np.arange(lp.senate_seats) % 3
        self.seats = Seats([], electorate.n_issues - 1, n_donors)
        self.leaders: dict[Chamber, Leadership] = {}
        self.observation: nx.Graph = nx.Graph()
        self.watch: Any = None

    # ------------------------------------------------------------ construction
    def seat_first_members(self) -> None:
        """Draw the champions, then a first holder for every seat, then who watches whom, then the leaders."""
        p = self.params
        champions = set(self.rng.choice(self.n_seats, p.politicians.champions, replace=False).tolist())
        k_bg = self.electorate.n_issues - 1
        self.seats = Seats(
            [self.recruit(j, self.draw_seat_party(j), champion=j in champions) for j in range(self.n_seats)], k_bg, self.n_donors
        )
        self.observation = build_observation(
            self.rng,
            self.chamber_of,
            self.seats.table.party.astype(np.int64),
            p.politicians.observed_colleagues,
            p.politicians.observation_homophily,
        )
        self.leaders = {
            c: Leadership(
                self.model,
                chamber=c,
                party=self.majority(c),
                majority_weight=p.leadership.majority_weight,
                money_value=p.leadership.money_value,
            )
            for c in Chamber
        }
        self.watch = nx.to_scipy_sparse_array(self.observation, nodelist=range(self.n_seats), format="csr")

    def draw_seat_party(self, seat: int) -> Party:
        """A first holder's party: a coin weighted by the seat's voters' mean party identification."""
        e = self.electorate
        voters = e.district == seat if seat < self.n_house else e.state == (seat - self.n_house) // 2
        lean = float(e.party_id[voters].mean())
        return Party.REP if self.rng.random() < 1.0 / (1.0 + math.exp(-4.0 * lean)) else Party.DEM

    def recruit(
        self, seat: int, party: Party, *, champion: bool = False, incumbent: bool = True, stance: float | None = None
    ) -> Politician:
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
            champion=champion,
        )

    # ---------------------------------------------------------------- the state
    def majority(self, chamber: Chamber) -> Party:
        """The party holding at least half of a chamber's seats (ties go to Party.REP)."""
        parties = self.seats.table.party[self.chamber_of == chamber]
        return Party.REP if (parties == Party.REP).sum() * 2 >= parties.size else Party.DEM

    def renew_leaders(self) -> None:
        """After an election each chamber's leader belongs to its new majority."""
        for leader in self.leaders.values():
            leader.party = self.majority(leader.chamber)

    def stances(self) -> np.ndarray:
        """Every seat holder's public stance on the target issue."""
        return self.seats.table.stance.copy()

    def stance_columns(self) -> np.ndarray:
        """Every seat holder's stance as a column of the position grid."""
        return np.argmin(np.abs(self.stances()[:, None] - self.positions[None, :]), axis=1)

    def sides(self, donor_positions: np.ndarray) -> np.ndarray:
        """Each seat holder's side of each donor (seats × donors)."""
        return side_of(self.stances(), donor_positions, self.params.politicians.muted_band)

    def decision_arrays(self) -> tuple[Beliefs, np.ndarray, np.ndarray, np.ndarray]:
        """(beliefs, ideal, conviction, capital) of every seat holder, as arrays for the chamber-wide rules."""
        t = self.seats.table
        return (
            Beliefs(t.threat_belief.copy(), t.protect_belief.copy(), t.threat_effect.copy()),
            t.ideal.copy(),
            t.conviction.copy(),
            t.capital.copy(),
        )

    # --------------------------------------------------------------- behaviour
    def choose_stances(self, outlook: Outlook, incentives: Incentives) -> None:
        """Every seat holder takes its best stance at once (the same rule as ``Politician.choose_stance``)."""
        beliefs, ideal, conviction, capital = self.decision_arrays()
        options = np.arange(self.positions.shape[0])
        chosen, cost = choose_positions(outlook, options, beliefs, ideal, conviction, capital, incentives)
        t = self.seats.table
        t.stance[:] = self.positions[chosen]
        t.capital -= cost

    def update_beliefs(self, expected_against: np.ndarray, expected_for: np.ndarray, rate: float | None = None) -> None:
        """Each legislator moves its belief about donors' spending towards what their plan rule implies (seats × donors).

        ``rate`` overrides ``politicians.threat_learning_rate``; at the start of a run
        legislators take what they see at face value (rate 1).
        """
        base = self.params.politicians.threat_learning_rate if rate is None else rate
        t = self.seats.table
        move_beliefs(t.threat_belief, t.protect_belief, expected_against, expected_for, base)

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

    # ------------------------------------------------------------------ bills
    def consider_agenda(self, outlook: Outlook, incentives: Incentives, donors: list[Donor], recorder: Recorder, ballot: Ballot) -> None:
        """This bill week's bills: members sponsor them, then each goes through the gates and floors of both chambers."""
        for bill in self.introduce_target_bills(outlook, incentives, donors):
            self.decide(bill, self.weigh_target(bill, outlook, incentives), outlook, incentives, donors, recorder)
        for _ in range(self.params.agenda.partisan_bills_per_week):
            introduced = self.introduce_background_bill(outlook, incentives, ballot)
            if introduced is not None:
                self.decide(*introduced, outlook, incentives, donors, recorder)

    def introduce_target_bills(self, outlook: Outlook, incentives: Incentives, donors: list[Donor]) -> list[Bill]:
        """A regulation and a measure the industry wants, each sponsored by a member who would vote for it.

        For each side of the status quo, the richest donor on that side with money to spend
        asks the ally keenest on its measure to carry it; without one, a member volunteers
        its favourite bill on that side. A side no member would vote for gets no bill.
        """
        lp = self.params.legislature
        beliefs, ideal, conviction, capital = self.decision_arrays()
        bills = []
        for bill_type, cols in ((BillType.INDUSTRY_OPPOSED, self.bill_cols), (BillType.INDUSTRY_BACKED, self.backed_cols)):
            if cols.size == 0:
                continue
            support = weigh_target_bills(outlook, beliefs, incentives, ideal, conviction, capital, self.status_quo_col, cols).support
            side = np.sign(self.positions[cols[0]] - lp.status_quo)
            askers = [d for d in donors if d.pot > 0 and np.sign(d.position - lp.status_quo) == side]
            asker = max(askers, key=lambda d: d.pot) if askers else None
            pick = ask_ally(support, self.positions[cols], asker.position) if asker else volunteer(self.rng, support)
            if pick is None:
                continue
            member, option = pick
            col = int(cols[option])
            bills.append(
                Bill(
                    bill_type,
                    self.electorate.target,
                    float(self.positions[col]),
                    lp.status_quo,
                    member,
                    col,
                    asker.name if asker else "",
                    self.params.agenda.privileged_target,
                )
            )
        return bills

    def weigh_target(self, bill: Bill, outlook: Outlook, incentives: Incentives) -> Weighing:
        """Every member's weighing of a target-issue bill, from its calculus as it stands now."""
        beliefs, ideal, conviction, capital = self.decision_arrays()
        return weigh_target_bills(outlook, beliefs, incentives, ideal, conviction, capital, self.status_quo_col, np.array([bill.column]))

    def introduce_background_bill(self, outlook: Outlook, incentives: Incentives, ballot: Ballot) -> tuple[Bill, Weighing] | None:
        """A bill on the next background issue in turn, written at its sponsor's platform; with every member's weighing of it.

        A member would sponsor a bill at its own platform when standing on that record
        serves its calculus better than the status quo's; of those, one is drawn in
        proportion to its gain (:func:`~pacsim.agents.sponsor.volunteer`).
        """
        issue = self.background_turn % (self.electorate.n_issues - 1)
        self.background_turn += 1
        q = self.params.agenda.background_status_quo
        at_q = self.record_on(ballot, outlook, issue, q)
        platform = self.seats.table.platform[:, issue].copy()
        own = self.weigh_background_positions(issue, q, platform, outlook, incentives, at_q, None)
        pick = volunteer(self.rng, own.support)
        if pick is None:
            return None
        bill = Bill(BillType.PARTISAN, issue, float(np.clip(platform[pick[0]], -1.0, 1.0)), q, pick[0])
        if bill.position == q:
            return None
        return bill, self.weigh_background(bill, outlook, incentives, ballot, at_q)

    def weigh_background(
        self, bill: Bill, outlook: Outlook, incentives: Incentives, ballot: Ballot, at_status_quo: Record | None = None
    ) -> Weighing:
        """Every member's weighing of a background-issue bill, from the electorate's vote model and its own platform."""
        at_q = at_status_quo if at_status_quo is not None else self.record_on(ballot, outlook, bill.issue, bill.status_quo)
        at_bill = self.record_on(ballot, outlook, bill.issue, bill.position)
        return self.weigh_background_positions(bill.issue, bill.status_quo, bill.position, outlook, incentives, at_q, at_bill)

    def weigh_background_positions(
        self,
        issue: int,
        status_quo: float,
        position: float | np.ndarray,
        outlook: Outlook,
        incentives: Incentives,
        at_q: Record,
        at_bill: Record | None,
    ) -> Weighing:
        """Members' weighing of a bill at ``position`` on background issue ``issue`` (one position, or each member's own).

        ``at_q`` and ``at_bill`` are :meth:`record_on` at the status quo and at the bill;
        ``at_bill`` None means each member's bill is at its platform, where it stands now.
        """
        beliefs, _, _, capital = self.decision_arrays()
        cols = self.stance_columns()
        rows = np.arange(self.n_seats)
        now = Record(
            outlook.share[rows, cols],
            outlook.slope[rows, cols],
            None if outlook.primary_share is None else outlook.primary_share[rows, cols],
            None if outlook.primary_slope is None else outlook.primary_slope[rows, cols],
        )
        platform = self.seats.table.platform[:, issue].copy()
        conviction = np.full(self.n_seats, self.params.agenda.platform_conviction)
        return weigh_background_bill(
            outlook,
            beliefs,
            incentives,
            cols,
            now,
            at_q,
            now if at_bill is None else at_bill,
            platform,
            (status_quo, position),
            conviction,
            capital,
        )

    def record_on(self, ballot: Ballot, outlook: Outlook, issue: int, position: float) -> Record:
        """Every seat holder's record at its stance if it stood at ``position`` on background issue ``issue``.

        The same vote model the forecast uses, with the holder's platform on the issue
        replaced by the position its vote would put on the record.
        """
        stance_cols = self.stance_columns()

        def at(cand: CandidateArrays, stock: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            platform = cand.platform.copy()
            platform[:, issue] = position
            return self.electorate.outlook_at(replace(cand, platform=platform), stock, self.positions, stance_cols)

        record = Record(*at(ballot.candidates, ballot.stock))
        if ballot.primary is not None and outlook.primary_share is not None:
            p_share, p_slope = at(*ballot.primary)
            absent = np.isnan(outlook.primary_share[:, 0])
            p_share[absent] = p_slope[absent] = np.nan
            record.primary_share, record.primary_slope = p_share, p_slope
        return record

    def voters_for(self, bill: Bill) -> tuple[np.ndarray, float]:
        """Share of each seat's voters, and of the nation's, who prefer the bill to the status quo on its issue."""
        return self.electorate.majority_for(bill.position, bill.status_quo, self.n_house, self.n_seats, issue=bill.issue)

    def decide(
        self, bill: Bill, weighing: Weighing, outlook: Outlook, incentives: Incentives, donors: list[Donor], recorder: Recorder
    ) -> BillStage:
        """Carry a bill through the gate and floor of its sponsor's chamber, then the other's; record every step.

        A leader who holds the bill still learns where its members stand (a whip count,
        recorded as such). Members pay for their floor votes in capital.
        """
        lp = self.params.legislature
        bill_id = len(recorder.bills)
        district_share, national_share = self.voters_for(bill)
        beliefs = self.decision_arrays()[0]
        stance_chance = reelection_chance(outlook, beliefs, incentives)[np.arange(self.n_seats), self.stance_columns()]
        record_change = weighing.chosen_chance() - stance_chance
        cares = bill.bill_type is not BillType.PARTISAN
        pots_for = sum(d.pot for d in donors if cares and abs(d.position - bill.position) < abs(d.position - bill.status_quo))
        pots_against = sum(d.pot for d in donors if cares and abs(d.position - bill.status_quo) < abs(d.position - bill.position))
        parties = self.seats.table.party
        origin = Chamber(self.chamber_of[bill.sponsor])
        fate, stopped_in = BillStage.PASSED, None
        floors: dict[Chamber, FloorVote] = {}
        for chamber in (origin, Chamber.SENATE if origin is Chamber.HOUSE else Chamber.HOUSE):
            members = np.flatnonzero(self.chamber_of == chamber)
            leader = self.leaders[chamber]
            in_caucus = parties[members] == leader.party
            caucus = members[in_caucus]
            if lp.leadership_gate:
                money = leader.fundraising_at_stake(pots_for, pots_against, caucus.size, self.params.leadership.party_dues)
                if not leader.gate_bill(weighing.support[caucus, 0], float(record_change[caucus].sum()), money):
                    whip = weighing.support[members, 0] > 0.0
                    recorder.roll_call(bill_id, chamber, members, whip, bill, district_share, kind=VoteKind.WHIP)
                    fate, stopped_in = BillStage.GATED, chamber
                    break
            yea, cost = weighing.vote(members)
            self.seats.table.capital[members] -= cost
            recorder.roll_call(bill_id, chamber, members, yea, bill, district_share)
            floors[chamber] = floor = floor_vote(chamber, yea, in_caucus, bill.privileged, lp.cloture_fraction)
            if not floor.passed:
                fate, stopped_in = BillStage.FAILED, chamber
                break
        recorder.bill(
            bill_id,
            bill,
            self.seats[bill.sponsor],
            national_share,
            fate,
            stopped_in,
            floors,
            {c: leader.party for c, leader in self.leaders.items()},
        )
        return fate
