"""Former implementations, kept as the references the faster ones must agree with.

Most are the numpy rules the electorate ran before its compiled kernels, written over an
:class:`~pacsim.model.electorate.Electorate` ``e``: they materialise voters × issues and
voters × positions arrays and aggregate them with scipy.sparse summing matrices. They read
the electorate's arrays as float64, so that a kernel and its reference see the same inputs.
:func:`buy_gains` is a donor's whole ladder of buys, before ladders stopped where plans stop.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.special import expit

from pacsim.agents.donor import RaceView
from pacsim.model.electorate import CHAL, INC, CandidateArrays, Electorate


def ad_dose(stock: np.ndarray, saturation: float) -> np.ndarray:
    """log(1 + dollars per voter / saturation)."""
    return np.log1p(stock / saturation)


def sal64(e: Electorate) -> np.ndarray:
    """The electorate's salience as float64."""
    return e.salience.astype(np.float64)


def spread_attention(attention: np.ndarray, target_level: np.ndarray, ties: sp.csr_array, diffusion: float, reversion: float) -> np.ndarray:
    """Attention moves towards neighbours' mean and back towards its own level (row-normalised ties)."""
    reverted = attention + reversion * (target_level - attention)
    if diffusion == 0.0 or ties.nnz == 0:
        return reverted
    return (1.0 - diffusion) * reverted + diffusion * (ties @ reverted)


def normalise_salience(attention: np.ndarray) -> np.ndarray:
    """Each issue's share of a voter's attention."""
    total = attention.sum(axis=1, keepdims=True)
    return attention / np.where(total > 0.0, total, 1.0)


