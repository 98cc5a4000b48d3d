"""Voters: Mesa agents that are views onto the electorate's arrays, and the vote a voter casts.

A voter's state lives in the model's electorate, a struct of numpy arrays, and its
per-step rules (attention, issue weights, utility) are the compiled kernels of
:mod:`pacsim.agents.voter_kernels`, run over every voter at once. :class:`Voter` is the
Mesa agent a user inspects: a thin view whose attributes read and write those arrays.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np
from scipy.special import expit


def _column(name: str, doc: str) -> property:
    """A scalar attribute stored in ``model.electorate.<name>[index]``."""

    def get(self: Voter) -> Any:
        return getattr(self.model.electorate, name)[self.index].item()

    def set_(self: Voter, value: Any) -> None:
        getattr(self.model.electorate, name)[self.index] = value
        self.model.electorate.touch()

    return property(get, set_, doc=doc)


def _row(name: str, doc: str) -> property:
    """A per-issue attribute stored in row ``index`` of ``model.electorate.<name>``; returns a live view."""

    def get(self: Voter) -> np.ndarray:
        return getattr(self.model.electorate, name)[self.index]

    def set_(self: Voter, value: Any) -> None:
        getattr(self.model.electorate, name)[self.index] = value
        self.model.electorate.touch()

    return property(get, set_, doc=doc)


class Voter(mesa.Agent):
    """One voter, seen as a Mesa agent; its state is row ``index`` of the electorate arrays.

    Row views (``positions``, ``attention``, ``salience``) read the current arrays, which a
    step replaces: read them again after a step.
    """

    def __init__(self, model: mesa.Model, index: int) -> None:
        super().__init__(model)
        self.index = index

    district = _column("district", "House district (index).")
    state = _column("state", "State (index).")
    party_id = _column("party_id", "Party identification; positive leans to Party.REP.")
    turnout = _column("turnout", "Probability of voting.")
    exposure = _column("exposure", "Exposure to ads, mean 1 over voters.")
    positions = _row("positions", "Position on each issue in [-1, 1]; the last is the target issue.")
    attention = _row("attention", "Raw attention to each issue, before normalising.")
    baseline = _row("baseline", "Personal attention to each issue in quiet times, before the national level.")

    @property
    def salience(self) -> np.ndarray:
        """Share of this voter's attention on each issue (sums to 1)."""
        return self.model.electorate.salience[self.index]

    @property
    def neighbours(self) -> np.ndarray:
        """Indices of the voters this voter has social ties to."""
        ties = self.model.electorate.ties
        return ties.indices[ties.indptr[self.index] : ties.indptr[self.index + 1]].astype(np.int64)

    def __repr__(self) -> str:
        return f"Voter(index={self.index}, district={self.district}, party_id={self.party_id:.2f})"


def vote_probability(utility_gap: np.ndarray) -> np.ndarray:
    """Binary logit: the probability of voting for the incumbent given the utility gap."""
    return expit(utility_gap)


def choose_votes(rng: np.random.Generator, utility_gap: np.ndarray, turnout: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each voter turns out with its propensity and votes by the logit; returns (voted, for_incumbent)."""
    voted = rng.random(turnout.shape[0]) < turnout
    for_incumbent = rng.random(turnout.shape[0]) < vote_probability(utility_gap)
    return voted, for_incumbent & voted


def ad_dose(stock: np.ndarray, saturation: float) -> np.ndarray:
    """Diminishing returns to ad spending: log(1 + dollars per voter / saturation)."""
    return np.log1p(stock / saturation)
