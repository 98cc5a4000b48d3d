"""Leadership: the majority leader of a chamber decides which bills reach the floor."""

from __future__ import annotations

import mesa
import numpy as np

from pacsim.agents.enums import Chamber, Party


class Leadership(mesa.Agent):
    """The majority party's leader in one chamber, holding the agenda veto.

    The leader weighs each bill for its caucus. It starts from the majority-party agenda
    cartel's rule (Cox & McCubbins 2005): the caucus median member must want the bill, so a
    bill that a majority of the majority opposes is held however the floor would vote. It
    also weighs keeping the majority, since a floor vote puts every member on the record,
    and the caucus's fundraising from donors who care about the bill, for it or against it
    (thread line 17).
    """

    def __init__(self, model: mesa.Model, *, chamber: Chamber, party: Party, majority_weight: float, money_value: float) -> None:
        super().__init__(model)
        self.chamber = chamber
        self.party = party
        self.majority_weight = majority_weight
        self.money_value = money_value

    def floor_value(self, caucus_support: np.ndarray, record_change: float = 0.0, fundraising: float = 0.0) -> float:
        """The leader's value of bringing a bill to the floor, in caucus seats.

        ``caucus_support`` holds each majority member's value of a yea minus that of a nay
        (from the calculus that decides its vote); the caucus median's support, counted for
        every member, is the agenda cartel's term. ``record_change`` is the caucus's summed
        change in re-election chances from having to vote on the bill (the majority at
        stake), and ``fundraising`` the caucus fundraising, in dollars, that floor time wins
        from donors for the bill less what it loses from donors against it.
        """
        if caucus_support.size == 0:
            return -np.inf
        cartel = caucus_support.size * float(np.median(caucus_support))
        return cartel + self.majority_weight * record_change + self.money_value * fundraising / 1e6

    def gate_bill(self, caucus_support: np.ndarray, record_change: float = 0.0, fundraising: float = 0.0) -> bool:
        """Let a bill through when its floor value is positive."""
        return bool(self.floor_value(caucus_support, record_change, fundraising) > 0.0)

    @staticmethod
    def fundraising_at_stake(pots_for: float, pots_against: float, caucus_size: int, dues: float) -> float:
        """Caucus money a floor vote wins from donors for a bill less what it loses from donors against it.

        Either side can give or withhold at most what the caucus raises for the party in a
        cycle (``dues`` per member), and at most what those donors have to spend.
        """
        ceiling = dues * caucus_size
        return min(ceiling, pots_for) - min(ceiling, pots_against)

    def __repr__(self) -> str:
        return f"Leadership({self.chamber.value}, {self.party.name})"
