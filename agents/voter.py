"""Voters: how attention moves and how a vote is chosen, as whole-electorate array rules.

A voter's state lives in the model's electorate, a struct of numpy arrays, so that every
per-step rule below is one vectorised operation over all voters. :class:`Voter` is the
Mesa agent a user inspects: a thin view whose attributes read and write those arrays.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np
import scipy.sparse as sp
from scipy.special import expit


def _column(name: str, doc: str) -> property:
    """A scalar attribute stored in ``model.electorate.<name>[index]``."""

    def get(self: Voter) -> Any:
        return getattr(self.model.electorate, name)[self.index].item()

    def set_(self: Voter, value: Any) -> None:
        getattr(self.model.electorate, name)[self.index] = value

    return property(get, set_, doc=doc)


def _row(name: str, doc: str) -> property:
    """A per-issue attribute stored in row ``index`` of ``model.electorate.<name>``; returns a live view."""

    def get(self: Voter) -> np.ndarray:
        return getattr(self.model.electorate, name)[self.index]

    def set_(self: Voter, value: Any) -> None:
        getattr(self.model.electorate, name)[self.index] = value

    return property(get, set_, doc=doc)


class Voter(mesa.Agent):
    """One voter, seen as a Mesa agent; its state is row ``index`` of the electorate arrays."""

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

    def __repr__(self) -> str:
        return f"Voter(index={self.index}, district={self.district}, party_id={self.party_id:.2f})"


def spread_attention(
    attention: np.ndarray,
    target_level: np.ndarray,
    ties: sp.csr_array,
    diffusion: float,
    reversion: float,
) -> np.ndarray:
    """Attention moves towards neighbours' (social diffusion) and back towards its own level.

    Attention follows the news and one's contacts (Zaller 1992); the reversion term lets a
    shock fade. ``ties`` is row-normalised, so ``ties @ attention`` is the neighbours' mean.
    """
    reverted = attention + reversion * (target_level - attention)
    if diffusion == 0.0 or ties.nnz == 0:
        return reverted
    return (1.0 - diffusion) * reverted + diffusion * (ties @ reverted)


def normalise_salience(attention: np.ndarray) -> np.ndarray:
    """Salience is each issue's share of a voter's attention; rows sum to 1."""
    total = attention.sum(axis=1, keepdims=True)
    return attention / np.where(total > 0.0, total, 1.0)


def issue_gap(weights: np.ndarray, positions: np.ndarray, incumbent: np.ndarray, challenger: np.ndarray) -> np.ndarray:
    """Weighted issue advantage of the incumbent over the challenger, per voter.

    Each voter weighs the distance to each candidate on each issue by the weight it gives
    that issue, its salience (Krosnick 1990: issue publics) as primed by ads; only the
    difference between candidates matters. ``incumbent`` and ``challenger`` are per-voter
    candidate positions, shape (n, issues).
    """
    return np.einsum("ij,ij->i", weights, np.abs(positions - challenger) - np.abs(positions - incumbent))


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
