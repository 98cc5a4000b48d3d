"""Benchmarks: wall time and peak memory of a default run, and voter-steps per second.

Each measurement runs in a fresh subprocess so that peak resident memory is its own.
``pacsim bench model`` prints a table and writes ``bench.json``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from pacsim.model.model import PacsimModel
from pacsim.model.params import build_params


def default_run() -> dict[str, float]:
    """One default run (435 + 100 seats, 100,000 voters, 4 cycles): build and run times."""
    t0 = time.perf_counter()
    model = PacsimModel(build_params({}))
    t1 = time.perf_counter()
    model.run()
    t2 = time.perf_counter()
    model.tables()
    return {"build_s": t1 - t0, "run_s": t2 - t1, "wall_s": time.perf_counter() - t0, "steps": model.steps}


def throughput(n_voters: int, steps: int) -> dict[str, float]:
    """Voter-steps per second over ``steps`` steps of the default world with ``n_voters`` voters (construction excluded)."""
    model = PacsimModel(build_params({"electorate.n_voters": n_voters}))
    t0 = time.perf_counter()
    for _ in range(steps):
        model.step()
    elapsed = time.perf_counter() - t0
    return {"n_voters": n_voters, "steps": steps, "seconds": elapsed, "voter_steps_per_s": n_voters * steps / elapsed}


def _child(kind: str, arg: int, steps: int) -> None:
    result = default_run() if kind == "default" else throughput(arg, steps)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def _measure(kind: str, arg: int = 0, steps: int = 0) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-m", "pacsim", "bench", "model", "--child", kind, str(arg), str(steps)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """This benchmark's options on its ``pacsim`` subcommand."""
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--steps", type=int, default=104, help="steps for the throughput runs (default: one cycle)")
    parser.add_argument("--out", default="bench.json")


def run(args: argparse.Namespace) -> int:
    """Run the benchmarks and print what they measured."""
    if args.child:
        _child(args.child[0], int(args.child[1]), int(args.child[2]))
        return 0
    results = {"default_run": _measure("default")}
    print(f"default run: {results['default_run']['wall_s']:.1f} s wall ({results['default_run']['build_s']:.1f} s build), "
          f"peak RSS {results['default_run']['peak_rss_mb']:.0f} MB")
    for n in (100_000, 1_000_000):
        r = _measure("throughput", n, args.steps)
        results[f"throughput_{n}"] = r
        print(f"{n:>9,} voters: {r['voter_steps_per_s']:,.0f} voter-steps/s over {r['steps']} steps, peak RSS {r['peak_rss_mb']:.0f} MB")
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    return 0
