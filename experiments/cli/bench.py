"""``pacsim bench model|sweep|viz|memory``: the benchmarks, each a subcommand of one command."""

from __future__ import annotations

from typing import Any

from pacsim.experiments import bench as model_bench
from pacsim.experiments import bench_memory, bench_sweep
from pacsim.viz import bench as viz_bench

#: name -> (help line, module with ``add_arguments`` and ``run``)
BENCHMARKS = {
    "model": ("wall time and peak memory of a default run; voter-steps per second", model_bench),
    "sweep": ("sweep throughput with 1 and 2 workers and Dask; driver memory over a long sweep", bench_sweep),
    "viz": ("one step of the live page server-side; in Chromium, its first render, Step and Reset", viz_bench),
    "memory": ("peak memory of one run at 2,000 to 1,000,000 voters; the bytes per voter the memory check uses", bench_memory),
}


def register(sub: Any) -> None:
    """Add ``bench`` and its benchmarks to the ``pacsim`` subparsers."""
    bench = sub.add_parser("bench", help="benchmarks: model, sweep, viz, memory")
    kinds = bench.add_subparsers(dest="benchmark", required=True, parser_class=type(bench))
    for name, (help_line, module) in BENCHMARKS.items():
        parser = kinds.add_parser(name, help=help_line)
        module.add_arguments(parser)
        parser.set_defaults(func=module.run)
