"""pacsim's agents: what a voter, a politician, a donor and a leader do."""

from pacsim.agents.donor import Donor
from pacsim.agents.enums import BillStage, Chamber, Party, Side
from pacsim.agents.leadership import Leadership
from pacsim.agents.politician import Politician
from pacsim.agents.voter import Voter, Voters

__all__ = ["BillStage", "Chamber", "Donor", "Leadership", "Party", "Politician", "Side", "Voter", "Voters"]
