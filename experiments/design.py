"""An experiment's declaration and its design: what varies, which values each run gets, and its seed.

:class:`ExperimentSpec` is what an experiment file declares, validated
(:mod:`pacsim.experiments.spec` reads the files); this module turns it into design points.

Full factorial designs are the product of every factor's levels. Latin hypercube, Sobol
(Saltelli's scheme) and Morris samples come from SALib, seeded from the experiment's master
seed, so the same file always gives the same design. Each run (design point x replicate)
gets its own seed from ``numpy.random.SeedSequence(master_seed).spawn(n_runs)``: Axelrod's
tournaments give every match its own recorded seed in the same way.
"""

from __future__ import annotations

import enum
import itertools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pacsim.experiments.provenance import sha256
from pacsim.model.params import Params
from pacsim.model.scenarios import load_scenario

#: The pseudo-parameter that varies the scenario a run starts from.
SCENARIO_KEY = "scenario"


class Design(enum.StrEnum):
    """How design points are chosen from the varied parameters."""

    FACTORIAL = "factorial"
    LATIN = "latin"
    SOBOL = "sobol"
    MORRIS = "morris"


@dataclass(frozen=True)
class Factor:
    """One varied parameter: a list of values, or a range ``[lo, hi]`` (optionally on a log scale)."""

    path: str
    values: tuple[Any, ...] | None = None
    lo: float | None = None
    hi: float | None = None
    log: bool = False
    steps: int | None = None
    integer: bool = False

    @property
    def is_range(self) -> bool:
        """Whether the factor is a continuous range rather than a list of values."""
        return self.values is None

    def levels(self) -> tuple[Any, ...]:
        """The values a factorial design takes: the list, or ``steps`` evenly spaced points of the range."""
        if self.values is not None:
            return self.values
        if self.steps is None:
            raise ValueError(f"factor '{self.path}' is a range without steps, so it has no factorial levels")
        steps = self.steps
        return tuple(self.from_unit(i / (steps - 1)) for i in range(steps))

    def ends(self) -> tuple[float, float]:
        """The range's two ends; a factor given as a list of values has none."""
        if self.lo is None or self.hi is None:
            raise ValueError(f"factor '{self.path}' is a list of values, not a range")
        return self.lo, self.hi

    def from_unit(self, u: float) -> Any:
        """Map a point of [0, 1] onto the factor: linearly, or log-linearly for a log range."""
        if self.values is not None:
            return self.values[min(int(u * len(self.values)), len(self.values) - 1)]
        lo, hi = self.ends()
        if self.log:
            log_lo, log_hi = math.log10(lo), math.log10(hi)
            x = 10 ** (log_lo + u * (log_hi - log_lo))
        else:
            x = lo + u * (hi - lo)
        return round(x) if self.integer else float(x)

    def bounds(self) -> tuple[float, float]:
        """The factor's range in the space a sampler draws from (log10 for a log range)."""
        lo, hi = self.ends()
        if self.log:
            return math.log10(lo), math.log10(hi)
        return float(lo), float(hi)

    def from_sample(self, x: float) -> Any:
        """A value drawn in :meth:`bounds` space, mapped back onto the parameter."""
        lo, hi = self.bounds()
        return self.from_unit((float(x) - lo) / (hi - lo) if hi > lo else 0.0)


@dataclass(frozen=True)
class ExperimentSpec:
    """A validated experiment: everything a sweep needs to know, and nothing about how it runs."""

    path: Path
    text: str
    name: str
    description: str
    claim: str
    expected: str
    scenario: str
    fixed: dict[str, Any]
    factors: tuple[Factor, ...]
    design: Design
    replicates: int
    master_seed: int
    n_cycles: int
    outcomes: tuple[str, ...]
    tables: tuple[str, ...]
    samples: int
    levels: int
    second_order: bool

    @property
    def sha256(self) -> str:
        """Hash of the experiment file, byte for byte."""
        return sha256(self.text.encode())

    @property
    def varied(self) -> tuple[str, ...]:
        """Paths of the varied parameters (``scenario`` included when it varies)."""
        return tuple(f.path for f in self.factors)

    def params_for(self, point: dict[str, Any], seed: int) -> tuple[str, Params]:
        """(scenario name, validated Params) of one run at a design point with its seed."""
        scenario = point.get(SCENARIO_KEY, self.scenario)
        overrides = {k: v for k, v in point.items() if k != SCENARIO_KEY}
        name, params = load_scenario(scenario, {**self.fixed, **overrides, "run.seed": seed})
        return name, params


