"""Determinism and invariants of whole runs."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from pacsim.experiments.runner import simulate
from pacsim.model.model import PacsimModel
from worlds import mini_params


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


def test_spending_reaches_budget_when_there_are_targets() -> None:
    """With opponents and allies to fight over, the industry spends its whole cycle budget, recorded per race."""
    params = mini_params(industry__announce=False, run__seed=7)
    spending = simulate(params)["spending"]
    spent = spending.groupby(["cycle", "donor"])["amount"].sum()
    assert spent[(0, "industry")] == pytest.approx(params.industry.budget)
    assert spending.query("cycle == 0")["seat"].nunique() > 1
