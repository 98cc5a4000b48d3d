"""Voters: Mesa agents that are views onto the electorate's arrays, and the vote a voter casts.

A voter's state lives in the model's electorate, a struct of numpy arrays, and its
per-step rules (attention, issue weights, utility) are the compiled kernels of
:mod:`pacsim.agents.voter_kernels`, run over every voter at once. :class:`Voter` is the
Mesa agent a user inspects: a thin view whose attributes read and write those arrays.
Voters are created lazily, when a user asks for them (see :class:`Voters`).
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Sequence
from typing import Any, Protocol, overload

import mesa
import numpy as np
from scipy.special import expit

import pacsim.agents.elementwise as ew


class VoterArrays(Protocol):
    """What a Voter views: the electorate's arrays (``pacsim.model.electorate.Electorate`` provides them)."""

    n: int


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

    Get one from ``model.voters[index]``: it registers with the model (``model.agents``,
    ``model.agents_by_type[Voter]``) when first asked for, with the ``unique_id`` reserved
    for it when the electorate was built, so asking for voters never changes other agents'
    ids. Row views (``positions``, ``attention``, ``salience``) read the current arrays, which
    a step replaces: read them again after a step.
    """

    def __init__(self, model: mesa.Model, index: int) -> None:
        voters: Voters = model.voters
        counter = model.agent_id_counter
        model.agent_id_counter = voters.first_id + index
        try:
            super().__init__(model)
        finally:
            model.agent_id_counter = counter
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


class Voters(Sequence[Voter]):
    """The electorate's voters as a sequence of Mesa agents, each created the first time it is asked for.

    ``len`` is the number of voters; ``voters[i]`` (negative indices and slices too) and
    iteration create the :class:`Voter` views they return, once each, and the same object
    is returned every time after. ``model.agents_by_type[Voter]`` holds the voters created so
    far, not all of them: iterate ``model.voters`` to create all (a million voters then cost
    a million objects, which the model itself never needs).
    """

    def __init__(self, model: mesa.Model, electorate: VoterArrays) -> None:
        self.model = model
        self.electorate = electorate
        self.first_id = model.agent_id_counter
        model.agent_id_counter += electorate.n
        self._created: dict[int, Voter] = {}

    def __len__(self) -> int:
        return self.electorate.n

    @overload
    def __getitem__(self, index: int) -> Voter: ...

    @overload
    def __getitem__(self, index: slice) -> list[Voter]: ...

    def __getitem__(self, index: int | slice) -> Voter | list[Voter]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        i = operator.index(index)
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"voter index {index} is out of range for {n} voters")
        voter = self._created.get(i)
        if voter is None:
            voter = self._created[i] = Voter(self.model, i)
        return voter

    def __iter__(self) -> Iterator[Voter]:
        for i in range(len(self)):
            yield self[i]

    @property
    def created(self) -> int:
        """How many Voter agents exist so far."""
        return len(self._created)


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
    return ew.log1p(stock / saturation)