@dataclass(frozen=True)
class RunPlan:
    """One run of a sweep: its id, design point, replicate and seed."""

    run_id: int
    point_id: int
    replicate: int
    seed: int
    point: dict[str, Any]


def salib_problem(spec: ExperimentSpec) -> dict[str, Any]:
    """The SALib problem of a sampled design: one variable per varied range (log10 space for log ranges)."""
    return {
        "num_vars": len(spec.factors),
        "names": [f.path for f in spec.factors],
        "bounds": [list(f.bounds()) if f.is_range else [0.0, 1.0] for f in spec.factors],
    }


def sample_matrix(spec: ExperimentSpec) -> np.ndarray:
    """The raw sample a SALib design draws, in the problem's space (one row per design point)."""
    problem = salib_problem(spec)
    seed = int(np.random.SeedSequence(spec.master_seed).generate_state(1)[0])
    if spec.design is Design.LATIN:
        from SALib.sample import latin

        return latin.sample(problem, spec.samples, seed=seed)
    if spec.design is Design.SOBOL:
        from SALib.sample import sobol

        return sobol.sample(problem, spec.samples, calc_second_order=spec.second_order, seed=seed)
    if spec.design is Design.MORRIS:
        from SALib.sample import morris

        return morris.sample(problem, spec.samples, num_levels=spec.levels, seed=seed)
    raise ValueError(f"design {spec.design.value!r} is not sampled")


def count_points(design: Design, factors: tuple[Factor, ...] | list[Factor], samples: int, second_order: bool) -> int:
    """How many design points a design has, by arithmetic alone: nothing is sampled or built.

    Factorial: the product of each factor's levels. SALib's samplers: ``samples`` points
    (Latin hypercube), ``samples * (2D + 2)`` or ``samples * (D + 2)`` without second-order
    indices (Saltelli's Sobol scheme) and ``samples * (D + 1)`` (Morris trajectories), for
    D varied parameters.
    """
    d = len(factors)
    if design is Design.FACTORIAL:
        return math.prod(len(f.values) if f.values is not None else int(f.steps or 0) for f in factors)
    if design is Design.LATIN:
        return samples
    if design is Design.SOBOL:
        return samples * (2 * d + 2 if second_order else d + 2)
    return samples * (d + 1)


def design_points(spec: ExperimentSpec) -> list[dict[str, Any]]:
    """Every design point of the experiment, as ``{parameter path: value}``, in a fixed order."""
    if spec.design is Design.FACTORIAL:
        names = [f.path for f in spec.factors]
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*(f.levels() for f in spec.factors))]
    matrix = sample_matrix(spec)
    points = []
    for row in matrix:
        point = {}
        for factor, x in zip(spec.factors, row, strict=True):
            point[factor.path] = factor.from_sample(x) if factor.is_range else factor.from_unit(float(x))
        points.append(point)
    return points


def run_seeds(master_seed: int, n_runs: int) -> list[int]:
    """One seed per run, spawned from the master seed; each fits ``run.seed``'s range [0, 2**63)."""
    children = np.random.SeedSequence(master_seed).spawn(n_runs)
    return [int(child.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for child in children]


def plan_runs(spec: ExperimentSpec) -> list[RunPlan]:
    """Every run of the sweep, ordered by run id (point-major, replicate-minor)."""
    points = design_points(spec)
    seeds = run_seeds(spec.master_seed, len(points) * spec.replicates)
    return [
        RunPlan(run_id=p * spec.replicates + r, point_id=p, replicate=r, seed=seeds[p * spec.replicates + r], point=point)
        for p, point in enumerate(points)
        for r in range(spec.replicates)
    ]
