"""Design points and run seeds of an experiment: which parameter values each run gets, and its seed.

Full factorial designs are the product of every factor's levels. Latin hypercube, Sobol
(Saltelli's scheme) and Morris samples come from SALib, seeded from the experiment's master
seed, so the same file always gives the same design. Each run (design point x replicate)
gets its own seed from ``numpy.random.SeedSequence(master_seed).spawn(n_runs)``: Axelrod's
tournaments give every match its own recorded seed in the same way.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from experiments.spec import Design

if TYPE_CHECKING:
    from experiments.spec import ExperimentSpec


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
