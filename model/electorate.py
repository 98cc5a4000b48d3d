"""The electorate: every voter's state as a struct of numpy arrays, and the vectorised work on it.

Voters are stored contiguously by House district. Each step moves attention (diffusion on
the sparse network, reversion, news shocks, ads); at decision points it aggregates voters'
logit choices into what each legislator expects at each position it could take; at
elections it samples turnout and votes. None of this loops over voters in Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from pacsim.agents.voter import ad_dose, choose_votes, issue_gap, normalise_salience, spread_attention, vote_probability
from pacsim.model.network import build_ties
from pacsim.model.params import Params

INC, CHAL = 0, 1


@dataclass
class Geography:
    """Which state each district is in and where each district's voters start."""

    n_states: int
    district_state: np.ndarray
    district_starts: np.ndarray

    @property
    def n_districts(self) -> int:
        """Number of House districts."""
        return int(self.district_state.shape[0])

    def districts_in_state(self) -> np.ndarray:
        """Number of House districts in each state."""
        return np.bincount(self.district_state, minlength=self.n_states)


def build_geography(params: Params, rng: np.random.Generator) -> Geography:
    """Apportion House districts to states (at least one each) and voters to districts (evenly)."""
    n_states = params.legislature.senate_seats // 2
    n_districts = params.legislature.house_seats
    weight = rng.lognormal(0.0, 1.0, n_states)
    extra = n_districts - n_states
    quota = extra * weight / weight.sum()
    counts = np.floor(quota).astype(np.int64)
    counts[np.argsort(-(quota - counts), kind="stable")[: extra - counts.sum()]] += 1
    district_state = np.repeat(np.arange(n_states), counts + 1)
    n = params.electorate.n_voters
    sizes = np.full(n_districts, n // n_districts)
    sizes[: n % n_districts] += 1
    starts = np.concatenate([[0], np.cumsum(sizes)])
    return Geography(n_states, district_state, starts)


class Electorate:
    """All voters' state as arrays; the last issue column is the target issue."""

    def __init__(self, params: Params, rng: np.random.Generator, geography: Geography) -> None:
        e, sal, tgt = params.electorate, params.salience, params.target
        self.params = params
        self.geography = geography
        n = params.electorate.n_voters
        self.n = n
        self.issue_names = [*sal.background_issues, tgt.name]
        self.n_issues = k = len(self.issue_names)
        self.target = k - 1
        sizes = np.diff(geography.district_starts)
        self.district = np.repeat(np.arange(geography.n_districts), sizes).astype(np.int64)
        self.state = geography.district_state[self.district]

        lean = rng.normal(0.0, e.district_lean_sd, geography.n_districts)
        self.party_id = lean[self.district] + rng.normal(0.0, 1.0, n)
        self.turnout = rng.beta(5.0 * e.turnout_mean, 5.0 * (1.0 - e.turnout_mean) + 1e-9, n)
        camp = params.campaign
        self.exposure = rng.lognormal(-0.5 * camp.exposure_sd**2, camp.exposure_sd, n)

        positions = np.empty((n, k))
        positions[:, :-1] = np.tanh(0.5 * self.party_id)[:, None] + rng.normal(0.0, 0.5, (n, k - 1))
        raw = tgt.partisan_loading * self.party_id + rng.normal(0.0, tgt.opinion_sd, n)
        # Centre target opinion so that exactly the configured share sits on the donor's (+) side.
        shift = -np.quantile(raw, 1.0 - tgt.voter_share_with_donor) if 0.0 < tgt.voter_share_with_donor < 1.0 else (
            10.0 if tgt.voter_share_with_donor >= 1.0 else -10.0)
        positions[:, -1] = raw + shift
        self.positions = np.clip(positions, -1.0, 1.0)

        het = sal.heterogeneity
        self.baseline = rng.lognormal(-0.5 * het**2, het, (n, k))
        weights = np.asarray(sal.background_weights)
        self.national_base = np.append((1.0 - tgt.salience) * weights / weights.sum(), tgt.salience)
        self.shock = np.zeros(k)
        self.attention = self.baseline * self.national_base
        self.salience = normalise_salience(self.attention)

        self.ties = build_ties(rng, geography.district_starts, self.party_id, e.network_degree, e.network_rewire, e.cross_district_share)
        self._groups: dict[tuple[int, int, bool], tuple[np.ndarray, sp.csr_array, np.ndarray]] = {}

    # ----------------------------------------------------------------- attention
    @property
    def national_level(self) -> np.ndarray:
        """Current national attention per issue, after shocks."""
        return self.national_base * np.exp(self.shock)

    def draw_news(self, rng: np.random.Generator) -> None:
        """News shocks: with some chance one issue's national attention jumps; old shocks fade."""
        sal = self.params.salience
        self.shock *= 1.0 - sal.shock_decay
        if rng.random() < sal.shock_rate:
            issue = int(rng.integers(self.n_issues))
            self.shock[issue] += rng.normal(0.0, sal.shock_sd)

    def apply_shock(self, issue: int, log_size: float) -> None:
        """An exogenous event multiplies one issue's national attention by ``exp(log_size)``."""
        self.shock[issue] += log_size

    def refresh_salience(self) -> None:
        """Recompute salience after attention was set directly (as a hand-built world does)."""
        self.salience = normalise_salience(self.attention)

    def step_attention(self, ad_push: np.ndarray | None) -> None:
        """Move every voter's attention one step and recompute salience."""
        sal = self.params.salience
        level = self.baseline * self.national_level
        self.attention = spread_attention(self.attention, level, self.ties, sal.diffusion, sal.reversion)
        if ad_push is not None:
            self.attention += ad_push
        self.salience = normalise_salience(self.attention)

    # ------------------------------------------------------------- aggregation
    def seat_of(self, group: int, n_house: int) -> np.ndarray:
        """Seat index of each voter's race: group 0 is the House, 1 and 2 the state's two Senate seats."""
        if group == 0:
            return self.district
        return n_house + 2 * self.state + (group - 1)

    def group(self, group: int, n_house: int, n_seats: int, weighted: bool = True) -> tuple[np.ndarray, sp.csr_array, np.ndarray]:
        """A race group's (seat of each voter, sparse seats × voters summing matrix, total weight per seat).

        Weighted groups sum turnout propensities (expected voters); unweighted ones count voters.
        Built once per model and reused.
        """
        key = (group, n_seats, weighted)
        if key not in self._groups:
            seats = self.seat_of(group, n_house)
            w = self.turnout if weighted else np.ones(self.n)
            agg = sp.csr_array((w, (seats, np.arange(self.n))), shape=(n_seats, self.n))
            self._groups[key] = (seats, agg, np.asarray(agg.sum(axis=1)).ravel())
        return self._groups[key]

    def race_weights(self, cand: CandidateArrays, group: int, n_seats: int) -> tuple[np.ndarray, sp.csr_array, np.ndarray]:
        """(seat of each voter, seats × voters summing matrix of expected turnout, total per seat) for these candidates' races.

        A primary counts only the voters who identify with the incumbent's party.
        """
        if not cand.primary:
            return self.group(group, cand.n_house, n_seats)
        seats = self.seat_of(group, cand.n_house)
        w = self.turnout * (np.sign(self.party_id) == cand.party[seats])
        agg = sp.csr_array((w, (seats, np.arange(self.n))), shape=(n_seats, self.n))
        return seats, agg, np.asarray(agg.sum(axis=1)).ravel()

    def issue_weights(self, stock: np.ndarray, seats: np.ndarray) -> np.ndarray:
        """Weight each voter puts on each issue when choosing: its salience, amplified by ads on that issue.

        Campaign ads prime (Iyengar & Kinder 1987): an ad about an issue makes the voters it
        reaches weigh that issue more, in proportion to their exposure and attention, with
        diminishing returns in dollars per voter. Priming helps whichever candidate voters
        prefer on the issue, whoever paid for the ad; with :meth:`ad_persuasion` it makes an
        ad on an issue where voters side with its target backfire.
        """
        e, camp = self.params.electorate, self.params.campaign
        weights = e.issue_weight * self.salience
        if camp.ad_effect > 0.0 and stock.any():
            dose = ad_dose(stock, camp.ad_saturation).sum(axis=1)
            weights = weights + camp.ad_effect * self.n_issues * self.exposure[:, None] * self.salience * dose[seats]
        return weights

    def ad_push(self, stock: np.ndarray, n_house: int, groups: list[int]) -> np.ndarray:
        """Attention ads add to their issue for the voters they reach (agenda setting)."""
        camp, sal = self.params.campaign, self.params.salience
        push = np.zeros((self.n, self.n_issues))
        dose = ad_dose(stock, camp.ad_saturation).sum(axis=1)
        for g in groups:
            push += dose[self.seat_of(g, n_house)]
        return sal.ad_push * self.exposure[:, None] * push

    def ad_persuasion(self, stock: np.ndarray, seats: np.ndarray) -> np.ndarray:
        """Each voter's direct persuasion by ads towards the incumbent-slot candidate (logit units).

        An ad moves a voter towards its sponsor's candidate in proportion to the voter's
        exposure and its attention to the ad's issue relative to an even split: ads about
        what a voter cares about work (thread lines 13-14).
        """
        camp = self.params.campaign
        if camp.ad_effect == 0.0 or not stock.any():
            return np.zeros(self.n)
        dose = ad_dose(stock, camp.ad_saturation)
        net = (dose[:, INC, :] - dose[:, CHAL, :])[seats]
        return camp.ad_effect * self.n_issues * self.exposure * np.einsum("ij,ij->i", self.salience, net)

    def utility_gaps(self, cand: CandidateArrays, group: int, stock: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per voter: utility gap (incumbent slot minus challenger) without the target issue, and the target issue's weight."""
        e = self.params.electorate
        seats = self.seat_of(group, cand.n_house)
        bg = slice(0, self.target)
        weights = self.issue_weights(stock, seats)
        gap = np.zeros(self.n) if cand.primary else e.party_weight * self.party_id * cand.party[seats]
        gap = gap + issue_gap(weights[:, bg], self.positions[:, bg], cand.platform[seats], cand.chal_platform[seats])
        gap = gap + (cand.valence - cand.chal_valence)[seats] + self.ad_persuasion(stock, seats)
        if cand.sitting is not None:
            edge = e.primary_incumbency_advantage if cand.primary else e.incumbency_advantage
            gap = gap + edge * cand.sitting[seats]
        return gap, weights[:, self.target]

    def outlook(self, cand: CandidateArrays, stock: np.ndarray, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Expected vote share and its slope for every seat's incumbent-slot candidate at every position.

        Returns (share, slope, mean_salience): shares and slopes are (seats × positions), the
        race's mean salience per issue is (seats × issues). The slope is the derivative of
        the share with respect to a uniform shift of every voter's utility gap.
        """
        n_seats = cand.party.shape[0]
        share = np.zeros((n_seats, positions.shape[0]))
        slope = np.zeros_like(share)
        mean_sal = np.zeros((n_seats, self.n_issues))
        x = self.positions[:, self.target]
        distance = np.abs(x[:, None] - positions[None, :])
        for group in (0, 1, 2):
            seats = self.seat_of(group, cand.n_house)
            gap, weight = self.utility_gaps(cand, group, stock)
            gap = gap + weight * np.abs(x - cand.chal_stance[seats])
            p = vote_probability(gap[:, None] - weight[:, None] * distance)
            _, agg, total = self.race_weights(cand, group, n_seats)
            covered = total > 0
            share[covered] = (agg @ p)[covered] / total[covered, None]
            slope[covered] = (agg @ (p * (1.0 - p)))[covered] / total[covered, None]
            mean_sal[covered] = (agg @ self.salience)[covered] / total[covered, None]
        return share, slope, mean_sal

    def ad_leverage(self, cand: CandidateArrays, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What ads on each issue could do in each race, per unit of ad dose and of ``ad_effect``.

        Returns (reach, lean, target_lean): ``reach`` (seats × issues) is the race's mean of
        exposure × salience, the direct persuasion of an ad on the issue; ``lean`` (seats ×
        issues) the mean of exposure × salience × (distance to the incumbent slot - distance
        to the challenger), what priming the issue does for the challenger; ``target_lean``
        (seats × positions) the same for the target issue if the incumbent slot stood at
        each position. An attack on the incumbent slot on issue k is worth reach + lean, a
        defence reach - lean; either is negative where the ad would backfire.
        """
        n_seats = cand.party.shape[0]
        reach = np.zeros((n_seats, self.n_issues))
        lean = np.zeros((n_seats, self.n_issues))
        target = np.zeros((n_seats, positions.shape[0]))
        x = self.positions[:, self.target]
        lever = self.exposure[:, None] * self.salience
        for group in (0, 1, 2):
            seats, agg, total = self.race_weights(cand, group, n_seats)
            covered = total > 0
            inc = np.column_stack([cand.platform[seats], cand.stance[seats]])
            chal = np.column_stack([cand.chal_platform[seats], cand.chal_stance[seats]])
            reach[covered] = (agg @ lever)[covered] / total[covered, None]
            per_voter = lever * (np.abs(self.positions - inc) - np.abs(self.positions - chal))
            lean[covered] = (agg @ per_voter)[covered] / total[covered, None]
            at = lever[:, self.target, None] * (np.abs(x[:, None] - positions[None, :]) - np.abs(x - cand.chal_stance[seats])[:, None])
            target[covered] = (agg @ at)[covered] / total[covered, None]
        return reach, lean, target

    def majority_for(self, bill: float, status_quo: float, n_house: int, n_seats: int) -> tuple[np.ndarray, float]:
        """Share of each seat's voters, and of the nation, who prefer the bill to the status quo."""
        x = self.positions[:, self.target]
        prefers = (np.abs(x - bill) < np.abs(x - status_quo)).astype(float)
        share = np.zeros(n_seats)
        for group in (0, 1, 2):
            _, agg, total = self.group(group, n_house, n_seats, weighted=False)
            covered = total > 0
            share[covered] = (agg @ prefers)[covered] / total[covered]
        return share, float(prefers.mean())

    def elect(self, cand: CandidateArrays, stock: np.ndarray, up: np.ndarray, rng: np.random.Generator, national_swing: float) -> tuple[np.ndarray, np.ndarray]:
        """Sample turnout and votes in every race that is up; returns (votes for incumbent slot, total votes) per seat."""
        e = self.params.electorate
        n_seats = cand.party.shape[0]
        votes_inc = np.zeros(n_seats)
        votes_all = np.zeros(n_seats)
        x = self.positions[:, self.target]
        swing = rng.normal(0.0, e.district_swing_sd, n_seats) + national_swing * cand.party
        for group in (0, 1, 2):
            seats = self.seat_of(group, cand.n_house)
            if not up[np.unique(seats)].any():
                continue
            gap, weight = self.utility_gaps(cand, group, stock)
            gap = gap + weight * (np.abs(x - cand.chal_stance[seats]) - np.abs(x - cand.stance[seats])) + swing[seats]
            voted, for_inc = choose_votes(rng, gap, self.turnout)
            mask = up[seats] & (np.sign(self.party_id) == cand.party[seats]) if cand.primary else up[seats]
            votes_inc += np.bincount(seats[mask], weights=for_inc[mask], minlength=n_seats)
            votes_all += np.bincount(seats[mask], weights=voted[mask], minlength=n_seats)
        return votes_inc, votes_all


@dataclass
class CandidateArrays:
    """Every seat's candidates as arrays: the incumbent slot (sitting member or open-seat nominee) and the challenger.

    ``sitting`` marks seats whose incumbent slot is held by a sitting member, who gets the
    incumbency advantage. With ``primary`` True the two are rivals in the incumbent's party primary: only voters
    who identify with that party take part, and party no longer separates them.
    """

    n_house: int
    party: np.ndarray
    platform: np.ndarray
    stance: np.ndarray
    valence: np.ndarray
    chal_platform: np.ndarray
    chal_stance: np.ndarray
    chal_valence: np.ndarray
    sitting: np.ndarray | None = None
    primary: bool = False
