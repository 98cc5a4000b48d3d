"""What one donor's ladder of buys is worth, race by race, compiled.

A donor values each successive buy in a race by how much it raises its side's chance of
winning (:class:`~pacsim.agents.donor.RaceView`); :func:`ladders` walks each race's buys
one at a time and stops where :func:`~pacsim.agents.donor.running_gains` says the plan can
no longer use them. Every value is computed with the same operations, in the same order,
as the vectorised rule computes it (``tests/reference.py`` keeps that rule), so the two
agree to the last bit: the C library's ``log1p`` (as :mod:`pacsim.agents.elementwise`
calls it) and scipy's own normal cdf, called here through the function scipy exports for
Cython (``scipy.special.cython_special.ndtr``, the one its ``ndtr`` ufunc runs).
"""

from __future__ import annotations

import ctypes
import heapq
import math
import re

import llvmlite.binding as llvm
import llvmlite.ir as ir
import numpy as np
import scipy.special.cython_special as cython_special
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import get_cython_function_address, intrinsic

#: The name the compiled kernels call scipy's normal cdf by; bound to its address when this module is imported.
NDTR_SYMBOL = "pacsim_scipy_ndtr"
#: The C signature of the double-precision ndtr that scipy's Cython API exports (the other is for complex numbers).
NDTR_SIGNATURE = b"double (double, int __pyx_skip_dispatch)"


def _ndtr_export() -> str:
    """The name under which ``scipy.special.cython_special`` exports its double-precision ndtr."""
    get_name = ctypes.pythonapi.PyCapsule_GetName
    get_name.restype, get_name.argtypes = ctypes.c_char_p, [ctypes.py_object]
    for key, capsule in cython_special.__pyx_capi__.items():
        if re.fullmatch(r"(__pyx_fuse_\d+)?ndtr", key) and get_name(capsule) == NDTR_SIGNATURE:
            return key
    raise ImportError(f"scipy.special.cython_special exports no ndtr with the signature {NDTR_SIGNATURE.decode()}")


llvm.add_symbol(NDTR_SYMBOL, get_cython_function_address("scipy.special.cython_special", _ndtr_export()))


@intrinsic
def ndtr(typingctx, x):
    """The standard normal cdf at ``x`` as scipy computes it, callable from compiled code (by symbol, so callers can be cached)."""
    sig = types.float64(types.float64)

    def codegen(context, builder, signature, args):
        fnty = ir.FunctionType(ir.DoubleType(), [ir.DoubleType(), ir.IntType(32)])
        fn = cgutils.get_or_insert_function(builder.module, fnty, NDTR_SYMBOL)
        return builder.call(fn, [args[0], ir.Constant(ir.IntType(32), 0)])

    return sig, codegen


@njit(inline="always", cache=True)
def _chance(share, signed_power, others, scale, own, dollars, attack, uncertainty):
    """The donor's side's win chance with ``dollars`` on top of the candidate's own money: :meth:`RaceView.chance_at` for one race."""
    dose = math.log1p((others + dollars) / scale) - own
    z = (share + signed_power * dose - 0.5) / uncertainty
    return ndtr(-z) if attack else ndtr(z)  # type: ignore[call-arg]  # numba supplies the typing context


@njit(inline="always", cache=True)
def _start(rows, share, signed_power, others, scale, attack, buy, uncertainty):
    """Before any buy, per race of ``rows``: the candidate's own money's dose term, the win chance, no running minimum, no buys."""
    m = rows.shape[0]
    own = np.empty(m)
    previous = np.empty(m)
    for r in range(m):
        j = rows[r]
        own[r] = math.log1p(others[j] / scale[j])
        previous[r] = _chance(share[j], signed_power[j], others[j], scale[j], own[r], buy * 0.0, attack, uncertainty)
    return own, previous, np.full(m, np.inf), np.zeros(m, dtype=np.int64)


@njit(inline="always", cache=True)
def _step(r, j, share, signed_power, others, scale, value, attack, buy, uncertainty, per_million, own, previous, running, taken):
    """Race ``j`` (the ``r``-th of the plan's) takes its next buy: its next entry of the running minimum, returned."""
    k = taken[r]
    chance = _chance(share[j], signed_power[j], others[j], scale[j], own[r], buy * float(k + 1), attack, uncertainty)
    gain = value[j] * (chance - previous[r]) * per_million
    previous[r] = chance
    if not (running[r] <= gain or running[r] != running[r]):
        running[r] = gain
    taken[r] = k + 1
    return running[r]


