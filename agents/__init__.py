"""pacsim's agents: what a voter, a politician, a donor and a leader do.

The enumerations load with the package; the agent classes, which bring in Mesa and
numba, load on first use, so that what only needs the enumerations (the parameter schema,
and through it the command line's parsing and its one-line errors) starts in a fraction
of a second.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from pacsim.agents.enums import AdStrategy, BillStage, BillType, Chamber, LegislatorSnapshot, Party, RaceStage, Side, SpendingSide, VoteKind

#: Agent class -> module that defines it; imported on first use.
_AGENTS = {
    "Donor": "pacsim.agents.donor",
    "Leadership": "pacsim.agents.leadership",
    "Politician": "pacsim.agents.politician",
    "Voter": "pacsim.agents.voter",
    "Voters": "pacsim.agents.voter",
}

if TYPE_CHECKING:  # re-exported for type checkers; at run time __getattr__ imports them
    from pacsim.agents.donor import Donor as Donor
    from pacsim.agents.leadership import Leadership as Leadership
    from pacsim.agents.politician import Politician as Politician
    from pacsim.agents.voter import Voter as Voter
    from pacsim.agents.voter import Voters as Voters

__all__ = [
    "AdStrategy",
    "BillStage",
    "BillType",
    "Chamber",
    "Donor",
    "Leadership",
    "LegislatorSnapshot",
    "Party",
    "Politician",
    "RaceStage",
    "Side",
    "SpendingSide",
    "VoteKind",
    "Voter",
    "Voters",
]


def __getattr__(name: str) -> Any:
    """Import an agent class from the module that defines it."""
    if name not in _AGENTS:
        raise AttributeError(f"module 'pacsim.agents' has no attribute {name!r}")
    value = getattr(importlib.import_module(_AGENTS[name]), name)
    globals()[name] = value
    return value
