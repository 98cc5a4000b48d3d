"""Aggregating voters' choices into what each race's candidates can expect, in one compiled pass.

Voters are stored contiguously by House district, and districts contiguously by state, so a
voter's three races (its district's House seat, its state's two Senate seats) are known from
where it is stored. The electorate is cut into chunks of at most
:data:`~pacsim.agents.voter_kernels.CHUNK` voters that never cross a district; chunks run in
parallel, each summing its voters in order into its own rows (one per race), and the rows
are then added per seat in chunk order. The sums are therefore bit-identical from run to
run and whatever the number of threads, every voter is read once for all three races, and
no voters × positions array is ever built.

numba's cache does not notice edits to the voter rules these kernels inline from
:mod:`pacsim.agents.voter_kernels`; after editing that file, delete the ``*.nbi``/``*.nbc``
files under ``model/__pycache__`` (the tests key their own cache on both files).
"""

from __future__ import annotations

import os

import numba
import numpy as np
from numba import njit, prange

from pacsim.agents.voter_kernels import CHUNK, distance_odds, logit_odds, weigh_issues

#: Race groups: a voter's House seat, and its state's first and second Senate seat.
GROUPS = 3

#: Voters a thread must have before a kernel runs on more than one: below that, waking a second thread costs more than it saves.
VOTERS_PER_THREAD = 50_000

_max_threads: int = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]  # numba sets its config at import
_threads_started = False


