"""exp, log, log1p, power and tanh, elementwise, with the same bits on every x86-64 CPU.

numpy picks its inner loops by the CPU it runs on: with AVX-512 its exp, log, log1p and
power differ from the C library's in the last bit for a few values in a hundred, and with
AVX2 so does its tanh. A donor's dose or a race's closeness that differs in the last bit
can tip a choice between two buys worth the same, so the same seed gave different tables
on a machine with AVX-512 and on one without. These ufuncs are compiled by numba around
the C library's own functions (as Python's :mod:`math` calls them), which give the same
values whatever vector units the CPU has; ``tests/model/test_digest.py`` replays a run
with numpy's AVX-512 and AVX2 loops switched off and requires the same tables.

They broadcast, take scalars and return float64, like the numpy functions they replace,
and are built on first use (from numba's cache after the first run), so importing the
model costs nothing until one is needed. Arithmetic (+, -, *, /, sqrt) is exact in IEEE
and needs none of this.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from numba import vectorize

#: Each function's numba signature. The ufuncs are built (and loaded from numba's cache) when first used, so that
#: importing the model does not pay numba's start-up before anything is computed.
SIGNATURES: dict[str, str] = {
    "exp": "float64(float64)",
    "log": "float64(float64)",
    "log1p": "float64(float64)",
    "tanh": "float64(float64)",
    "power": "float64(float64, float64)",
}


def _exp(x: float) -> float:
    """The exponential function, e to the power ``x``."""
    return math.exp(x)


def _log(x: float) -> float:
    """Natural logarithm."""
    return math.log(x)


def _log1p(x: float) -> float:
    """log(1 + x), accurate for small ``x``."""
    return math.log1p(x)


def _tanh(x: float) -> float:
    """Hyperbolic tangent."""
    return math.tanh(x)


def _power(x: float, y: float) -> float:
    """``x`` to the power ``y``."""
    return math.pow(x, y)


_RULES: dict[str, Callable[..., float]] = {"exp": _exp, "log": _log, "log1p": _log1p, "tanh": _tanh, "power": _power}


def __getattr__(name: str) -> Any:
    """``exp``, ``log``, ``log1p``, ``tanh`` and ``power`` as ufuncs, built on first use."""
    if name not in SIGNATURES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    ufunc = vectorize([SIGNATURES[name]], cache=True)(_RULES[name])
    globals()[name] = ufunc
    return ufunc
