"""The electorate: every voter's state as a struct of numpy arrays, and the compiled work on it.

Voters are stored contiguously by House district (and so by state). Each step moves
attention (diffusion on the sparse network, reversion, news shocks, ads); at decision
points it aggregates voters' logit choices into what each legislator expects at each
position it could take; at elections it samples turnout and votes. The per-voter rules
are the compiled kernels of :mod:`pacsim.agents.voter_kernels`, aggregated per race by
:mod:`pacsim.model.kernels`; nothing loops over voters in Python.

Attention, baseline attention and salience are float32 (see docs/performance.md): they
are smooth shares whose float32 rounding (about 6e-8 relative) is far below any effect the
model resolves. Positions, party identification, turnout and exposure stay float64, and
every sum is taken in float64.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

import pacsim.model.kernels as kernels
from pacsim.agents import elementwise as ew
from pacsim.agents import voter_kernels as vk
from pacsim.agents.voter import ad_dose, choose_votes
from pacsim.model.network import build_ties, ties_graph
from pacsim.model.params import Params

INC, CHAL = 0, 1

#: Floating type of the electorate's attention, baseline attention and salience.
ATTENTION_DTYPE = np.float32


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
    """All voters' state as arrays; the last issue column is the target issue.

    What a review computes is kept until the electorate changes (a step, a salience
    refresh, a write through a :class:`~pacsim.agents.voter.Voter`, or :meth:`touch`), so
    that a review's ad leverage, and a campaign week's second look at it, cost no second
    pass over the voters.
    """

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
        self.state = geography.district_state[self.district].astype(np.int64)
        self.state_starts = np.searchsorted(self.state, np.arange(geography.n_states + 1)).astype(np.int64)

        lean = rng.normal(0.0, e.district_lean_sd, geography.n_districts)
        self.party_id = lean[self.district] + rng.normal(0.0, 1.0, n)
        self.turnout = rng.beta(5.0 * e.turnout_mean, 5.0 * (1.0 - e.turnout_mean) + 1e-9, n)
        camp = params.campaign
        self.exposure = rng.lognormal(-0.5 * camp.exposure_sd**2, camp.exposure_sd, n)

        positions = np.empty((n, k))
        positions[:, :-1] = ew.tanh(0.5 * self.party_id)[:, None] + rng.normal(0.0, 0.5, (n, k - 1))
        raw = tgt.partisan_loading * self.party_id + rng.normal(0.0, tgt.opinion_sd, n)
        # Centre target opinion so that exactly the configured share sits on the donor's (+) side.
        shift = (
            -np.quantile(raw, 1.0 - tgt.voter_share_with_donor)
            if 0.0 < tgt.voter_share_with_donor < 1.0
            else (10.0 if tgt.voter_share_with_donor >= 1.0 else -10.0)
        )
        positions[:, -1] = raw + shift
        self.positions = np.clip(positions, -1.0, 1.0)

        het = sal.heterogeneity
        self.baseline = rng.lognormal(-0.5 * het**2, het, (n, k)).astype(ATTENTION_DTYPE)
        weights = np.asarray(sal.background_weights)
        self.national_base = np.append((1.0 - tgt.salience) * weights / weights.sum(), tgt.salience)
        self.shock = np.zeros(k)
        self.attention = (self.baseline * self.national_base).astype(ATTENTION_DTYPE)
        self.version = 0
        self._neighbour_baseline: np.ndarray | None = None
        self._rows: np.ndarray | None = None
        self._rows_around: np.ndarray | None = None
        self._no_rows = np.zeros((4, 0, vk.PADDED_ISSUES), dtype=ATTENTION_DTYPE)
        self.refresh_salience()

        self.ties = build_ties(rng, geography.district_starts, self.party_id, e.network_degree, e.network_rewire, e.cross_district_share)
        self._chunks: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._leverage: dict[bool, tuple[tuple, bytes, np.ndarray, np.ndarray, np.ndarray]] = {}

    # ----------------------------------------------------------------- attention
    @property
    def national_level(self) -> np.ndarray:
        """Current national attention per issue, after shocks."""
        return self.national_base * ew.exp(self.shock)

    @property
    def mean_salience(self) -> np.ndarray:
        """Mean salience of each issue over all voters, as of the last step (float64)."""
        return self._mean_salience

    def touch(self) -> None:
        """Mark the voters' arrays as changed, so that nothing computed from them before is reused.

        Writes through a Voter do this themselves; call it after writing positions,
        turnout, exposure, baselines or ties into the arrays directly.
        """
        self.version += 1
        self._neighbour_baseline = None

    def neighbour_baseline(self) -> np.ndarray:
        """Each voter's neighbours' mean baseline attention; kept until :meth:`touch`."""
        if self._neighbour_baseline is None:
            kernels.use_threads(self.n)
            out = np.empty_like(self.baseline)
            vk.neighbour_mean(self.baseline, self.ties.indptr, self.ties.indices, out)
            self._neighbour_baseline = out
        return self._neighbour_baseline

    def _padded_rows(self, push: np.ndarray | None) -> np.ndarray:
        """Attention, baseline, the neighbours' mean baseline and ``push``, padded to eight columns (``PADDED_ISSUES``).

        For :func:`~pacsim.agents.voter_kernels.spread_attention`'s row-at-a-time path (4 ×
        voters × 8). Attention (and ``push``) are copied at every step, so that a direct
        write to ``attention`` is seen; baseline and its neighbours' mean are copied when
        :meth:`neighbour_baseline` is recomputed, that is after :meth:`touch`. In float32
        unless one of them is float64, so every value is the array's own. With more issues
        than that, no rows (the step then runs an issue at a time).
        """
        if self.n_issues > vk.PADDED_ISSUES:
            return self._no_rows
        around = self.neighbour_baseline()
        parts = [self.attention, self.baseline, around, *([push] if push is not None else [])]
        dtype = np.float32 if all(a.dtype == np.float32 for a in parts) else np.float64
        rows = self._rows
        if rows is None or rows.shape[1] != self.n or rows.dtype != dtype or self._rows_around is not around:
            rows = np.zeros((4, self.n, vk.PADDED_ISSUES), dtype=dtype)
            vk.pad_rows(self.baseline, rows[1])
            vk.pad_rows(around, rows[2])
            self._rows, self._rows_around = rows, around
        vk.pad_rows(self.attention, rows[0])
        if push is not None:
            vk.pad_rows(push, rows[3])
        return rows

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

    def _chunk_salience(self) -> np.ndarray:
        return np.empty((-(-self.n // vk.CHUNK), self.n_issues))

    def refresh_salience(self) -> None:
        """Recompute salience after attention was set directly (as a hand-built world does)."""
        self.attention = np.ascontiguousarray(self.attention, dtype=ATTENTION_DTYPE)
        self.salience = np.empty_like(self.attention)
        chunk = self._chunk_salience()
        kernels.use_threads(self.n)
        vk.normalise_salience(self.attention, self.salience, chunk)
        self._mean_salience = chunk.sum(axis=0) / max(self.n, 1)
        self.version += 1

    def step_attention(self, ad_push: np.ndarray | None) -> None:
        """Move every voter's attention one step and recompute salience."""
        sal = self.params.salience
        attention, salience, chunk = np.empty_like(self.attention), np.empty_like(self.attention), self._chunk_salience()
        push = np.zeros((1, self.n_issues), dtype=ATTENTION_DTYPE) if ad_push is None else np.ascontiguousarray(ad_push)
        mix = sal.diffusion != 0.0 and self.ties.nnz > 0
        around = self.neighbour_baseline() if mix else self.baseline
        kernels.use_threads(self.n)
        vk.spread_attention(
            self.attention,
            self.baseline,
            self.national_level,
            self.ties.indptr,
            self.ties.indices,
            self._padded_rows(push if ad_push is not None else None) if mix else self._no_rows,
            around,
            sal.diffusion,
            sal.reversion,
            mix,
            push,
            ad_push is not None,
            attention,
            salience,
            chunk,
        )
        self.attention, self.salience = attention, salience
        self._mean_salience = chunk.sum(axis=0) / max(self.n, 1)
        self.version += 1

    def ad_push(self, stock: np.ndarray, n_house: int, groups: list[int]) -> np.ndarray:
        """Attention ads add to their issue for the voters they reach (agenda setting)."""
        camp, sal = self.params.campaign, self.params.salience
        dose = ad_dose(stock, camp.ad_saturation).sum(axis=1)
        mask = np.isin(np.arange(3), groups)
        out = np.empty((self.n, self.n_issues), dtype=ATTENTION_DTYPE)
        kernels.use_threads(self.n)
        vk.ad_push(mask, self.district, self.state, n_house, self.exposure, dose, sal.ad_push, out)
        return out

    # ------------------------------------------------------------- aggregation
    def seat_of(self, group: int, n_house: int) -> np.ndarray:
        """Seat index of each voter's race: group 0 is the House, 1 and 2 the state's two Senate seats."""
        if group == 0:
            return self.district
        return n_house + 2 * self.state + (group - 1)

    def seat_ranges(self, n_house: int, n_seats: int) -> tuple[np.ndarray, np.ndarray]:
        """First voter and end of every seat's race: a House seat's district, a Senate seat's state (empty if none)."""
        lo, hi = np.zeros(n_seats, dtype=np.int64), np.zeros(n_seats, dtype=np.int64)
        starts = self.geography.district_starts
        h = min(n_house, starts.shape[0] - 1)
        lo[:h], hi[:h] = starts[:h], starts[1 : h + 1]
        state = np.arange(n_seats - n_house) // 2
        ok = state < self.geography.n_states
        lo[n_house:][ok], hi[n_house:][ok] = self.state_starts[state[ok]], self.state_starts[state[ok] + 1]
        return lo, hi

    def race_chunks(self, n_house: int, n_seats: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(first voter, end, seats of its three races) of every chunk of voters; built once per legislature."""
        key = (n_house, n_seats)
        if key not in self._chunks:
            self._chunks[key] = kernels.voter_chunks(self.geography.district_starts, self.geography.district_state, n_house, n_seats)
        return self._chunks[key]

    def _voter_args(self) -> tuple[np.ndarray, ...]:
        """The voter arrays every review pass reads, in the kernels' order."""
        return self.positions, self.salience, self.party_id, self.turnout, self.exposure

    @staticmethod
    def _sorted_grid(positions: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(order, (sorted grid, step of each point, step sizes)): the position grid as the review kernels walk it."""
        grid = np.ascontiguousarray(positions, dtype=np.float64)
        order = np.argsort(grid, kind="stable")
        step_of, step_sizes = kernels.grid_steps(grid[order])
        return order, (grid[order], step_of, step_sizes)

    def _candidate_args(self, cand: CandidateArrays, stock: np.ndarray | None) -> tuple:
        """The arrays and constants the kernels take for these candidates and ads."""
        e, camp = self.params.electorate, self.params.campaign
        f = lambda a: np.ascontiguousarray(a, dtype=np.float64)  # noqa: E731
        n_seats = cand.party.shape[0]
        ads = stock is not None and camp.ad_effect > 0.0 and bool(stock.any())
        dose = f(ad_dose(stock, camp.ad_saturation)) if ads and stock is not None else np.zeros((n_seats, 2, self.n_issues))
        sitting = np.zeros(n_seats) if cand.sitting is None else f(cand.sitting)
        edge = e.primary_incumbency_advantage if cand.primary else e.incumbency_advantage
        return (
            f(cand.party),
            f(cand.platform).reshape(n_seats, -1),
            f(cand.stance),
            f(cand.valence),
            f(cand.chal_platform).reshape(n_seats, -1),
            f(cand.chal_stance),
            f(cand.chal_valence),
            sitting,
            dose,
            bool(cand.primary),
            float(edge),
            float(e.party_weight),
            float(e.issue_weight),
            float(camp.ad_effect * self.n_issues),
            ads,
        )

    def _review_sums(
        self, cand: CandidateArrays, stock: np.ndarray | None, positions: np.ndarray, want_outlook: bool, want_leverage: bool
    ) -> dict[str, np.ndarray]:
        """Per-seat means of what a review needs, in one pass over every race's voters (all three race groups at once)."""
        n_seats, n_pos, k = cand.party.shape[0], positions.shape[0], self.n_issues
        lo, hi, seats = self.race_chunks(cand.n_house, n_seats)
        args = self._candidate_args(cand, stock)
        stance = args[2]
        order, grid_args = self._sorted_grid(positions)
        c, g = lo.shape[0], kernels.GROUPS
        sums = {
            "share": np.empty((c, g, n_pos)),
            "slope": np.empty((c, g, n_pos)),
            "sal": np.empty((c, g, k)),
            "total": np.empty((c, g)),
            "reach": np.empty((c, g, k)),
            "lean": np.empty((c, g, k)),
            "target": np.empty((c, g, n_pos)),
        }
        kernels.use_threads(self.n)
        kernels.review_sums(  # type: ignore[call-arg]  # mypy counts unpacked tuples against numba's Dispatcher.__call__
            lo,
            hi,
            seats,
            *self._voter_args(),
            *args,
            *grid_args,
            want_outlook,
            want_leverage,
            sums["share"],
            sums["slope"],
            sums["sal"],
            sums["total"],
            sums["reach"],
            sums["lean"],
            sums["target"],
        )
        back = np.argsort(order, kind="stable")
        for name in ("share", "slope", "target"):
            sums[name] = np.ascontiguousarray(sums[name][:, :, back])
        total = kernels.add_by_seat(seats, sums.pop("total"), n_seats)
        out = {name: kernels.per_seat(seats, part, total, n_seats) for name, part in sums.items()}
        if want_leverage:
            self._leverage[bool(cand.primary)] = (
                self._leverage_key(cand, positions),
                stance.tobytes(),
                out["reach"],
                out["lean"],
                out["target"],
            )
        return out

    def _leverage_key(self, cand: CandidateArrays, positions: np.ndarray) -> tuple:
        """What ad leverage depends on, apart from the incumbent slot's stance."""
        b = lambda a: np.ascontiguousarray(a, dtype=np.float64).tobytes()  # noqa: E731
        return (
            self.version,
            cand.n_house,
            bool(cand.primary),
            b(positions),
            b(cand.party),
            b(cand.platform),
            b(cand.chal_platform),
            b(cand.chal_stance),
        )

    def utility_gaps(self, cand: CandidateArrays, group: int, stock: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per voter: utility gap (incumbent slot minus challenger) without the target issue, and the target issue's weight."""
        (
            party,
            platform,
            _,
            valence,
            chal_platform,
            _,
            chal_valence,
            sitting,
            dose,
            primary,
            edge,
            party_weight,
            issue_weight,
            ad_scale,
            ads,
        ) = self._candidate_args(cand, stock)
        gap, weight = np.empty(self.n), np.empty(self.n)
        kernels.use_threads(self.n)
        vk.race_gaps(
            group,
            self.district,
            self.state,
            cand.n_house,
            self.positions,
            self.salience,
            self.party_id,
            self.exposure,
            party,
            platform,
            valence,
            chal_platform,
            chal_valence,
            sitting,
            dose,
            primary,
            edge,
            party_weight,
            issue_weight,
            ad_scale,
            ads,
            gap,
            weight,
        )
        return gap, weight

    def outlook(self, cand: CandidateArrays, stock: np.ndarray, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Expected vote share and its slope for every seat's incumbent-slot candidate at every position.

        Returns (share, slope, mean_salience): shares and slopes are (seats × positions), the
        race's mean salience per issue is (seats × issues). The slope is the derivative of
        the share with respect to a uniform shift of every voter's utility gap. The same
        pass computes and keeps :meth:`ad_leverage` for these candidates.
        """
        out = self._review_sums(cand, stock, positions, want_outlook=True, want_leverage=True)
        return out["share"], out["slope"], out["sal"]

    def outlook_at(
        self, cand: CandidateArrays, stock: np.ndarray, positions: np.ndarray, columns: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`outlook`'s share and slope at one position per seat, ``positions[columns[j]]`` for seat ``j``.

        The same values as ``outlook(...)[0][rows, columns]`` to the last bit, from one pass
        that leaves out the other positions and the ad leverage (and keeps nothing).
        """
        n_seats = cand.party.shape[0]
        lo, hi, seats = self.race_chunks(cand.n_house, n_seats)
        args = self._candidate_args(cand, stock)
        order, grid_args = self._sorted_grid(positions)
        sorted_column = np.argsort(order, kind="stable")[np.asarray(columns, dtype=np.int64)]
        c, g = lo.shape[0], kernels.GROUPS
        share, slope, total = np.empty((c, g)), np.empty((c, g)), np.empty((c, g))
        kernels.use_threads(self.n)
        kernels.column_sums(  # type: ignore[call-arg]  # mypy counts unpacked tuples against numba's Dispatcher.__call__
            lo,
            hi,
            seats,
            *self._voter_args(),
            *args[:2],  # column_sums takes no stance: the column is given
            *args[3:],
            *grid_args,
            np.ascontiguousarray(sorted_column),
            share,
            slope,
            total,
        )
        seat_total = kernels.add_by_seat(seats, total, n_seats)
        return kernels.per_seat(seats, share, seat_total, n_seats), kernels.per_seat(seats, slope, seat_total, n_seats)

    def ad_leverage(self, cand: CandidateArrays, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What ads on each issue could do in each race, per unit of ad dose and of ``ad_effect``.

        Returns (reach, lean, target_lean): ``reach`` (seats × issues) is the race's mean of
        exposure × salience, the direct persuasion of an ad on the issue; ``lean`` (seats ×
        issues) the mean of exposure × salience × (distance to the incumbent slot - distance
        to the challenger), what priming the issue does for the challenger; ``target_lean``
        (seats × positions) the same for the target issue if the incumbent slot stood at
        each position. An attack on the incumbent slot on issue k is worth reach + lean, a
        defence reach - lean; either is negative where the ad would backfire.

        Reach and lean move only with salience and the candidates: if neither changed since
        the last review, only the target-issue lean at the current stances is recomputed.
        """
        kept = self._leverage.get(bool(cand.primary))
        if kept is None or kept[0] != self._leverage_key(cand, positions):
            out = self._review_sums(cand, None, positions, want_outlook=False, want_leverage=True)
            return out["reach"], out["lean"].copy(), out["target"]
        key, stance_bytes, reach, lean, target = kept
        stance = np.ascontiguousarray(cand.stance, dtype=np.float64)
        if stance.tobytes() != stance_bytes:
            n_seats = cand.party.shape[0]
            lo, hi, seats = self.race_chunks(cand.n_house, n_seats)
            part, weight = np.empty((lo.shape[0], kernels.GROUPS)), np.empty((lo.shape[0], kernels.GROUPS))
            party = np.ascontiguousarray(cand.party, dtype=np.float64)
            kernels.use_threads(self.n)
            kernels.stance_lean_sums(
                lo,
                hi,
                seats,
                self.positions,
                self.salience,
                self.party_id,
                self.turnout,
                self.exposure,
                party,
                stance,
                np.ascontiguousarray(cand.chal_stance, dtype=np.float64),
                bool(cand.primary),
                part,
                weight,
            )
            total = kernels.add_by_seat(seats, weight, n_seats)
            lean = lean.copy()
            lean[:, self.target] = kernels.per_seat(seats, part, total, n_seats)
            self._leverage[bool(cand.primary)] = (key, stance.tobytes(), reach, lean, target)
        return reach, lean.copy(), target

    def majority_for(
        self, bill: float, status_quo: float, n_house: int, n_seats: int, issue: int | None = None
    ) -> tuple[np.ndarray, float]:
        """Share of each seat's voters, and of the nation, who prefer the bill to the status quo on ``issue`` (the target by default)."""
        lo, hi = self.seat_ranges(n_house, n_seats)
        kernels.use_threads(self.n)
        count, everyone = kernels.preference_counts(
            self.positions, self.target if issue is None else issue, float(bill), float(status_quo), lo, hi
        )
        size = hi - lo
        share = np.divide(count, size, out=np.zeros(n_seats), where=size > 0)
        return share, int(everyone) / self.n

    def elect(
        self, cand: CandidateArrays, stock: np.ndarray, up: np.ndarray, rng: np.random.Generator, national_swing: float
    ) -> tuple[np.ndarray, np.ndarray]:
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

    # -------------------------------------------------------------- inspection
    def voter_graph(self) -> nx.Graph:
        """The voters' social network as a networkx graph (nodes are voter indices, with district, state and party ID)."""
        graph = ties_graph(self.ties)
        nx.set_node_attributes(graph, dict(enumerate(self.district.tolist())), "district")
        nx.set_node_attributes(graph, dict(enumerate(self.state.tolist())), "state")
        nx.set_node_attributes(graph, dict(enumerate(self.party_id.tolist())), "party_id")
        return graph

    def voter_frame(self) -> pd.DataFrame:
        """Every voter's state now, one row per voter: district, state, party ID, turnout, exposure, position and salience per issue."""
        columns = {
            "voter": np.arange(self.n),
            "district": self.district,
            "state": self.state,
            "party_id": self.party_id,
            "turnout": self.turnout,
            "exposure": self.exposure,
        }
        for k, name in enumerate(self.issue_names):
            columns[f"position_{name}"] = self.positions[:, k]
            columns[f"salience_{name}"] = self.salience[:, k].astype(np.float64)
        return pd.DataFrame(columns)


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
