"""pacsim's agents: what a voter, a politician, a donor and a leader do."""

from pacsim.agents.donor import Donor
from pacsim.agents.enums import AdStrategy, BillStage, BillType, Chamber, LegislatorSnapshot, Party, RaceStage, Side, SpendingSide, VoteKind
from pacsim.agents.leadership import Leadership
from pacsim.agents.politician import Politician
from pacsim.agents.voter import Voter, Voters

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
