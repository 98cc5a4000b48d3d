"""Donors: PACs that spend on races to reward allies and punish opponents on one issue."""

from __future__ import annotations

import mesa
import numpy as np
from scipy.stats import norm

from agents.enums import Side


def competitiveness(expected_share: np.ndarray, uncertainty: float) -> np.ndarray:
    """How close a race is: the normal density at its expected margin, 1 for a dead heat."""
    return norm.pdf((expected_share - 0.5) / uncertainty) / norm.pdf(0.0)


class Donor(mesa.Agent):
    """A PAC with a budget per cycle, a position and intensity on the target issue, and a strategy.

    Its rule (Fairshake's, as the thread describes it): spend against legislators who
    oppose it and for those who side with it, each in proportion to how competitive the
    race is, because money moves the most votes where the race is close.
    """

    def __init__(
        self,
        model: mesa.Model,
        *,
        name: str,
        budget: float,
        position: float,
        intensity: float,
        attack_share: float,
        strategy: str,
        target_issue: int,
    ) -> None:
        super().__init__(model)
        self.name = name
        self.budget = budget
        self.position = position
        self.intensity = intensity
        self.attack_share = attack_share
        self.strategy = strategy
        self.target_issue = target_issue
        self.spent_cycle = 0.0
        self.spent_total = 0.0

    @property
    def pot(self) -> float:
        """Money committed to the target issue's races in one cycle."""
        return self.budget * self.intensity

    @property
    def announced_pots(self) -> tuple[float, float]:
        """The (attack, protect) money the PAC announces for a cycle; legislators plan against it."""
        return self.pot * self.attack_share, self.pot * (1.0 - self.attack_share)

    def allocate_budget(self, weight: np.ndarray, sides: np.ndarray, up: np.ndarray, steps_left: int) -> tuple[np.ndarray, np.ndarray]:
        """Spread this step's share of what is left over races, by competitiveness.

        Returns (against, for_): dollars spent against and for each seat's candidate in the
        incumbent slot. Money with no target this step stays in the bank, so spending never
        exceeds the budget.
        """
        remaining = max(self.pot - self.spent_cycle, 0.0)
        step_pot = remaining / max(steps_left, 1)
        attack_pot, protect_pot = step_pot * self.attack_share, step_pot * (1.0 - self.attack_share)
        against = self._spread(attack_pot, weight * ((sides == Side.OPPONENT) & up))
        for_ = self._spread(protect_pot, weight * ((sides == Side.ALLY) & up))
        spent = float(against.sum() + for_.sum())
        self.spent_cycle += spent
        self.spent_total += spent
        return against, for_

    @staticmethod
    def _spread(pot: float, weight: np.ndarray) -> np.ndarray:
        total = weight.sum()
        if pot <= 0.0 or total <= 0.0:
            return np.zeros_like(weight, dtype=float)
        return pot * weight / total

    def choose_ad_issue(self, weakness: np.ndarray) -> np.ndarray:
        """Pick each race's ad issue: savvy donors attack where the disfavoured candidate is weakest, naive ones use their own issue.

        ``weakness`` (races × issues) is the race's mean salience × distance between voters
        and the candidate the ad is against. A savvy PAC runs ads on whatever voters care
        about and that candidate is out of step on (thread lines 13-14); a naive one talks
        about its own issue.
        """
        if self.strategy == "naive":
            return np.full(weakness.shape[0], self.target_issue, dtype=np.int64)
        return np.argmax(weakness, axis=1)

    def new_cycle(self) -> None:
        """Reset the cycle's spending."""
        self.spent_cycle = 0.0

    def __repr__(self) -> str:
        return f"Donor({self.name}, budget={self.budget:,.0f}, position={self.position:+.1f}, {self.strategy})"
