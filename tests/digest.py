"""Digests of a run's tables: one sha256 per table over its columns, dtypes and exact values.

``pd.util.hash_pandas_object`` hashes each value's bytes, so two digests agree only when
the tables agree value for value, bit for bit; the Parquet writer's metadata plays no part.
Regenerate the checked-in digests (after a change that is meant to alter behaviour, and
say so in the commit) with ``python tests/digest.py``.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pandas as pd

DIGEST_FILE = Path(__file__).parent / "data" / "table_digests.json"

#: The runs whose tables are pinned: the default scenario at two seeds, and a miniature world for the fast suite.
PINNED: dict[str, dict[str, object]] = {
    "default-seed0": {"run.seed": 0},
    "default-seed1": {"run.seed": 1},
    "mini-seed7": {
        "electorate.n_voters": 3_000,
        "legislature.house_seats": 40,
        "legislature.senate_seats": 10,
        "run.n_cycles": 3,
        "run.steps_per_cycle": 26,
        "run.campaign_steps": 6,
        "run.seed": 7,
    },
}


def table_digest(frame: pd.DataFrame) -> str:
    """sha256 over a table's column names, dtypes and every value's bytes, in order."""
    h = hashlib.sha256()
    h.update(json.dumps([[str(c), str(frame[c].dtype)] for c in frame.columns]).encode())
    h.update(str(len(frame)).encode())
    if len(frame.columns):
        h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


def digests(tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """One digest per table, by table name."""
    return {name: table_digest(frame) for name, frame in sorted(tables.items())}


def run_digests(name: str) -> dict[str, str]:
    """Run a pinned world to the end and digest its tables."""
    from pacsim.experiments.runner import simulate
    from pacsim.model.scenarios import load_scenario

    _, params = load_scenario("default", PINNED[name])
    return digests(simulate(params))


if __name__ == "__main__":
    names = sys.argv[1:] or list(PINNED)
    current = json.loads(DIGEST_FILE.read_text()) if DIGEST_FILE.exists() else {}
    for name in names:
        current[name] = run_digests(name)
        print(name, "done", flush=True)
    DIGEST_FILE.parent.mkdir(exist_ok=True)
    DIGEST_FILE.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
