"""The campaign: donors, the ads they have on air and the money they have spent.

Ad stocks are dollars per eligible voter still working in each race, by slot (the
incumbent-slot candidate or the challenger) and ad issue: a week's buy is added to the
stock and the stock decays by ``campaign.ad_retention`` a week. The money ledger keeps each
donor's dollars for and against each seat's incumbent-slot candidate this cycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from pacsim.agents import Donor, Politician
from pacsim.agents.donor import RaceView, spending_schedule
from pacsim.agents.enums import RaceStage
from pacsim.agents.politician import Seats, court_backer
from pacsim.model.electorate import CHAL, INC, CandidateArrays, Electorate
from pacsim.model.params import Params
from pacsim.model.tables import Recorder


@dataclass
class AdStocks:
    """Dollars per eligible voter on air, seats × slot (incumbent, challenger) × ad issue, for generals and primaries."""

    general: np.ndarray
    primary: np.ndarray

    @classmethod
    def empty(cls, n_seats: int, n_issues: int) -> AdStocks:
        """No ads on air anywhere."""
        general = np.zeros((n_seats, 2, n_issues))
        return cls(general, np.zeros_like(general))

    def decay(self, retention: float) -> None:
        """A week passes: each ad keeps ``retention`` of its effect."""
        self.general *= retention
        self.primary *= retention


@dataclass
class MoneyLedger:
    """Each donor's dollars this cycle for and against each seat's incumbent-slot candidate (seats × donors).

    Money against a sitting member counts its primary and its general election alike.
    ``candidates`` is what both candidates and their parties spent on their own ads in
    each seat's general election.
    """

    for_incumbent: np.ndarray
    against_incumbent: np.ndarray
    candidates: np.ndarray

    @classmethod
    def empty(cls, n_seats: int, n_donors: int) -> MoneyLedger:
        """Nothing spent yet."""
        return cls(np.zeros((n_seats, n_donors)), np.zeros((n_seats, n_donors)), np.zeros(n_seats))

    def targeted(self, donor: int) -> np.ndarray:
        """Seats whose incumbent-slot candidate the donor spent against this cycle."""
        return self.against_incumbent[:, donor] > 0

    def per_seat(self, seats: slice = slice(None)) -> np.ndarray:
        """All donors' money, both sides, in each seat's races (of ``seats``, all by default)."""
        return self.for_incumbent[seats].sum(axis=1) + self.against_incumbent[seats].sum(axis=1)

    def donor_share(self, seats: slice = slice(None)) -> np.ndarray:
        """Donors' share of all the money spent in each seat's races (0 where nothing was spent), of ``seats``."""
        donors = self.per_seat(seats)
        total = donors + self.candidates[seats]
        return np.divide(donors, total, out=np.zeros_like(total), where=total > 0)

    def reset(self) -> None:
        """A new cycle: nothing spent yet."""
        self.for_incumbent[:] = 0.0
        self.against_incumbent[:] = 0.0
        self.candidates[:] = 0.0


class Campaign:
    """Donors' and candidates' ad buying in every race, with the ads on air and the money ledger it leaves.

    Candidates and parties spend their own money (``campaign.*_candidate_spending``, more in
    close races) on the issue that helps them most; each donor follows its race plan. Both
    spend on :func:`~pacsim.agents.donor.spending_schedule`, most of it in the last weeks.
    """

    def __init__(
        self,
        params: Params,
        donors: list[Donor],
        electorate: Electorate,
        positions: np.ndarray,
        race_electorate: np.ndarray,
        primary_weeks: int,
    ) -> None:
        n_seats = race_electorate.shape[0]
        camp = params.campaign
        self.params = params
        self.donors = donors
        self.donor_positions = np.array([d.position for d in donors])
        self.electorate = electorate
        self.positions = positions
        self.race_electorate = race_electorate
        self.stocks = AdStocks.empty(n_seats, electorate.n_issues)
        self.ledger = MoneyLedger.empty(n_seats, len(donors))
        self.schedule = spending_schedule(camp.ad_retention, params.run.campaign_steps)
        self.primary_schedule = spending_schedule(camp.ad_retention, max(primary_weeks, 1))
        self.candidate_plan = np.zeros(n_seats)
        self.planned_share: np.ndarray | None = None

    @property
    def any_money(self) -> bool:
        """Whether any donor has money for the target issue's races."""
        return any(d.pot > 0 for d in self.donors)

    def decay(self) -> None:
        """Ads on air lose effect for a week."""
        self.stocks.decay(self.params.campaign.ad_retention)

    def open(self, candidate_money: np.ndarray) -> None:
        """A campaign opens: candidates set their budgets; donors have no general-election plan yet."""
        self.candidate_plan = candidate_money.copy()
        self.planned_share = None
        for donor in self.donors:
            donor.start_campaign(candidate_money.shape[0])

    def plan(self, views: list[RaceView], sides: np.ndarray, up: np.ndarray) -> None:
        """Each donor plans in turn (the opposing PAC bids after the industry, seeing its plan), or revises its plan."""
        buy = self.params.campaign.min_buy
        shift = np.zeros(up.shape[0])
        revising = self.planned_share is not None
        for d, donor in enumerate(self.donors):
            spent = (donor.spent_against, donor.spent_for) if revising else None
            shift = shift + donor.plan(views[d], sides[:, d], up, buy, shift, spent)
        self.planned_share = views[0].share.copy()

    def races_moved(self, view: RaceView, up: np.ndarray) -> bool:
        """Whether any race that is up has moved enough since the plan to revise it."""
        if self.planned_share is None:
            return True
        moved = np.abs(view.share - self.planned_share)[up]
        return bool(moved.size and moved.max() > self.params.campaign.replan_threshold)

    def spend_general(
        self,
        seats: Seats,
        challengers: Mapping[int, Politician],
        cand: CandidateArrays,
        up: np.ndarray,
        weeks_left: int,
        recorder: Recorder,
    ) -> None:
        """Candidates and donors buy this week's ads in the races that are up, each on the issue it chooses.

        A challenger whose race a donor pours money into courts it (``court_backer``).
        """
        reach, lean, _ = self.electorate.ad_leverage(cand, self.positions)
        rows = np.arange(len(seats))
        week_share = self.schedule[weeks_left] / self.schedule[1 : weeks_left + 1].sum() if weeks_left >= 1 else 1.0
        own = np.where(up, (self.candidate_plan - 0.5 * self.ledger.candidates) * week_share, 0.0)
        self.stocks.general[rows, INC, np.argmax(reach - lean, axis=1)] += own / self.race_electorate
        self.stocks.general[rows, CHAL, np.argmax(reach + lean, axis=1)] += own / self.race_electorate
        self.ledger.candidates += 2.0 * own
        for d, donor in enumerate(self.donors):
            against, for_ = donor.spend_week(self.schedule, weeks_left)
            if not (against.any() or for_.any()):
                continue
            issue_against = donor.choose_ad_issue(reach + lean)
            issue_for = donor.choose_ad_issue(reach - lean)
            self.stocks.general[rows, CHAL, issue_against] += against / self.race_electorate
            self.stocks.general[rows, INC, issue_for] += for_ / self.race_electorate
            self.ledger.for_incumbent[:, d] += for_
            self.ledger.against_incumbent[:, d] += against
            for j in np.flatnonzero(against + for_):
                seats[j].money_for += float(for_[j])
                seats[j].money_against += float(against[j])
            backed = float(np.sign(donor.position)) * self.params.politicians.backed_stance
            for j in np.flatnonzero(against):
                challenger = challengers.get(int(j))
                if challenger is not None:
                    challenger.stance = court_backer(challenger.stance, donor.position, backed)
            recorder.spending(donor, against, for_, issue_against, issue_for)

    def spend_primary(self, seats: Seats, cand: CandidateArrays, weeks_left: int, recorder: Recorder) -> None:
        """Donors spend their primary plans against the members they chose to primary."""
        reach, lean, _ = self.electorate.ad_leverage(cand, self.positions)
        rows = np.arange(len(seats))
        for d, donor in enumerate(self.donors):
            against = donor.spend_primary_week(self.primary_schedule, weeks_left)
            if not against.any():
                continue
            issue = donor.choose_ad_issue(reach + lean)
            # Primary voters are about half a race's electorate.
            self.stocks.primary[rows, CHAL, issue] += against / (0.5 * self.race_electorate)
            self.ledger.against_incumbent[:, d] += against
            for j in np.flatnonzero(against):
                seats[j].money_against += float(against[j])
            recorder.spending(donor, against, np.zeros(len(seats)), issue, issue, stage=RaceStage.PRIMARY)

    def end_primaries(self) -> None:
        """Primary ads come off the air once the primaries are held."""
        self.stocks.primary[:] = 0.0

    def new_cycle(self) -> None:
        """After an election: no ads on air, nothing spent, donors' cycle budgets renewed."""
        self.stocks.general[:] = 0.0
        self.ledger.reset()
        self.planned_share = None
        for donor in self.donors:
            donor.new_cycle()