@njit(inline="always", cache=True)
def _extend(r, j, share, signed_power, others, scale, value, attack, buy, uncertainty, per_million, own, previous, running, taken, out):
    """:func:`_step`, with the entry also written into ``out`` at race ``j``, in the column of its buy."""
    k = taken[r]
    entry = _step(r, j, share, signed_power, others, scale, value, attack, buy, uncertainty, per_million, own, previous, running, taken)
    out[j, k] = entry
    return entry


@njit(parallel=True, cache=True)
def ladders(share, signed_power, others, scale, value, rows, attack, buy, n_buys, uncertainty, floor, out):
    """Each race in ``rows``: the running minimum of what its successive buys are worth per $1M, into ``out`` (races × buys).

    Buy k's gain is the seat's ``value`` times the rise in the donor's side's win chance
    from ``buy × k`` to ``buy × (k + 1)`` dollars on top of the candidate's own money
    ``others``. The dose those dollars buy is log1p((others + dollars) / scale) less that of
    the candidate's money alone; it moves the incumbent slot's expected share by
    ``signed_power`` (slope × ad effect × ad power, negative when attacking) per unit; the
    chance is the normal cdf of the margin over ``uncertainty``, for or against the
    incumbent slot. A race stops at its first entry below ``floor`` (or NaN); its later
    entries are left as they are. The running minimum is numpy's: it keeps the earlier
    value on a tie and passes a NaN on.
    """
    per_million = 1e6 / buy
    own, previous, running, taken = _start(rows, share, signed_power, others, scale, attack, buy, uncertainty)
    for r in prange(rows.shape[0]):
        j = rows[r]
        for _ in range(n_buys):
            entry = _extend(
                r, j, share, signed_power, others, scale, value, attack, buy, uncertainty, per_million, own, previous, running, taken, out
            )
            if not entry >= floor:
                break


#: The normal density's constant, as scipy.stats' ``norm`` has it.
SQRT_2PI = math.sqrt(2.0 * math.pi)


@njit(inline="always", cache=True)
def _least_gain(m, u0, reach, others, scale, buy, value, per_million, slack):
    """A lower bound on each of a race's first ``m`` (≥ 1) gains per $1M as :func:`_step` computes them, rounding included.

    With the margin written u (z for a defender, -z for an attacker) rising by ``reach``
    (> 0) per unit of dose from ``u0``, buy k's gain is the seat's value times the normal
    cdf's rise over [u_k, u_k+1], at least the interval's length times the density's least
    value on it. The dose is concave in dollars, so the last of the m buys moves u least:
    ``reach`` × log1p(buy / (scale + others + buy (m - 1))), the exact difference of the two
    doses. The density falls away from 0 on both sides, so on [u_0, u_m] it is least at an
    end. ``slack`` bounds how far the computed margins can be from the exact ones; the
    result gives up a relative 1e-9 and twice the cdf's error on top of that, so every
    computed gain is at least it, whatever the order and rounding of the walk's own steps.
    """
    step = math.log1p(buy / (scale + others + buy * float(m - 1)))
    u_m = u0 + reach * (math.log1p((others + buy * float(m)) / scale) - math.log1p(others / scale))
    lo, hi = u0 - slack, u_m + slack
    density = min(math.exp(-0.5 * lo * lo), math.exp(-0.5 * hi * hi)) / SQRT_2PI
    return value * per_million * (reach * step * density * (1.0 - 1e-9) - 2.0 * (1e-15 + 0.4 * slack))


@njit(inline="always", cache=True)
def _provably_counted(j, share, signed_power, others, scale, value, attack, buy, n_buys, uncertainty, floor, per_million):
    """How many of race ``j``'s first buys are each worth at least ``floor`` by :func:`_least_gain`'s bound, without walking them.

    The bound falls with the number of buys, so the largest such number is found by
    bisection; 0 where the bound does not apply (a side whose ads do not help it, a
    worthless seat, a floor at or below 0, anything not finite).
    """
    sign = -1.0 if attack else 1.0
    reach = sign * signed_power[j] / uncertainty
    u0 = sign * (share[j] - 0.5) / uncertainty
    o, c, v = others[j], scale[j], value[j]
    if not (floor > 0.0 and v > 0.0 and reach > 0.0 and c > 0.0 and n_buys > 0):
        return 0
    if not (math.isfinite(reach) and math.isfinite(u0) and math.isfinite(o) and math.isfinite(c) and math.isfinite(v)):
        return 0
    dose_span = math.log1p((o + buy * float(n_buys)) / c) + math.log1p(o / c) + 1.0
    slack = 1e-12 * (abs(share[j]) + 0.5 + abs(signed_power[j]) * dose_span) / uncertainty
    if _least_gain(n_buys, u0, reach, o, c, buy, v, per_million, slack) >= floor:
        return n_buys
    lo, hi = 0, n_buys
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _least_gain(mid, u0, reach, o, c, buy, v, per_million, slack) >= floor:
            lo = mid
        else:
            hi = mid
    return lo


