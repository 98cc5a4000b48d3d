"""Leadership: the majority leader of a chamber decides which bills reach the floor."""

from __future__ import annotations

import mesa
import numpy as np

from pacsim.agents.enums import Chamber, Party


class Leadership(mesa.Agent):
    """The majority party's leader in one chamber, holding the agenda veto.

    The leader starts from the majority-party agenda cartel's rule (Cox & McCubbins 2005):
    the caucus median member must support the bill. It also weighs keeping the majority,
    since a floor vote puts every member on the record, and the caucus's fundraising from
    donors who oppose the bill (thread line 17).
    """

    def __init__(self, model: mesa.Model, *, chamber: Chamber, party: Party, majority_weight: float, money_value: float) -> None:
        super().__init__(model)
        self.chamber = chamber
        self.party = party
        self.majority_weight = majority_weight
        self.money_value = money_value

    def floor_value(self, caucus_support: np.ndarray, record_change: float = 0.0, money_at_risk: float = 0.0) -> float:
        """The leader's value of bringing a bill to the floor, in caucus seats.

        ``caucus_support`` holds each majority member's utility of the bill minus that of the
        status quo (from the calculus that decides its vote); the caucus median's support,
        counted for every member, is the agenda cartel's term. ``record_change`` is the
        caucus's summed change in re-election chances from having to vote on the bill (the
        majority at stake), and ``money_at_risk`` the caucus fundraising, in dollars, from
        donors against the bill.
        """
        if caucus_support.size == 0:
            return -np.inf
        cartel = caucus_support.size * float(np.median(caucus_support))
        return cartel + self.majority_weight * record_change - self.money_value * money_at_risk / 1e6

    def gate_bill(self, caucus_support: np.ndarray, record_change: float = 0.0, money_at_risk: float = 0.0) -> bool:
        """Let a bill through when its floor value is positive."""
        return bool(self.floor_value(caucus_support, record_change, money_at_risk) > 0.0)

    def __repr__(self) -> str:
        return f"Leadership({self.chamber.value}, {self.party.name})"
