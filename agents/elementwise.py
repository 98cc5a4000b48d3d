"""exp, log, log1p, power and tanh, elementwise, with the same bits on every x86-64 CPU.

numpy picks its inner loops by the CPU it runs on: with AVX-512 its exp, log, log1p and
power differ from the C library's in the last bit for a few values in a hundred, and with
AVX2 so does its tanh. A donor's dose or a race's closeness that differs in the last bit
can tip a choice between two buys worth the same, so the same seed gave different tables
on a machine with AVX-512 and on one without. These functions run compiled loops (numba)
over the C library's own functions (as Python's :mod:`math` calls them), which give the
same values whatever vector units the CPU has; ``tests/model/test_digest.py`` replays a run
with numpy's AVX-512 and AVX2 loops switched off and requires the same tables.

They broadcast, take scalars and return float64, like the numpy functions they replace.
Each is one loop over a flat float64 array, compiled once and kept in numba's cache, so a
process loads it in milliseconds at its first call (numba's ufunc builder took 45-110 ms
per function there, for wrappers it cannot cache). Arithmetic (+, -, *, /, sqrt) is exact
in IEEE and needs none of this.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit


@njit(cache=True)
def _exp(x, out):
    for i in range(x.shape[0]):
        out[i] = math.exp(x[i])


@njit(cache=True)
def _log(x, out):
    for i in range(x.shape[0]):
        out[i] = math.log(x[i])


@njit(cache=True)
def _log1p(x, out):
    for i in range(x.shape[0]):
        out[i] = math.log1p(x[i])


@njit(cache=True)
def _tanh(x, out):
    for i in range(x.shape[0]):
        out[i] = math.tanh(x[i])


@njit(cache=True)
def _power(x, y, out):
    for i in range(x.shape[0]):
        out[i] = math.pow(x[i], y[i])


def _flat(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float64).reshape(-1)


def _unary(loop: Any, x: Any) -> Any:
    a = np.asarray(x, dtype=np.float64)
    out = np.empty(a.shape)
    loop(_flat(a), out.reshape(-1))
    return out if out.ndim else out[()]


def exp(x: Any) -> Any:
    """The exponential function, e to the power ``x``."""
    return _unary(_exp, x)


def log(x: Any) -> Any:
    """Natural logarithm."""
    return _unary(_log, x)


def log1p(x: Any) -> Any:
    """log(1 + x), accurate for small ``x``."""
    return _unary(_log1p, x)


def tanh(x: Any) -> Any:
    """Hyperbolic tangent."""
    return _unary(_tanh, x)


def power(x: Any, y: Any) -> Any:
    """``x`` to the power ``y``, broadcast as numpy broadcasts them."""
    a, b = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    out = np.empty(a.shape)
    _power(_flat(a), _flat(b), out.reshape(-1))
    return out if out.ndim else out[()]
