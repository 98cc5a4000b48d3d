"""Sweep benchmarks: runs per second on 1 and 2 workers, Dask's overhead, and the driver's memory over 1,000 runs.

``pacsim bench sweep [--runs 1000]`` prints a table and writes
``bench_sweep.json``. Each measurement runs in a fresh subprocess, so that its peak
resident memory is its own; the memory measurement samples the driver's resident set as
runs finish, to show that it does not grow with the number of finished runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from pacsim.experiments.cli.common import integer_in
from pacsim.experiments.preflight import check_output_file
from pacsim.experiments.spec import read_experiment
from pacsim.experiments.sweep import run_sweep

#: The "small sweep": a miniature legislature, 0.1-0.3 s per run.
SMALL = """
[experiment]
name = "bench_small"
design = "latin"
samples = {samples}
replicates = 1
master_seed = 1
n_cycles = 1
outcomes = ["capture_index"]
tables = ["steps", "bills"]

[fixed]
"electorate.n_voters" = 3000
"legislature.house_seats" = 60
"legislature.senate_seats" = 10
"run.steps_per_cycle" = 26
"run.campaign_steps" = 6

[vary]
"target.salience" = {{lo = 0.01, hi = 0.4}}
"industry.budget" = {{lo = 1e6, hi = 1e9, log = true}}
"""

#: The memory sweep: runs so small that the driver's own bookkeeping dominates.
TINY = (
    SMALL.replace('"electorate.n_voters" = 3000', '"electorate.n_voters" = 200')
    .replace('"legislature.house_seats" = 60', '"legislature.house_seats" = 10')
    .replace('"legislature.senate_seats" = 10', '"legislature.senate_seats" = 4')
    .replace('"run.steps_per_cycle" = 26', '"run.steps_per_cycle" = 8')
    .replace('"run.campaign_steps" = 6', '"run.campaign_steps" = 2')
)


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def throughput(kind: str, workers: int, samples: int) -> dict[str, Any]:
    """Runs per second of the small sweep (executor start-up included, and separately the first run's latency)."""
    spec = read_experiment(Path("bench_small.toml"), SMALL.format(samples=samples))
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        summary = run_sweep(spec, Path(tmp) / "out", kind=kind, workers=workers, progress=False, csv=False)
        wall = time.perf_counter() - t0
    return {"executor": kind, "workers": workers, "runs": summary.ok, "wall_s": wall, "runs_per_s": summary.ok / wall}


def memory(n_runs: int, workers: int) -> dict[str, object]:
    """The driver's resident memory sampled as ``n_runs`` tiny runs finish."""
    spec = read_experiment(Path("bench_tiny.toml"), TINY.format(samples=n_runs))
    samples: list[tuple[int, float]] = []
    stop = threading.Event()
    with tempfile.TemporaryDirectory() as tmp:
        parts = Path(tmp) / "out" / "parts" / "runs"

        def sample() -> None:
            while not stop.is_set():
                done = len(os.listdir(parts)) if parts.is_dir() else 0
                samples.append((done, _rss_mb()))
                stop.wait(0.25)

        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        t0 = time.perf_counter()
        summary = run_sweep(spec, Path(tmp) / "out", workers=workers, progress=False, csv=False)
        wall = time.perf_counter() - t0
        stop.set()
        thread.join()
    by_decile: dict[int, float] = {}
    for done, rss in samples:
        decile = min(10, done * 10 // max(n_runs, 1))
        by_decile[decile] = max(by_decile.get(decile, 0.0), rss)
    return {
        "runs": summary.ok,
        "wall_s": wall,
        "rss_mb_by_tenth_done": {f"{10 * k}%": round(v, 1) for k, v in sorted(by_decile.items())},
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _child(kind: str, args: list[str]) -> None:
    result = memory(int(args[0]), int(args[1])) if kind == "memory" else throughput(kind, int(args[0]), int(args[1]))
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def _measure(*args: object) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-m", "pacsim", "bench", "sweep", "--child", *map(str, args)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """This benchmark's options on its ``pacsim`` subcommand."""
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--samples", type=integer_in(1, 100_000), default=40, help="runs in the small sweep (default: %(default)s)")
    parser.add_argument("--runs", type=integer_in(1, 1_000_000), default=1000, help="runs in the memory sweep (default: %(default)s)")
    parser.add_argument("--out", default="bench_sweep.json")


def run(args: argparse.Namespace) -> int:
    """Run the sweep benchmarks and print what they measured."""
    if args.child:
        _child(args.child[0], args.child[1:])
        return 0
    check_output_file(Path(args.out))
    results: dict[str, object] = {}
    for kind, workers in (("local", 1), ("local", 2), ("dask", 2)):
        r = _measure(kind, workers, args.samples)
        results[f"{kind}_{workers}"] = r
        print(
            f"{kind:>5} x{workers}: {r['runs']} runs in {r['wall_s']:.1f} s = {r['runs_per_s']:.2f} runs/s "
            f"(start-up included), driver peak RSS {r['peak_rss_mb']:.0f} MB"
        )
    local2, dask2 = results["local_2"], results["dask_2"]
    overhead = dask2["wall_s"] - local2["wall_s"]  # type: ignore[index]
    results["dask_overhead_s"] = overhead
    print(f"Dask overhead against the local pool (2 workers, {args.samples} runs): {overhead:+.1f} s")
    mem = _measure("memory", args.runs, 2)
    results["memory"] = mem
    print(
        f"driver over {mem['runs']} runs ({mem['wall_s']:.0f} s): "
        f"RSS by share done {mem['rss_mb_by_tenth_done']}, peak {mem['peak_rss_mb']:.0f} MB"
    )
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    return 0