@njit(parallel=True, cache=True)
def ladder_counts(share, signed_power, others, scale, value, rows, attack, buy, n_buys, uncertainty, floor):
    """Each race in ``rows``: how many of its first ``n_buys`` entries of :func:`ladders`' running minimum are at least ``floor``.

    The running minimum only falls, and once NaN stays NaN, so those entries are the ones
    before its first entry below ``floor`` (or NaN): the walk stops there, as :func:`ladders`
    does, and counts instead of writing a (races × buys) ladder. A race none of whose
    ``n_buys`` entries falls below ``floor`` counts all of them. The buys that
    :func:`_provably_counted` shows are each worth at least ``floor`` are counted without
    being walked (most races a legislator's belief reads never come near it); the walk
    resumes after them from the win chance at their dollars, which is a function of the
    dollars alone, so every count is the whole walk's.
    """
    per_million = 1e6 / buy
    own, previous, running, taken = _start(rows, share, signed_power, others, scale, attack, buy, uncertainty)
    counts = np.zeros(rows.shape[0], dtype=np.int64)
    for r in prange(rows.shape[0]):
        j = rows[r]
        skip = _provably_counted(j, share, signed_power, others, scale, value, attack, buy, n_buys, uncertainty, floor, per_million)
        if skip > 0:
            previous[r] = _chance(share[j], signed_power[j], others[j], scale[j], own[r], buy * float(skip), attack, uncertainty)
            taken[r] = counts[r] = skip
        for _ in range(n_buys - skip):
            entry = _step(
                r, j, share, signed_power, others, scale, value, attack, buy, uncertainty, per_million, own, previous, running, taken
            )
            if not entry >= floor:
                break
            counts[r] += 1
    return counts


@njit(cache=True)
def ladders_to_cut(share, signed_power, others, scale, value, rows, attack, buy, n_buys, uncertainty, reserve, n_afford, out):
    """:func:`ladders` for a plan that can afford ``n_afford`` buys: each race only as far as the plan reads it.

    A plan takes the most valuable buys at or above ``reserve`` that the pot affords, and
    the first it cannot afford, the (``n_afford`` + 1)-th most valuable, sets its marginal
    value. Each race's running minimum only falls, so the buys can be taken in order of
    value across races: the race whose next entry is worth most is extended by one, until
    that many entries have been taken. Every race then holds every entry above the cut and
    the one after them. Returns the cut, or -inf when fewer entries reach ``reserve``; then
    every race has gone down to its first entry below ``reserve``, as :func:`ladders` with
    that floor. ``n_afford`` < 1 takes no cut.
    """
    per_million = 1e6 / buy
    own, previous, running, taken = _start(rows, share, signed_power, others, scale, attack, buy, uncertainty)
    heap = [(0.0, 0)]
    heap.pop()
    for r in range(rows.shape[0]):
        j = rows[r]
        if n_buys > 0:
            entry = _extend(
                r, j, share, signed_power, others, scale, value, attack, buy, uncertainty, per_million, own, previous, running, taken, out
            )
            if entry >= reserve:
                heapq.heappush(heap, (-entry, r))
    count = 0
    while heap:
        worth, r = heapq.heappop(heap)
        count += 1
        if count == n_afford + 1:
            return -worth
        if taken[r] < n_buys:
            entry = _extend(
                r,
                rows[r],
                share,
                signed_power,
                others,
                scale,
                value,
                attack,
                buy,
                uncertainty,
                per_million,
                own,
                previous,
                running,
                taken,
                out,
            )
            if entry >= reserve:
                heapq.heappush(heap, (-entry, r))
    return -np.inf
