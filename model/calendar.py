"""The calendar: which phase each week of a cycle belongs to and what falls due in it.

A cycle is ``run.steps_per_cycle`` weeks: a legislative session in which bills are
introduced, gated and voted on, then a campaign of ``run.campaign_steps`` weeks in which
donors buy ads (with party primaries halfway through, where they are held), then an
election in the cycle's last week. The calendar only says what is due; the model decides
what to do about it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from pacsim.model.params import Params


class Phase(enum.StrEnum):
    """The part of the cycle a step belongs to."""

    SESSION = "session"
    CAMPAIGN = "campaign"
    ELECTION = "election"


@dataclass(frozen=True)
class Week:
    """What falls due in one week of a cycle (``index`` counts from 0 within the cycle)."""

    index: int
    phase: Phase
    opens_campaign: bool
    review_due: bool
    bill_due: bool
    session_snapshot_due: bool
    primary_spending: bool
    primary_day: bool
    weeks_to_primary: int
    weeks_to_election: int

    @property
    def election_day(self) -> bool:
        """Whether this is the cycle's election week."""
        return self.phase is Phase.ELECTION

    @property
    def campaigning(self) -> bool:
        """Whether donors buy ads this week."""
        return self.phase is Phase.CAMPAIGN


class Calendar:
    """The weekly schedule of a run, from the ``run``, ``legislature`` and ``politicians`` sections."""

    def __init__(self, params: Params) -> None:
        run = params.run
        self.steps_per_cycle = run.steps_per_cycle
        self.campaign_steps = run.campaign_steps
        self.n_cycles = run.n_cycles
        self.review_interval = params.politicians.review_interval
        #: The week the campaign opens: retirements, challengers and primaries are drawn then.
        self.campaign_start = run.steps_per_cycle - 1 - run.campaign_steps
        #: Week of the cycle in which primaries are held: halfway through the campaign.
        self.primary_week = self.campaign_start + max(1, run.campaign_steps // 2)
        self.bill_weeks = self._bill_weeks(params.legislature.bills_per_session)

    def _bill_weeks(self, n: int) -> frozenset[int]:
        """Weeks of the session in which a bill is introduced: spread evenly over the session."""
        if n == 0:
            return frozenset()
        session_end = self.steps_per_cycle - self.campaign_steps
        weeks = {int(s) for s in np.linspace(1, session_end - 1, n + 2)[1:-1].round()}
        return frozenset(weeks | ({1} if n == 1 else set()))

    def week_index(self, steps: int) -> int:
        """Week within the current cycle of the step numbered ``steps`` (Mesa counts from 1), from 0."""
        return (steps - 1) % self.steps_per_cycle if steps > 0 else 0

    def phase(self, steps: int) -> Phase:
        """The phase of the step numbered ``steps``."""
        t = self.week_index(steps)
        if t == self.steps_per_cycle - 1:
            return Phase.ELECTION
        if t >= self.campaign_start:
            return Phase.CAMPAIGN
        return Phase.SESSION

    def week(self, steps: int) -> Week:
        """What is due in the step numbered ``steps``."""
        t, phase = self.week_index(steps), self.phase(steps)
        bill = phase is Phase.SESSION and t in self.bill_weeks
        return Week(
            index=t,
            phase=phase,
            opens_campaign=t == self.campaign_start,
            review_due=phase is not Phase.SESSION or t % self.review_interval == 0 or t in self.bill_weeks,
            bill_due=bill,
            session_snapshot_due=t == 2 * self.review_interval,
            primary_spending=phase is Phase.CAMPAIGN and t < self.primary_week,
            primary_day=t == self.primary_week,
            weeks_to_primary=self.primary_week - t,
            weeks_to_election=self.steps_per_cycle - 1 - t,
        )

    def finished(self, steps: int) -> bool:
        """Whether the run's last cycle has ended after ``steps`` steps."""
        return steps >= self.n_cycles * self.steps_per_cycle
