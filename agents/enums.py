"""Categorical states shared by the agents: chambers, parties, bill stages, sides."""

from __future__ import annotations

import enum


class Chamber(enum.StrEnum):
    """The two chambers of the legislature."""

    HOUSE = "house"
    SENATE = "senate"


class Party(enum.IntEnum):
    """Party, signed so that a voter's party identification times the party is its affinity."""

    DEM = -1
    REP = 1

    @property
    def other(self) -> Party:
        """The opposing party."""
        return Party(-self.value)


class BillStage(enum.StrEnum):
    """Where a bill's life ended."""

    GATED = "gated"
    FAILED = "failed"
    PASSED = "passed"


class Side(enum.IntEnum):
    """Which side of a donor a stance falls on; a muted stance is neither."""

    OPPONENT = -1
    MUTED = 0
    ALLY = 1
