"""``pacsim bench memory``: peak resident memory of one run by electorate size, and the bytes per voter it implies.

Each size runs one one-cycle default-scenario run in a fresh process and reports its peak
RSS (``ru_maxrss``). The fit gives the constants of the memory estimate that every run and
sweep is checked against before it starts (:mod:`experiments.preflight`).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
from pathlib import Path

#: (voters, ties per voter) of each measured run: two sizes at the default degree, and a denser network.
POINTS = ((2_000, 10), (100_000, 10), (100_000, 40), (1_000_000, 10))


def _child(n_voters: int, degree: int) -> None:
    from pacsim.experiments.runner import simulate
    from pacsim.model.params import build_params

    simulate(build_params({"electorate.n_voters": n_voters, "electorate.network_degree": degree, "run.n_cycles": 1}))
    print(json.dumps({"n_voters": n_voters, "degree": degree, "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))


def _measure(n_voters: int, degree: int) -> dict[str, int]:
    out = subprocess.run(
        [sys.executable, "-m", "pacsim", "bench", "memory", "--child", str(n_voters), str(degree)],
        capture_output=True,
        text=True,
        check=True,
        timeout=3600,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def fit(rows: list[dict[str, int]]) -> dict[str, float]:
    """Bytes per voter (from the two sizes at 10 ties), per tie (from the denser network) and at no voters."""
    rss = {(r["n_voters"], r["degree"]): r["peak_rss_bytes"] for r in rows}
    per_voter_10 = (rss[(1_000_000, 10)] - rss[(100_000, 10)]) / 900_000
    per_tie = (rss[(100_000, 40)] - rss[(100_000, 10)]) / (100_000 * 30)
    return {
        "bytes_per_voter_at_10_ties": per_voter_10,
        "bytes_per_tie": per_tie,
        "bytes_per_voter_besides_ties": per_voter_10 - 10 * per_tie,
        "base_bytes": rss[(100_000, 10)] - 100_000 * per_voter_10,
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """This benchmark's options on its ``pacsim`` subcommand."""
    parser.add_argument("--child", nargs=2, type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", default="bench_memory.json")


def run(args: argparse.Namespace) -> int:
    """Measure each size, print the peak RSS and the fitted constants beside the ones the estimate uses."""
    if args.child:
        _child(*args.child)
        return 0
    from pacsim.experiments import preflight

    preflight.check_output_file(Path(args.out))

    rows = []
    for n_voters, degree in POINTS:
        rows.append(_measure(n_voters, degree))
        print(f"{n_voters:>9,} voters, {degree:>2} ties: peak RSS {rows[-1]['peak_rss_bytes'] / 2**20:,.0f} MB", flush=True)
    constants = fit(rows)
    print(
        f"bytes per voter at 10 ties {constants['bytes_per_voter_at_10_ties']:,.0f}, per tie {constants['bytes_per_tie']:,.0f}, "
        f"per voter besides ties {constants['bytes_per_voter_besides_ties']:,.0f}, base {constants['base_bytes'] / 2**20:,.0f} MiB "
        f"(the estimate uses {preflight.BYTES_PER_VOTER}, {preflight.BYTES_PER_TIE}, {preflight.BASE_BYTES / 2**20:.0f} MiB)"
    )
    Path(args.out).write_text(json.dumps({"runs": rows, "fit": constants}, indent=2) + "\n")
    return 0
