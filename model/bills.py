"""Bills as data: what a bill does and how a chamber's floor decided it (the legislature decides, the recorder records)."""

from __future__ import annotations

from dataclasses import dataclass

from pacsim.agents.enums import BillType


@dataclass(frozen=True)
class Bill:
    """A bill: what it does, where it would move policy on its issue and from where, and who sponsored it.

    ``issue`` is the electorate's issue column (the target issue is the last); ``column``
    the bill's column on the target-issue position grid (-1 for a background-issue bill);
    ``asked_by`` the donor that asked the sponsor to carry it ("" if the sponsor
    volunteered); a ``privileged`` bill needs no cloture in the Senate.
    """

    bill_type: BillType
    issue: int
    position: float
    status_quo: float
    sponsor: int
    column: int = -1
    asked_by: str = ""
    privileged: bool = False


@dataclass(frozen=True)
class FloorVote:
    """How one chamber's floor decided a bill; a rolled party is one whose majority voted against a bill that passed."""

    yea: int
    nay: int
    passed: bool
    final_passage: bool
    failed_cloture: bool
    majority_rolled: bool
    minority_rolled: bool