def step_attention(e: Electorate, push: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """One attention step in float64: (new attention, new salience)."""
    sal = e.params.salience
    level = e.baseline.astype(np.float64) * e.national_level
    ties = sp.csr_array(e.ties, dtype=np.float64)
    deg = np.diff(ties.indptr)
    ties.data = np.repeat(1.0 / np.maximum(deg, 1), deg)  # the weights 1 / degree, not their float32 rounding
    attention = spread_attention(e.attention.astype(np.float64), level, ties, sal.diffusion, sal.reversion)
    if push is not None:
        attention = attention + push
    return attention, normalise_salience(attention)


def ad_push(e: Electorate, stock: np.ndarray, n_house: int, groups: list[int]) -> np.ndarray:
    """Attention ads add to their issue for the voters they reach."""
    camp, sal = e.params.campaign, e.params.salience
    push = np.zeros((e.n, e.n_issues))
    dose = ad_dose(stock, camp.ad_saturation).sum(axis=1)
    for g in groups:
        push += dose[e.seat_of(g, n_house)]
    return sal.ad_push * e.exposure[:, None] * push


def group(e: Electorate, g: int, n_house: int, n_seats: int, weighted: bool = True) -> tuple[np.ndarray, sp.csr_array, np.ndarray]:
    """(seat of each voter, seats × voters summing matrix, total weight per seat)."""
    seats = e.seat_of(g, n_house)
    w = e.turnout if weighted else np.ones(e.n)
    agg = sp.csr_array((w, (seats, np.arange(e.n))), shape=(n_seats, e.n))
    return seats, agg, np.asarray(agg.sum(axis=1)).ravel()


def race_weights(e: Electorate, cand: CandidateArrays, g: int, n_seats: int) -> tuple[np.ndarray, sp.csr_array, np.ndarray]:
    """Summing matrix of expected turnout; a primary counts only the incumbent party's identifiers."""
    if not cand.primary:
        return group(e, g, cand.n_house, n_seats)
    seats = e.seat_of(g, cand.n_house)
    w = e.turnout * (np.sign(e.party_id) == cand.party[seats])
    agg = sp.csr_array((w, (seats, np.arange(e.n))), shape=(n_seats, e.n))
    return seats, agg, np.asarray(agg.sum(axis=1)).ravel()


def issue_gap(weights: np.ndarray, positions: np.ndarray, incumbent: np.ndarray, challenger: np.ndarray) -> np.ndarray:
    """Weighted issue advantage of the incumbent over the challenger, per voter."""
    return np.einsum("ij,ij->i", weights, np.abs(positions - challenger) - np.abs(positions - incumbent))


def issue_weights(e: Electorate, stock: np.ndarray, seats: np.ndarray) -> np.ndarray:
    """Salience, primed by ads on each issue."""
    el, camp = e.params.electorate, e.params.campaign
    salience = sal64(e)
    weights = el.issue_weight * salience
    if camp.ad_effect > 0.0 and stock.any():
        dose = ad_dose(stock, camp.ad_saturation).sum(axis=1)
        weights = weights + camp.ad_effect * e.n_issues * e.exposure[:, None] * salience * dose[seats]
    return weights


def ad_persuasion(e: Electorate, stock: np.ndarray, seats: np.ndarray) -> np.ndarray:
    """Direct persuasion by ads towards the incumbent slot."""
    camp = e.params.campaign
    if camp.ad_effect == 0.0 or not stock.any():
        return np.zeros(e.n)
    dose = ad_dose(stock, camp.ad_saturation)
    net = (dose[:, INC, :] - dose[:, CHAL, :])[seats]
    return camp.ad_effect * e.n_issues * e.exposure * np.einsum("ij,ij->i", sal64(e), net)


def utility_gaps(e: Electorate, cand: CandidateArrays, g: int, stock: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per voter: utility gap without the target issue, and the target issue's weight."""
    el = e.params.electorate
    seats = e.seat_of(g, cand.n_house)
    bg = slice(0, e.target)
    weights = issue_weights(e, stock, seats)
    gap = np.zeros(e.n) if cand.primary else el.party_weight * e.party_id * cand.party[seats]
    gap = gap + issue_gap(weights[:, bg], e.positions[:, bg], cand.platform[seats], cand.chal_platform[seats])
    gap = gap + (cand.valence - cand.chal_valence)[seats] + ad_persuasion(e, stock, seats)
    if cand.sitting is not None:
        edge = el.primary_incumbency_advantage if cand.primary else el.incumbency_advantage
        gap = gap + edge * cand.sitting[seats]
    return gap, weights[:, e.target]


def outlook(e: Electorate, cand: CandidateArrays, stock: np.ndarray, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Expected share and slope (seats × positions) and mean salience (seats × issues)."""
    n_seats = cand.party.shape[0]
    share = np.zeros((n_seats, positions.shape[0]))
    slope = np.zeros_like(share)
    mean_sal = np.zeros((n_seats, e.n_issues))
    x = e.positions[:, e.target]
    distance = np.abs(x[:, None] - positions[None, :])
    for g in (0, 1, 2):
        seats = e.seat_of(g, cand.n_house)
        gap, weight = utility_gaps(e, cand, g, stock)
        gap = gap + weight * np.abs(x - cand.chal_stance[seats])
        p = expit(gap[:, None] - weight[:, None] * distance)
        _, agg, total = race_weights(e, cand, g, n_seats)
        covered = total > 0
        share[covered] = (agg @ p)[covered] / total[covered, None]
        slope[covered] = (agg @ (p * (1.0 - p)))[covered] / total[covered, None]
        mean_sal[covered] = (agg @ sal64(e))[covered] / total[covered, None]
    return share, slope, mean_sal


def ad_leverage(e: Electorate, cand: CandidateArrays, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(reach, lean, target_lean) of ads in each race."""
    n_seats = cand.party.shape[0]
    reach = np.zeros((n_seats, e.n_issues))
    lean = np.zeros((n_seats, e.n_issues))
    target = np.zeros((n_seats, positions.shape[0]))
    x = e.positions[:, e.target]
    lever = e.exposure[:, None] * sal64(e)
    for g in (0, 1, 2):
        seats, agg, total = race_weights(e, cand, g, n_seats)
        covered = total > 0
        inc = np.column_stack([cand.platform[seats], cand.stance[seats]])
        chal = np.column_stack([cand.chal_platform[seats], cand.chal_stance[seats]])
        reach[covered] = (agg @ lever)[covered] / total[covered, None]
        per_voter = lever * (np.abs(e.positions - inc) - np.abs(e.positions - chal))
        lean[covered] = (agg @ per_voter)[covered] / total[covered, None]
        at = lever[:, e.target, None] * (np.abs(x[:, None] - positions[None, :]) - np.abs(x - cand.chal_stance[seats])[:, None])
        target[covered] = (agg @ at)[covered] / total[covered, None]
    return reach, lean, target


def majority_for(
    e: Electorate, bill: float, status_quo: float, n_house: int, n_seats: int, issue: int | None = None
) -> tuple[np.ndarray, float]:
    """Share of each seat's voters, and of the nation, who prefer the bill on ``issue`` (the target by default)."""
    x = e.positions[:, e.target if issue is None else issue]
    prefers = (np.abs(x - bill) < np.abs(x - status_quo)).astype(float)
    share = np.zeros(n_seats)
    for g in (0, 1, 2):
        _, agg, total = group(e, g, n_house, n_seats, weighted=False)
        covered = total > 0
        share[covered] = (agg @ prefers)[covered] / total[covered]
    return share, float(prefers.mean())


def buy_gains(view: RaceView, attack: bool, buy: float, n_buys: int, shift: np.ndarray | None = None) -> np.ndarray:
    """A donor's whole ladder, as the donor computed it before its ladders stopped at the least value a plan can use.

    Gain in the donor's value from each of ``n_buys`` successive buys in every race (races ×
    buys), per $1M: the rise in its side's win chance times the seat's value.
    """
    dollars = buy * np.arange(n_buys + 1, dtype=float)[None, :]
    chance = view.chance_at(view.dose(np.broadcast_to(dollars, (view.share.shape[0], n_buys + 1))), attack, shift)
    return view.value[:, None] * np.diff(chance, axis=1) * (1e6 / buy)
