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
    def label(self) -> str:
        """The party as tables and summaries write it: its name in lowercase, as every other categorical value."""
        return self.name.lower()

    @property
    def other(self) -> Party:
        """The opposing party."""
        return Party(-self.value)


class BillStage(enum.StrEnum):
    """Where a bill's life ended."""

    GATED = "gated"
    FAILED = "failed"
    PASSED = "passed"


class BillType(enum.StrEnum):
    """What a bill does: regulate the target issue against the industry, move it the industry's way, or a partisan background-issue bill."""

    INDUSTRY_OPPOSED = "industry_opposed"
    INDUSTRY_BACKED = "industry_backed"
    PARTISAN = "partisan"


class Side(enum.IntEnum):
    """Which side of a donor a stance falls on; a muted stance is neither."""

    OPPONENT = -1
    MUTED = 0
    ALLY = 1


class AdStrategy(enum.StrEnum):
    """What a donor's ads are about: Fairshake's savvy off-issue ads, or its own issue."""

    SAVVY = "savvy"
    NAIVE = "naive"


class RaceStage(enum.StrEnum):
    """Which contest a race or a dollar belongs to: a party primary or the general election."""

    GENERAL = "general"
    PRIMARY = "primary"


class SpendingSide(enum.StrEnum):
    """Which candidate a donor's dollars work for, relative to the seat's incumbent slot."""

    FOR_INCUMBENT = "for_incumbent"
    AGAINST_INCUMBENT = "against_incumbent"


class VoteKind(enum.StrEnum):
    """How a member's decision on a bill was taken: a recorded floor vote, or a whip count for a gated bill."""

    FLOOR = "floor"
    WHIP = "whip"


class LegislatorSnapshot(enum.StrEnum):
    """When the legislators table takes its rows: run start, before each election, early in each later session."""

    START = "start"
    ELECTION = "election"
    SESSION = "session"
