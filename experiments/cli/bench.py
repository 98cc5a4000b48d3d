"""``pacsim bench model|sweep|viz|memory``: the benchmarks, each a subcommand of one command.

Each benchmark's module (which imports the model) is loaded only when its subcommand runs.
"""

from __future__ import annotations

from typing import Any

#: name -> (help line, module with ``add_arguments`` and ``run``)
BENCHMARKS = {
    "model": ("wall time and peak memory of a default run; voter-steps per second", "pacsim.experiments.bench"),
    "sweep": ("sweep throughput with 1 and 2 workers and Dask; driver memory over a long sweep", "pacsim.experiments.bench_sweep"),
    "viz": ("one step of the live page server-side; in Chromium, its first render, Step and Reset", "pacsim.viz.bench"),
    "memory": (
        "peak memory of one run at 2,000 to 1,000,000 voters; the bytes per voter the memory check uses",
        "pacsim.experiments.bench_memory",
    ),
}


def register(sub: Any) -> None:
    """Add ``bench`` and its benchmarks to the ``pacsim`` subparsers."""
    bench = sub.add_parser("bench", help="benchmarks: model, sweep, viz, memory")
    kinds = bench.add_subparsers(dest="benchmark", required=True, parser_class=type(bench))
    for name, (help_line, module) in BENCHMARKS.items():
        kinds.add_parser(name, help=help_line, module=module)
