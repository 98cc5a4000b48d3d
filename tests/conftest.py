"""Fixtures shared by the tests."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

# numba's on-disk cache notices edits to the file a kernel is defined in, not to the voter
# rules it inlines from another file: the tests key their kernel cache on every kernel
# file's contents, so they always run the kernels as written (subprocesses inherit it).
_SOURCES = sorted(Path(__file__).resolve().parents[1].glob("*/*kernels.py"))
_STAMP = hashlib.sha256(b"".join(p.read_bytes() for p in _SOURCES)).hexdigest()[:16]
os.environ.setdefault("NUMBA_CACHE_DIR", str(Path(tempfile.gettempdir()) / f"pacsim-numba-{_STAMP}"))

import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from worlds import mini_params  # noqa: E402

from pacsim.experiments.runner import simulate  # noqa: E402


@pytest.fixture(scope="session")
def mini_tables() -> dict[str, pd.DataFrame]:
    """Tables of one miniature run with seed 7, shared by the invariant tests."""
    return simulate(mini_params(run__seed=7))
