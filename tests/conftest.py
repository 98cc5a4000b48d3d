"""Fixtures shared by the tests."""

from __future__ import annotations

import pandas as pd
import pytest
from worlds import mini_params

from pacsim.experiments.runner import simulate


@pytest.fixture(scope="session")
def mini_tables() -> dict[str, pd.DataFrame]:
    """Tables of one miniature run with seed 7, shared by the invariant tests."""
    return simulate(mini_params(run__seed=7))
