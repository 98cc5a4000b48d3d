"""Determinism and invariants of whole runs."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from worlds import MINI, mini_params

from pacsim.experiments.runner import simulate
from pacsim.model.model import PacsimModel


def _parquet_bytes(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


def test_same_seed_gives_identical_tables(mini_tables: dict[str, pd.DataFrame]) -> None:
    """A second run with the same seed reproduces every table exactly, byte for byte."""
    again = simulate(mini_params(run__seed=7))
    assert again.keys() == mini_tables.keys()
    for name in mini_tables:
        pd.testing.assert_frame_equal(again[name], mini_tables[name], check_exact=True)
        assert _parquet_bytes(again[name]) == _parquet_bytes(mini_tables[name]), name


def test_different_seeds_give_different_tables(mini_tables: dict[str, pd.DataFrame]) -> None:
    """Another seed changes the network, the electorate and so the outcomes."""
    other = simulate(mini_params(run__seed=8))
    assert not other["races"].drop(columns="seed").equals(mini_tables["races"].drop(columns="seed"))
    assert not other["legislators"].drop(columns="seed").equals(mini_tables["legislators"].drop(columns="seed"))


def test_rng_argument_seeds_like_run_seed() -> None:
    """Mesa's ``rng=`` and ``run.seed`` are the same seed."""
    a = PacsimModel(mini_params(run__seed=11)).electorate.positions
    b = PacsimModel(mini_params(run__seed=0), rng=11).electorate.positions
    np.testing.assert_array_equal(a, b)


def test_money_goes_in_whole_buys_to_few_races() -> None:
    """A donor's money reaches a race in at least one whole buy (no dust), within its budget, concentrated on few races."""
    params = mini_params(run__seed=7)
    spending = simulate(params)["spending"]
    per_race = spending.groupby(["cycle", "donor", "stage", "seat"])["amount"].sum()
    assert len(per_race) > 0
    assert (per_race >= params.campaign.min_buy * (1 - 1e-9)).all()
    for cycle, amount in spending.query("donor == 'industry'").groupby("cycle")["amount"].sum().items():
        assert amount <= params.industry.budget * (1 + 1e-9), cycle
    entered = per_race.groupby(level=["cycle", "donor"]).size()
    assert (entered < params.legislature.house_seats + params.legislature.senate_seats).all()


def test_rng_is_taken_as_mesa_takes_it() -> None:
    """An int, a Generator, a SeedSequence or None seed the run, and the seed used is recorded."""
    world = mini_params(run__n_cycles=1)
    by_int = PacsimModel(world, rng=5)
    assert by_int.seed == 5 and by_int.params.run.seed == 5
    by_gen = PacsimModel(world, rng=np.random.default_rng(3))
    again = PacsimModel(world, rng=np.random.default_rng(3))
    assert by_gen.seed == again.seed == by_gen.params.run.seed
    np.testing.assert_array_equal(by_gen.electorate.positions, again.electorate.positions)
    by_seq = PacsimModel(world, rng=np.random.SeedSequence(9))
    assert by_seq.seed == PacsimModel(world, rng=np.random.SeedSequence(9)).seed
    fresh = [PacsimModel(world, rng=None).seed for _ in range(2)]
    assert fresh[0] != fresh[1]
    replay = PacsimModel(world, rng=fresh[0])
    np.testing.assert_array_equal(replay.electorate.positions, PacsimModel(world, rng=fresh[0]).electorate.positions)


def test_mesa_scenario_is_accepted() -> None:
    """Mesa's SolaraViz passes ``scenario=``: its rng seeds the run and its attributes are overrides."""
    from mesa.experimental.scenarios import Scenario

    model = PacsimModel(mini_params(run__n_cycles=1), scenario=Scenario(rng=4, target__salience=0.3))
    assert model.seed == 4 and model.params.target.salience == 0.3
    assert PacsimModel(mini_params(run__n_cycles=1), scenario=Scenario()).seed == 0


def test_parameters_and_agent_sets_are_discoverable() -> None:
    """The schema's parameters are listed; seat holders and candidates are separate AgentSets."""
    names = {spec.path for spec in PacsimModel.parameters()}
    assert {"target.salience", "industry.budget", "run.seed"} <= names
    model = PacsimModel(mini_params(run__n_cycles=1))
    assert len(model.legislators) == 50 and len(model.candidates) == 0
    while model.cycle_step < 20:
        model.step()
    assert len(model.candidates) > 0
    assert not set(model.legislators) & set(model.candidates)


@pytest.mark.slow
def test_batch_run_is_the_same_on_one_and_two_processes() -> None:
    """Mesa's batch_run gives identical rows, capture_index included, with 1 and 2 processes."""
    import mesa

    world = {k.replace(".", "__"): v for k, v in {**MINI, "run.n_cycles": 1}.items()}
    parameters = {**world, "target__salience": [0.02, 0.3]}
    runs = {"rng": [1, 2], "data_collection_period": -1, "display_progress": False}
    one = pd.DataFrame(mesa.batch_run(PacsimModel, parameters, number_processes=1, **runs))
    two = pd.DataFrame(mesa.batch_run(PacsimModel, parameters, number_processes=2, **runs))
    key = ["target__salience", "rng"]
    one, two = (frame.sort_values(key).reset_index(drop=True) for frame in (one, two))
    assert "capture_index" in one.columns
    pd.testing.assert_frame_equal(one, two, check_exact=True)


def test_warm_up_reaches_every_kernel() -> None:
    """After :func:`~pacsim.model.model.warm_up` every compiled kernel a run calls is ready, so no user waits for numba.

    In a fresh interpreter, where nothing else has called a kernel yet; the kernels inlined
    into others are compiled with them and have no entry of their own.
    """
    import subprocess
    import sys

    script = """
from numba.core.registry import CPUDispatcher
from pacsim.agents import donor_kernels, voter_kernels
from pacsim.model import kernels
from pacsim.model.model import warm_up

warm_up()
for module in (kernels, voter_kernels, donor_kernels):
    for name in sorted(dir(module)):
        f = getattr(module, name)
        if isinstance(f, CPUDispatcher) and f.targetoptions.get("inline", "never") == "never":
            print(name, len(f.signatures))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=600).stdout.split()
    ready = dict(zip(out[::2], map(int, out[1::2]), strict=True))
    kernels = {
        "review_sums",
        "column_sums",
        "spread_attention",
        "ad_push",
        "race_gaps",
        "stance_lean_sums",
        "ladders",
        "ladders_to_cut",
        "ladder_counts",
        "preference_counts",
    }
    assert kernels <= set(ready)
    assert all(ready.values()), {name: n for name, n in ready.items() if not n}
