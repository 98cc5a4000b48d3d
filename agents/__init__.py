"""pacsim's agents: what a voter, a politician, a donor and a leader do."""

from agents.donor import Donor
from agents.enums import BillStage, Chamber, Party, Side
from agents.leadership import Leadership
from agents.politician import Politician
from agents.voter import Voter

__all__ = ["BillStage", "Chamber", "Donor", "Leadership", "Party", "Politician", "Side", "Voter"]
