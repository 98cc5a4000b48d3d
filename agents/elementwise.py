"""exp, log, log1p, power and tanh, elementwise, with the same bits on every x86-64 CPU.

numpy picks its inner loops by the CPU it runs on: with AVX-512 its exp, log, log1p and
power differ from the C library's in the last bit for a few values in a hundred, and with
AVX2 so does its tanh. A donor's dose or a race's closeness that differs in the last bit
can tip a choice between two buys worth the same, so the same seed gave different tables
on a machine with AVX-512 and on one without. These ufuncs are compiled by numba around
the C library's own functions (as Python's :mod:`math` calls them), which give the same
values whatever vector units the CPU has; ``tests/model/test_digest.py`` replays a run
with numpy's AVX-512 and AVX2 loops switched off and requires the same tables.

They broadcast, take scalars and return float64, like the numpy functions they replace.
Arithmetic (+, -, *, /, sqrt) is exact in IEEE and needs none of this.
"""

from __future__ import annotations

import math

from numba import vectorize


@vectorize(["float64(float64)"], cache=True)
def exp(x: float) -> float:  # pragma: no cover (compiled)
    """The exponential function, e to the power ``x``."""
    return math.exp(x)


@vectorize(["float64(float64)"], cache=True)
def log(x: float) -> float:  # pragma: no cover (compiled)
    """Natural logarithm."""
    return math.log(x)


@vectorize(["float64(float64)"], cache=True)
def log1p(x: float) -> float:  # pragma: no cover (compiled)
    """log(1 + x), accurate for small ``x``."""
    return math.log1p(x)


@vectorize(["float64(float64)"], cache=True)
def tanh(x: float) -> float:  # pragma: no cover (compiled)
    """Hyperbolic tangent."""
    return math.tanh(x)


@vectorize(["float64(float64, float64)"], cache=True)
def power(x: float, y: float) -> float:  # pragma: no cover (compiled)
    """``x`` to the power ``y``."""
    return math.pow(x, y)
