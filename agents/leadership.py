"""Leadership: the majority leader of a chamber decides which bills reach the floor."""

from __future__ import annotations

import mesa
import numpy as np

from agents.enums import Chamber, Party


class Leadership(mesa.Agent):
    """The majority party's leader in one chamber, holding the agenda veto.

    In this slice the leader applies the majority-party agenda cartel's rule (Cox &
    McCubbins 2005): a bill reaches the floor only if the caucus median member supports it.
    """

    def __init__(self, model: mesa.Model, *, chamber: Chamber, party: Party) -> None:
        super().__init__(model)
        self.chamber = chamber
        self.party = party

    def gate_bill(self, caucus_support: np.ndarray) -> bool:
        """Let a bill through when the median caucus member prefers it to the status quo.

        ``caucus_support`` holds each majority member's utility of the bill minus that of
        the status quo, from the same calculus that decides its vote.
        """
        if caucus_support.size == 0:
            return False
        return bool(np.median(caucus_support) > 0.0)

    def __repr__(self) -> str:
        return f"Leadership({self.chamber.value}, {self.party.name})"
