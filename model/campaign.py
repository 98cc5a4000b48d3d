"""The campaign: donors, the ads they have on air and the money they have spent.

Ad stocks are dollars per eligible voter still working in each race, by slot (the
incumbent-slot candidate or the challenger) and ad issue: a week's buy is added to the
stock and the stock decays by ``campaign.ad_retention`` a week. The money ledger keeps each
donor's dollars for and against each seat's incumbent-slot candidate this cycle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pacsim.agents import Donor, Politician, Side
from pacsim.agents.enums import RaceStage
from pacsim.agents.politician import court_backer
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
    """

    for_incumbent: np.ndarray
    against_incumbent: np.ndarray

    @classmethod
    def empty(cls, n_seats: int, n_donors: int) -> MoneyLedger:
        """Nothing spent yet."""
        return cls(np.zeros((n_seats, n_donors)), np.zeros((n_seats, n_donors)))

    def targeted(self, donor: int) -> np.ndarray:
        """Seats whose incumbent-slot candidate the donor spent against this cycle."""
        return self.against_incumbent[:, donor] > 0

    def per_seat(self) -> np.ndarray:
        """All donors' money, both sides, in each seat's races."""
        return self.for_incumbent.sum(axis=1) + self.against_incumbent.sum(axis=1)

    def reset(self) -> None:
        """A new cycle: nothing spent yet."""
        self.for_incumbent[:] = 0.0
        self.against_incumbent[:] = 0.0


class Campaign:
    """Donors' ad buying in every race, with the ads on air and the money ledger it leaves."""

    def __init__(self, params: Params, donors: list[Donor], electorate: Electorate, positions: np.ndarray,
                 race_electorate: np.ndarray) -> None:
        n_seats = race_electorate.shape[0]
        self.params = params
        self.donors = donors
        self.donor_positions = np.array([d.position for d in donors])
        self.electorate = electorate
        self.positions = positions
        self.race_electorate = race_electorate
        self.stocks = AdStocks.empty(n_seats, electorate.n_issues)
        self.ledger = MoneyLedger.empty(n_seats, len(donors))

    @property
    def any_money(self) -> bool:
        """Whether any donor has money for the target issue's races."""
        return any(d.pot > 0 for d in self.donors)

    def decay(self) -> None:
        """Ads on air lose effect for a week."""
        self.stocks.decay(self.params.campaign.ad_retention)

    def spend_general(self, seats: list[Politician], challengers: dict[int, Politician], cand: CandidateArrays, up: np.ndarray,
                      closeness: np.ndarray, sides: np.ndarray, steps_left: int, recorder: Recorder) -> None:
        """Each donor spends this week's money on the races that are up, on the issue it chooses.

        A challenger whose race a donor pours money into courts it (``court_backer``).
        """
        reach, lean, _ = self.electorate.ad_leverage(cand, self.positions)
        rows = np.arange(len(seats))
        for d, donor in enumerate(self.donors):
            if donor.pot <= donor.spent_cycle:
                continue
            others = sum(self.ledger.against_incumbent[:, o] for o in range(len(self.donors)) if o != d)
            pressure = others * (sides[:, d] == Side.ALLY)
            against, for_ = donor.allocate_budget(closeness, sides[:, d], up, steps_left, pressure)
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

    def spend_primary(self, seats: list[Politician], cand: CandidateArrays, closeness: np.ndarray, steps_left: int,
                      recorder: Recorder) -> None:
        """Donors spend their primary money against the members they chose to primary."""
        reach, lean, _ = self.electorate.ad_leverage(cand, self.positions)
        rows = np.arange(len(seats))
        for d, donor in enumerate(self.donors):
            against = donor.allocate_primary(closeness, len(seats), steps_left)
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
        for donor in self.donors:
            donor.new_cycle()