def share_cpus(processes: int) -> None:
    """Let the kernels of this process use an equal share of the CPUs, when ``processes`` processes run models side by side."""
    global _max_threads
    _max_threads = max(1, numba.config.NUMBA_NUM_THREADS // max(1, processes))  # type: ignore[attr-defined]


def use_threads(n_voters: int) -> None:
    """Set the threads the next kernel runs on: one per ``VOTERS_PER_THREAD`` voters, at most this process's share.

    Results do not depend on it: every kernel sums fixed chunks of voters in a fixed order.
    Before the first kernel starts numba's OpenMP threads, their wait policy defaults to
    passive (``OMP_WAIT_POLICY``, unless set): between parallel regions they sleep instead
    of spinning, which on a shared machine took CPU from the model's own thread and made a
    default run about a quarter slower.
    """
    _before_threading_layer()
    numba.set_num_threads(max(1, min(_max_threads, n_voters // VOTERS_PER_THREAD)))


def _before_threading_layer() -> None:
    """What must be set before numba's threading layer loads OpenMP: its wait policy (see :func:`use_threads`)."""
    global _threads_started
    if not _threads_started:
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        _threads_started = True


def start_compiler() -> None:
    """Start numba's compiler and load one serial kernel from the cache, without starting any kernel thread.

    numba's one-off start-up (about half a second) otherwise falls on a process's first
    kernel call; a process that forks workers can pay it once for all of them. Nothing
    parallel runs, so no OpenMP thread exists to be lost by a fork.
    """
    add_by_seat(np.full((1, GROUPS), -1, dtype=np.int64), np.zeros((1, GROUPS)), 1)


#: The modules whose compiled kernels :func:`load_cached_kernels` loads: every module of pacsim that defines one.
KERNEL_MODULES = ("pacsim.agents.voter_kernels", "pacsim.agents.donor_kernels", "pacsim.agents.elementwise", "pacsim.model.kernels")


def load_cached_kernels() -> int:
    """Load every kernel of :data:`KERNEL_MODULES` that numba's cache holds for this code and machine, running none; return how many.

    A process that forks workers (the local pool's fork server) loads them once for all of
    them; otherwise each worker's first run loads them one by one as it first calls them,
    which made a worker's first run about 0.2 s slower than its others. Kernels that other
    kernels inline are left out (numba compiles them into their callers), and so are cache
    entries for other code or another machine, which numba would compile instead of load.
    The cache's index is numba's own, read through its private fields; a kernel whose cache
    has no such fields (another numba) is left to load at its first call. A parallel kernel
    loads numba's threading layer, but no parallel region runs, so no kernel thread exists
    for a fork to lose; a forked process then makes the layer its own with
    :func:`adopt_threading_layer`.
    """
    import importlib

    from numba.core.registry import CPUDispatcher

    _before_threading_layer()
    loaded = 0
    for name in KERNEL_MODULES:
        module = importlib.import_module(name)
        for kernel in vars(module).values():
            if not isinstance(kernel, CPUDispatcher) or kernel.__module__ != name or kernel.targetoptions.get("inline") == "always":
                continue
            try:
                cache = kernel._cache  # type: ignore[attr-defined]  # numba's own record of what it stored for this kernel
                codegen = kernel.targetctx.codegen()  # type: ignore[attr-defined]  # a CPU dispatcher's context has one
                stored = [key[0] for key in cache._cache_file._load_index() if key == cache._index_key(key[0], codegen)]
            except AttributeError:  # a cache numba keeps otherwise: the kernel loads at its first call, as before
                continue
            for signature in stored:
                kernel.compile(signature)
                loaded += 1
    return loaded


def adopt_threading_layer() -> None:
    """Make numba's threading layer this process's own, in a process forked after :func:`load_cached_kernels`.

    numba's GNU OpenMP layer records the process that loaded it and ends any other process
    that runs a parallel kernel, since a fork loses OpenMP's threads. A process that loaded
    kernels without running one has no such threads to lose, and launching the layer again
    here records this process instead. numba's other layers (TBB, its workqueue) are safe
    across a fork by numba's own account, and are left as they are.
    """
    from numba.np.ufunc import parallel

    if getattr(parallel, "_is_initialized", False) and getattr(parallel, "_threading_layer", None) == "omp":
        parallel._is_initialized = False
        parallel._launch_threads()


def grid_steps(grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For a sorted grid: which distinct step lies between each pair of neighbouring points, and the distinct steps."""
    sizes, step_of = np.unique(np.diff(grid), return_inverse=True)
    return step_of.astype(np.int64), np.ascontiguousarray(sizes, dtype=np.float64)


def voter_chunks(
    district_starts: np.ndarray, district_state: np.ndarray, n_house: int, n_seats: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut every district into chunks of at most ``CHUNK`` voters.

    Returns (first voter, end, seat of each of the chunk's three races) per chunk, in
    storage order; a race slot is -1 where the legislature has no such seat.
    """
    lo_d, hi_d = district_starts[:-1].astype(np.int64), district_starts[1:].astype(np.int64)
    per = -(-(hi_d - lo_d) // CHUNK)
    district = np.repeat(np.arange(lo_d.shape[0]), per)
    k = np.arange(district.shape[0]) - np.repeat(np.cumsum(per) - per, per)
    lo = lo_d[district] + k * CHUNK
    hi = np.minimum(lo + CHUNK, hi_d[district])
    seats = np.full((district.shape[0], GROUPS), -1, dtype=np.int64)
    seats[:, 0] = np.where(district < n_house, district, -1)
    for g in (1, 2):
        seat = n_house + 2 * district_state[district] + g - 1
        seats[:, g] = np.where(seat < n_seats, seat, -1)
    return lo, hi, seats


@njit(inline="always", cache=True)
def _race_weight(v, j, turnout, party_id, party, primary):
    """Expected turnout of a voter in race ``j``; in a primary only the incumbent party's identifiers take part."""
    if j < 0:
        return 0.0
    if primary and np.sign(party_id[v]) != party[j]:
        return 0.0
    return turnout[v]


@njit(parallel=True, cache=True)
def review_sums(
    chunk_lo,
    chunk_hi,
    chunk_seats,
    positions,
    salience,
    party_id,
    turnout,
    exposure,
    party,
    platform,
    stance,
    valence,
    chal_platform,
    chal_stance,
    chal_valence,
    sitting,
    dose,
    primary,
    edge,
    party_weight,
    issue_weight,
    ad_scale,
    ads,
    grid,
    step_of,
    step_sizes,
    want_outlook,
    want_leverage,
    share,
    slope,
    sal,
    total,
    reach,
    lean,
    target_lean,
):
    """Per chunk and race, turnout-weighted sums over voters of what a review needs.

    With ``want_outlook``: each voter's logit probability of voting for the incumbent slot
    at every grid position (``share``), its derivative in the utility gap (``slope``) and
    salience (``sal``). With ``want_leverage``: exposure × salience (``reach``), that times
    (distance to the incumbent slot − distance to the challenger) per issue (``lean``), and
    the same for the target issue at every grid position (``target_lean``). ``total`` sums
    the weights. Outputs are (chunks × 3 races × …); ``grid`` is sorted, with ``step_of``
    and ``step_sizes`` as :func:`~pacsim.agents.voter_kernels.distance_odds` takes them.
    """
    n_chunks = chunk_lo.shape[0]
    k_all = positions.shape[1]
    target = k_all - 1
    n_pos = grid.shape[0]
    for c in prange(n_chunks):
        factor = np.empty(n_pos)
        growth = np.empty(step_sizes.shape[0])
        distance = np.empty(n_pos)
        s = np.empty(k_all)
        for g in range(GROUPS):
            total[c, g] = 0.0
            for p in range(n_pos):
                share[c, g, p] = 0.0
                slope[c, g, p] = 0.0
                target_lean[c, g, p] = 0.0
            for k in range(k_all):
                sal[c, g, k] = 0.0
                reach[c, g, k] = 0.0
                lean[c, g, k] = 0.0
        for v in range(chunk_lo[c], chunk_hi[c]):
            x = positions[v]
            x_t = x[target]
            e = exposure[v]
            for k in range(k_all):
                s[k] = salience[v, k]
            for p in range(n_pos):
                distance[p] = abs(x_t - grid[p])
            shared_factor = False
            for g in range(GROUPS):
                j = chunk_seats[c, g]
                tw = _race_weight(v, j, turnout, party_id, party, primary)
                if tw == 0.0:
                    continue
                total[c, g] += tw
                away = abs(x_t - chal_stance[j])
                if want_outlook:
                    gap, w_t = weigh_issues(
                        x,
                        s,
                        e,
                        party_id[v],
                        j,
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
                    )
                    # Without ads the target-issue weight is the voter's own, the same in all three races.
                    if ads or not shared_factor:
                        distance_odds(w_t, x_t, grid, step_of, step_sizes, growth, factor)
                        shared_factor = True
                    base = np.exp(-(gap + w_t * away))
                    for p in range(n_pos):
                        prob = logit_odds(base * factor[p])
                        share[c, g, p] += tw * prob
                        slope[c, g, p] += tw * (prob * (1.0 - prob))
                    for k in range(k_all):
                        sal[c, g, k] += tw * s[k]
                if want_leverage:
                    lever_t = e * s[target]
                    for k in range(target):
                        lever = e * s[k]
                        reach[c, g, k] += tw * lever
                        lean[c, g, k] += tw * (lever * (abs(x[k] - platform[j, k]) - abs(x[k] - chal_platform[j, k])))
                    reach[c, g, target] += tw * lever_t
                    lean[c, g, target] += tw * (lever_t * (abs(x_t - stance[j]) - away))
                    for p in range(n_pos):
                        target_lean[c, g, p] += tw * (lever_t * (distance[p] - away))


@njit(parallel=True, cache=True)
def column_sums(
    chunk_lo,
    chunk_hi,
    chunk_seats,
    positions,
    salience,
    party_id,
    turnout,
    exposure,
    party,
    platform,
    valence,
    chal_platform,
    chal_stance,
    chal_valence,
    sitting,
    dose,
    primary,
    edge,
    party_weight,
    issue_weight,
    ad_scale,
    ads,
    grid,
    step_of,
    step_sizes,
    column,
    share,
    slope,
    total,
):
    """Per chunk and race, the sums of :func:`review_sums`' ``share``, ``slope`` and ``total`` at one grid point per seat.

    ``column[j]`` is seat ``j``'s point on the sorted ``grid``. Every term is computed as
    :func:`review_sums` computes it and added in the same order, so the sums are the same
    to the last bit; only the other grid points' logits are left out.
    """
    n_chunks = chunk_lo.shape[0]
    k_all = positions.shape[1]
    target = k_all - 1
    n_pos = grid.shape[0]
    for c in prange(n_chunks):
        factor = np.empty(n_pos)
        growth = np.empty(step_sizes.shape[0])
        s = np.empty(k_all)
        for g in range(GROUPS):
            total[c, g] = 0.0
            share[c, g] = 0.0
            slope[c, g] = 0.0
        for v in range(chunk_lo[c], chunk_hi[c]):
            x = positions[v]
            x_t = x[target]
            e = exposure[v]
            for k in range(k_all):
                s[k] = salience[v, k]
            shared_factor = False
            for g in range(GROUPS):
                j = chunk_seats[c, g]
                tw = _race_weight(v, j, turnout, party_id, party, primary)
                if tw == 0.0:
                    continue
                total[c, g] += tw
                away = abs(x_t - chal_stance[j])
                gap, w_t = weigh_issues(
                    x,
                    s,
                    e,
                    party_id[v],
                    j,
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
                )
                if ads or not shared_factor:
                    distance_odds(w_t, x_t, grid, step_of, step_sizes, growth, factor)
                    shared_factor = True
                base = np.exp(-(gap + w_t * away))
                prob = logit_odds(base * factor[column[j]])
                share[c, g] += tw * prob
                slope[c, g] += tw * (prob * (1.0 - prob))


@njit(parallel=True, cache=True)
def stance_lean_sums(
    chunk_lo, chunk_hi, chunk_seats, positions, salience, party_id, turnout, exposure, party, stance, chal_stance, primary, out, total
):
    """Per chunk and race, the turnout-weighted target-issue lean at the incumbent slot's stance, and the weights.

    The lean at the stance is the one leverage term a stance moves.
    """
    n_chunks = chunk_lo.shape[0]
    target = positions.shape[1] - 1
    for c in prange(n_chunks):
        for g in range(GROUPS):
            out[c, g] = 0.0
            total[c, g] = 0.0
        for v in range(chunk_lo[c], chunk_hi[c]):
            x_t = positions[v, target]
            lever = exposure[v] * np.float64(salience[v, target])
            for g in range(GROUPS):
                j = chunk_seats[c, g]
                tw = _race_weight(v, j, turnout, party_id, party, primary)
                if tw == 0.0:
                    continue
                total[c, g] += tw
                out[c, g] += tw * (lever * (abs(x_t - stance[j]) - abs(x_t - chal_stance[j])))


@njit(parallel=True, cache=True)
def preference_counts(positions, issue, bill, status_quo, lo, hi):
    """How many voters are closer to ``bill`` than to ``status_quo`` on ``issue``: in each seat's race [lo, hi), and in all.

    Counts are integers, so their order of summing cannot change them.
    """
    n_seats = lo.shape[0]
    per_seat = np.zeros(n_seats, dtype=np.int64)
    for j in prange(n_seats):
        count = 0
        for v in range(lo[j], hi[j]):
            x = positions[v, issue]
            if abs(x - bill) < abs(x - status_quo):
                count += 1
        per_seat[j] = count
    n = positions.shape[0]
    n_blocks = -(-n // CHUNK)
    per_block = np.zeros(n_blocks, dtype=np.int64)
    for b in prange(n_blocks):
        count = 0
        for v in range(b * CHUNK, min(n, (b + 1) * CHUNK)):
            x = positions[v, issue]
            if abs(x - bill) < abs(x - status_quo):
                count += 1
        per_block[b] = count
    return per_seat, per_block.sum()


@njit(cache=True)
def add_by_seat(chunk_seats, partial, n_seats):
    """Add every chunk's race rows into their seats' rows, in chunk order."""
    out = np.zeros((n_seats,) + partial.shape[2:])  # noqa: RUF005 (numba compiles tuple concatenation, not unpacking)
    for c in range(chunk_seats.shape[0]):
        for g in range(GROUPS):
            j = chunk_seats[c, g]
            if j >= 0:
                out[j] += partial[c, g]
    return out


def per_seat(chunk_seats: np.ndarray, partial: np.ndarray, total: np.ndarray, n_seats: int) -> np.ndarray:
    """Seat means from chunk sums: the chunks' sum per seat divided by the seat's total weight (zero where it has none)."""
    summed = add_by_seat(chunk_seats, partial, n_seats)
    covered = total > 0
    summed[covered] /= total[covered].reshape((-1,) + (1,) * (summed.ndim - 1))
    return summed
