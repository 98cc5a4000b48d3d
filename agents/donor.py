"""Donors: PACs that spend on races to reward allies and punish opponents on one issue."""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np
from scipy.stats import norm

from pacsim.agents.enums import AdStrategy, Side


def competitiveness(expected_share: np.ndarray, uncertainty: float) -> np.ndarray:
    """How close a race is: the normal density at its expected margin, 1 for a dead heat."""
    return norm.pdf((expected_share - 0.5) / uncertainty) / norm.pdf(0.0)


class Donor(mesa.Agent):
    """A PAC with a budget per cycle, a position and intensity on the target issue, and a strategy.

    Its rule (Fairshake's, as the thread describes it): spend against legislators who
    oppose it and for those who side with it, each in proportion to how competitive the
    race is, because money moves the most votes where the race is close.
    """

    @classmethod
    def from_params(cls, model: mesa.Model, name: str, params: Any, target_issue: int) -> Donor:
        """A donor configured by one donor section of the parameter schema (``industry`` or ``opposing``)."""
        fields = ("budget", "position", "intensity", "attack_share", "focus", "announce", "counter", "primary_share", "max_targets")
        return cls(model, name=name, target_issue=target_issue, strategy=AdStrategy(params.strategy), **{f: getattr(params, f) for f in fields})

    def __init__(
        self,
        model: mesa.Model,
        *,
        name: str,
        budget: float,
        position: float,
        intensity: float,
        attack_share: float,
        strategy: AdStrategy,
        target_issue: int,
        focus: float,
        announce: bool,
        counter: float,
        primary_share: float,
        max_targets: int,
    ) -> None:
        super().__init__(model)
        self.name = name
        self.budget = budget
        self.position = position
        self.intensity = intensity
        self.attack_share = attack_share
        self.strategy = strategy
        self.target_issue = target_issue
        self.focus = focus
        self.announce = announce
        self.counter = counter
        self.primary_share = primary_share
        self.max_targets = max_targets
        self.targets: set[int] = set()
        self.primary_targets: np.ndarray = np.zeros(0, dtype=np.int64)
        self.primary_reserved = 0.0
        self.spent_general = 0.0
        self.spent_primary = 0.0
        self.spent_cycle = 0.0
        self.spent_total = 0.0

    @property
    def pot(self) -> float:
        """Money committed to the target issue's races in one cycle."""
        return self.budget * self.intensity

    @property
    def announced_pots(self) -> tuple[float, float]:
        """The (attack, protect) money the PAC announces for a cycle; legislators plan against it. Nothing if it stays quiet."""
        if not self.announce:
            return 0.0, 0.0
        return self.pot * self.attack_share, self.pot * (1.0 - self.attack_share)

    def target_weight(self, closeness: np.ndarray) -> np.ndarray:
        """How much of its money a race draws: closeness to a dead heat, sharpened by ``focus``.

        A high focus concentrates the money on a few close races that can be won and so make
        an example (thread line 5); zero spreads it evenly.
        """
        return np.power(closeness, self.focus)

    def allocate_budget(
        self, closeness: np.ndarray, sides: np.ndarray, up: np.ndarray, steps_left: int, pressure: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Spread this step's share of what is left over races, by competitiveness.

        Returns (against, for_): dollars spent against and for each seat's candidate in the
        incumbent slot. ``pressure`` is what other donors have spent against this donor's
        allies this cycle; with ``counter`` > 0 protection follows it (sequential bidding).
        Money with no target this step stays in the bank, so spending never exceeds the budget.
        """
        weight = self.target_weight(closeness)
        remaining = max(self.pot - self.primary_reserved - self.spent_general, 0.0)
        step_pot = remaining / max(steps_left, 1)
        attack_pot, protect_pot = step_pot * self.attack_share, step_pot * (1.0 - self.attack_share)
        against = self._spread(attack_pot, self._examples(weight * ((sides == Side.OPPONENT) & up)))
        protect_weight = weight * ((sides == Side.ALLY) & up)
        if pressure is not None and self.counter > 0 and pressure.any():
            protect_weight = protect_weight * (1.0 + self.counter * pressure / pressure[pressure > 0].mean())
        for_ = self._spread(protect_pot, protect_weight)
        spent = float(against.sum() + for_.sum())
        self.spent_general += spent
        self._book(spent)
        return against, for_

    def _book(self, spent: float) -> None:
        self.spent_cycle += spent
        self.spent_total += spent

    def choose_primary_targets(self, closeness: np.ndarray, sides: np.ndarray, eligible: np.ndarray) -> np.ndarray:
        """Pick the primaries to fight: opponents in the safest seats, where only a primary can unseat them.

        Reserves ``primary_share`` of the attack money for them; returns the chosen seats.
        """
        weight = np.power(1.0 - closeness, self.focus) * ((sides == Side.OPPONENT) & eligible)
        order = [int(j) for j in np.argsort(-weight, kind="stable") if weight[j] > 0]
        if self.max_targets > 0:
            order = order[: self.max_targets]
        self.primary_targets = np.array(sorted(order), dtype=np.int64)
        self.primary_reserved = self.pot * self.attack_share * self.primary_share if order else 0.0
        return self.primary_targets

    def allocate_primary(self, closeness: np.ndarray, n_seats: int, steps_left: int) -> np.ndarray:
        """Spend this step's share of the primary money on the chosen primaries, safest seats first."""
        against = np.zeros(n_seats)
        remaining = max(self.primary_reserved - self.spent_primary, 0.0)
        if remaining <= 0 or self.primary_targets.size == 0:
            return against
        weight = np.zeros(n_seats)
        weight[self.primary_targets] = np.power(1.0 - closeness[self.primary_targets], self.focus) + 1e-12
        against = self._spread(remaining / max(steps_left, 1), weight)
        self.spent_primary += float(against.sum())
        self._book(float(against.sum()))
        return against

    def _examples(self, weight: np.ndarray) -> np.ndarray:
        """Keep the races this cycle's attack money goes to: those already under attack, then the closest, up to ``max_targets``.

        Once a race is picked the PAC sees it through; a legislator who goes quiet mid-campaign
        drops out of the weights and frees its place.
        """
        if self.max_targets <= 0:
            return weight
        live = [j for j in self.targets if weight[j] > 0]
        order = [int(j) for j in np.argsort(-weight, kind="stable") if weight[j] > 0 and j not in self.targets]
        chosen = (live + order)[: self.max_targets]
        self.targets = set(chosen)
        kept = np.zeros_like(weight)
        kept[chosen] = weight[chosen]
        return kept

    @staticmethod
    def _spread(pot: float, weight: np.ndarray) -> np.ndarray:
        total = weight.sum()
        if pot <= 0.0 or total <= 0.0:
            return np.zeros_like(weight, dtype=float)
        return pot * weight / total

    def choose_ad_issue(self, leverage: np.ndarray) -> np.ndarray:
        """Pick each race's ad issue: savvy donors where the candidate they attack is weakest, naive ones their own issue.

        ``leverage`` (races × issues) is what an ad on each issue would do for the donor's
        side: its reach (exposure × salience) plus how much worse, in the race's
        salience-weighted eyes, the attacked candidate is than the favoured one. A
        savvy PAC runs ads on whatever voters care about and the target is out of step on
        (thread lines 13-14); a naive one talks about its own issue wherever it stands.
        """
        if self.strategy is AdStrategy.NAIVE:
            return np.full(leverage.shape[0], self.target_issue, dtype=np.int64)
        return np.argmax(leverage, axis=1)

    def new_cycle(self) -> None:
        """Reset the cycle's spending and targets."""
        self.spent_cycle = 0.0
        self.spent_general = 0.0
        self.spent_primary = 0.0
        self.primary_reserved = 0.0
        self.primary_targets = np.zeros(0, dtype=np.int64)
        self.targets = set()

    def __repr__(self) -> str:
        return f"Donor({self.name}, budget={self.budget:,.0f}, position={self.position:+.1f}, {self.strategy.value})"
