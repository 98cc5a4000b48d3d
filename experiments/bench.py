"""Benchmark of one model: every figure of the performance goals, measured in one run and printed as one table.

``pacsim bench model`` measures, each in a fresh subprocess so that peak resident memory
is its own and one after another so that they never share the CPUs:

- a default run (435 + 100 seats, 100,000 voters, 4 cycles), ``--default-runs`` times (3
  unless told): wall time, of which the build, and of which the compiled voter kernels
  (:func:`kernel_clock`), from the run of median wall time, with the fastest and slowest
  beside it (a shared machine's speed can change by half within minutes); after each run,
  one review pass on one kernel thread and on two (:func:`review_on_threads`), which shows
  how much of a second CPU the machine gave at the time;
- one week's attention step of the electorate against a bare numpy/scipy kernel doing the
  same arithmetic in float32 (:func:`bare_attention_step`), at 100,000 voters;
- the same week against a per-agent Mesa implementation (:class:`AgentElectorate`), per
  voter-step at the same size;
- build and mean step time over one cycle at 100,000, 300,000 and 1,000,000 voters, and the
  scaling ratio step(1M) / step(100k); a fresh process's first build, which also starts
  numba and loads the kernels from its cache, is shown beside a further build;
- peak resident memory per voter at 1,000,000 voters;
- a sweep of ``c01_capture_vs_salience`` (20,000 voters, one cycle, its six points ×
  ``--sweep-replicates`` replicates, 3 as in the file) on 1 and on 2 workers, in
  ``--sweep-pairs`` alternating pairs (3 unless told), of which the table shows the pair of
  median speed-up: the whole sweep, and the runs' own time (their summed durations over
  the workers) apart from the rest (the workers' start, the wait for the last run, the
  tables' consolidation).

Every row of the table is a ratio taken in this run (a measure against its goal, or one
measure against another). Kernels are compiled (or loaded from numba's cache) by a warm-up
run first, so no measured figure includes compiling them. The table is also written as JSON
(``--out``, ``bench.json`` unless told), with every figure it comes from and the provenance
of what was measured: pacsim's version, the git commit and whether the tree had changes,
the packages' versions, the machine's CPUs and when the benchmark started and finished.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mesa
import numba
import numpy as np
import scipy.sparse as sp

from pacsim.experiments.cli.common import integer_in, integers_in
from pacsim.experiments.preflight import check_output_file
from pacsim.experiments.provenance import now, provenance
from pacsim.model.electorate import Electorate
from pacsim.model.params import FIELDS, build_params

#: Goals from the performance issue: (bound, True if the ratio must stay at or below it, False if at or above).
GOALS: dict[str, tuple[float, bool]] = {
    "default run, wall": (1.0, True),
    "build, 100,000 voters": (1.0, True),
    "build, 1,000,000 voters": (1.0, True),
    "mean step, 1,000,000 voters": (11.0, True),
    "peak memory, 1,000,000 voters": (1.0, True),
    "attention week, own kernel": (1.5, True),
    "attention week, per-agent Mesa": (50.0, False),
    "sweep c01, 2 workers": (1.8, False),
}


def bare_attention_step(
    attention: np.ndarray, baseline: np.ndarray, level: np.ndarray, ties: sp.csr_array, diffusion: float, reversion: float
) -> tuple[np.ndarray, np.ndarray]:
    """The attention week as plain numpy and scipy.sparse in float32: reversion, diffusion over the ties, salience.

    The reference the electorate's kernel is measured against: the same arithmetic as
    :func:`pacsim.agents.voter_kernels.spread_attention`, written the obvious vectorised way.
    """
    f = np.float32
    reverted = attention + f(reversion) * (baseline * level.astype(f) - attention)
    mixed = f(1.0 - diffusion) * reverted + f(diffusion) * (ties @ reverted)
    return mixed, mixed / mixed.sum(axis=1, keepdims=True)


class AgentVoter(mesa.Agent):
    """A voter that holds its own attention and neighbour list and steps itself: the per-agent way of writing the week."""

    def __init__(self, model: AgentElectorate, attention: list[float], baseline: list[float]) -> None:
        super().__init__(model)
        self.attention = attention
        self.baseline = baseline
        self.neighbours: list[AgentVoter] = []
        self.reverted: list[float] = []
        self.salience: list[float] = []

    def revert(self) -> None:
        """Close ``reversion`` of the gap between attention and its own level (baseline × the national level)."""
        m = self.model
        self.reverted = [a + m.reversion * (b * lv - a) for a, b, lv in zip(self.attention, self.baseline, m.level, strict=True)]

    def mix(self) -> None:
        """Keep ``1 - diffusion`` of the reverted attention, take ``diffusion`` of the neighbours' mean; salience is its share."""
        m = self.model
        k = len(self.reverted)
        ties = self.neighbours
        mean = [sum(nb.reverted[i] for nb in ties) / len(ties) for i in range(k)] if ties else [0.0] * k
        self.attention = [(1.0 - m.diffusion) * r + m.diffusion * x for r, x in zip(self.reverted, mean, strict=True)]
        total = sum(self.attention)
        self.salience = [a / total for a in self.attention]


class AgentElectorate(mesa.Model):
    """An electorate's attention week written per agent in plain Mesa, built from the same state as an :class:`Electorate`.

    Each week every voter reverts (``agents.do("revert")``), then mixes with its neighbours
    (``agents.do("mix")``); the two passes make the update synchronous. It is the slow
    reference of the benchmark and, at small sizes, the tests' oracle for the vectorised week.
    """

    def __init__(self, electorate: Electorate) -> None:
        super().__init__(rng=0)
        sal = electorate.params.salience
        self.diffusion, self.reversion = sal.diffusion, sal.reversion
        self.level = electorate.national_level.tolist()
        self.people = [
            AgentVoter(self, a, b)
            for a, b in zip(electorate.attention.astype(float).tolist(), electorate.baseline.astype(float).tolist(), strict=True)
        ]
        ties = electorate.ties
        for i, person in enumerate(self.people):
            person.neighbours = [self.people[j] for j in ties.indices[ties.indptr[i] : ties.indptr[i + 1]]]

    def step(self) -> None:
        """One week of attention for every voter."""
        self.agents.do("revert")
        self.agents.do("mix")

    def attention_array(self) -> np.ndarray:
        """Every voter's attention (voters × issues)."""
        return np.array([p.attention for p in self.people])

    def salience_array(self) -> np.ndarray:
        """Every voter's salience (voters × issues)."""
        return np.array([p.salience for p in self.people])


def _model(n_voters: int, **extra: Any) -> Any:
    from pacsim.model.model import PacsimModel
    from pacsim.model.params import build_params

    return PacsimModel(build_params({"electorate.n_voters": n_voters, **extra}))


def _best(fn: Any, reps: int) -> float:
    """Best wall time of ``reps`` calls (after one warm-up call), in seconds."""
    fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(min(times))


def warm_up() -> dict[str, float]:
    """A tiny run that compiles the kernels or loads them from numba's cache."""
    from pacsim.model.model import warm_up as run_warm_up

    t0 = time.perf_counter()
    run_warm_up()
    return {"seconds": time.perf_counter() - t0}


def _cpu() -> float:
    """CPU seconds this process has used, all threads."""
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


@contextlib.contextmanager
def kernel_clock() -> Iterator[dict[str, float]]:
    """Wall time spent inside the compiled voter kernels while the block runs, per kernel (seconds).

    Every kernel the model calls from Python (those of :mod:`pacsim.model.kernels` and
    :mod:`pacsim.agents.voter_kernels`) is timed call by call, which costs about a
    microsecond per call; kernels inlined into others are timed as part of them.
    """
    from numba.core.registry import CPUDispatcher

    from pacsim.agents import voter_kernels
    from pacsim.model import kernels

    spent: dict[str, float] = {}
    kept = []
    for module in (kernels, voter_kernels):
        for name, kernel in vars(module).copy().items():
            if isinstance(kernel, CPUDispatcher) and kernel.targetoptions.get("inline", "never") == "never":

                def timed(*args: Any, _kernel: Any = kernel, _name: str = name) -> Any:
                    t0 = time.perf_counter()
                    try:
                        return _kernel(*args)
                    finally:
                        spent[_name] = spent.get(_name, 0.0) + time.perf_counter() - t0

                kept.append((module, name, kernel))
                setattr(module, name, timed)
    try:
        yield spent
    finally:
        for module, name, kernel in kept:
            setattr(module, name, kernel)


def default_run() -> dict[str, Any]:
    """One default run (435 + 100 seats, 100,000 voters, 4 cycles): build and run times, the CPU time they took, and the kernels' share."""
    from pacsim.model.model import PacsimModel
    from pacsim.model.params import build_params

    with kernel_clock() as spent:
        c0, t0 = _cpu(), time.perf_counter()
        model = PacsimModel(build_params({}))
        t1 = time.perf_counter()
        model.run()
        t2 = time.perf_counter()
        model.tables()
        wall = time.perf_counter() - t0
    cpu = _cpu() - c0
    return {
        "build_s": t1 - t0,
        "run_s": t2 - t1,
        "wall_s": wall,
        "cpu_s": cpu,
        "steps": model.steps,
        "kernel_s": sum(spent.values()),
        "kernels": dict(sorted(spent.items(), key=lambda kv: -kv[1])),
        "threads": review_on_threads(model),
    }


def review_on_threads(model: Any, reps: int = 7) -> dict[str, float] | None:
    """One review pass of ``model``'s electorate on one kernel thread and on two, alternately: the median time of each (s).

    Taken right after a default run, it shows what the machine's second CPU gave that run:
    a review pass splits into equal chunks, so two whole CPUs make it about twice as fast.
    None on a machine with one CPU.
    """
    from pacsim.model import kernels

    cpus: int = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]  # numba sets its config at import
    if cpus < 2:
        return None
    cand, stock = model.elections.candidates(), model.campaign.stocks.general
    times: dict[int, list[float]] = {1: [], 2: []}
    try:
        for _ in range(reps + 1):
            for threads in (1, 2):
                # The kernels' share of the CPUs when cpus // threads processes run side by side: `threads` threads.
                kernels.share_cpus(cpus // threads)
                t0 = time.perf_counter()
                model.electorate.outlook(cand, stock, model.positions)
                times[threads].append(time.perf_counter() - t0)
    finally:
        kernels.share_cpus(1)
    # The first of each is left out: it may still be warming the caches.
    return {"one_s": float(np.median(times[1][1:])), "two_s": float(np.median(times[2][1:]))}


def scaling(n_voters: int, steps: int) -> dict[str, float]:
    """Build times and mean step time over ``steps`` steps of the default world with ``n_voters`` voters.

    The first build in a fresh process also pays numba's start-up and loads the kernels
    from its cache, once per process; the second is what each further model costs (a sweep
    worker's next run, the live view's Reset), and is the one the build goals are about.
    """
    t0 = time.perf_counter()
    model = _model(n_voters)
    first = time.perf_counter() - t0
    del model
    gc.collect()
    t0 = time.perf_counter()
    model = _model(n_voters)
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(steps):
        model.step()
    return {"n_voters": n_voters, "first_build_s": first, "build_s": build, "steps": steps, "step_s": (time.perf_counter() - t0) / steps}


def voter_week(n_voters: int, reps: int) -> dict[str, float]:
    """One attention week of the electorate against the bare float32 kernel, best of ``reps``, in seconds."""
    e = _model(n_voters).electorate
    sal = e.params.salience
    f = np.float32
    attention, baseline, ties = e.attention.astype(f), e.baseline.astype(f), sp.csr_array(e.ties, dtype=f)
    own = _best(lambda: e.step_attention(None), reps)
    bare = _best(lambda: bare_attention_step(attention, baseline, e.national_level, ties, sal.diffusion, sal.reversion), reps)
    return {"n_voters": n_voters, "own_s": own, "bare_s": bare}


def agent_week(n_voters: int, reps: int) -> dict[str, float]:
    """One attention week per agent in Mesa against the electorate's, at the same size, in seconds per voter-step."""
    e = _model(n_voters).electorate
    agents = AgentElectorate(e)
    own = _best(lambda: e.step_attention(None), reps)
    per_agent = _best(agents.step, max(1, reps // 10))
    return {"n_voters": n_voters, "own_s_per_voter": own / n_voters, "agent_s_per_voter": per_agent / n_voters}


def sweep(workers: int, replicates: int) -> dict[str, float]:
    """Wall time of ``pacsim sweep c01_capture_vs_salience`` with ``replicates`` replicates on ``workers`` workers."""
    from pacsim.experiments.results import RUNS, RunFolder
    from pacsim.experiments.spec import read_experiment, resolve_experiment
    from pacsim.experiments.sweep import run_sweep

    path = resolve_experiment("c01_capture_vs_salience")
    text = re.sub(r"(?m)^replicates = \d+", f"replicates = {replicates}", path.read_text())
    spec = read_experiment(path, text)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        summary = run_sweep(spec, Path(tmp) / "out", workers=workers, progress=False, csv=False)
        wall = time.perf_counter() - t0
        runs_s = float(RunFolder(Path(tmp) / "out").read(RUNS, columns=["duration_s"])["duration_s"].sum())
    return {"workers": workers, "runs": summary.ok, "wall_s": wall, "runs_s": runs_s}


CHILDREN = {
    "warm_up": lambda a: warm_up(),
    "default": lambda a: default_run(),
    "scaling": lambda a: scaling(int(a[0]), int(a[1])),
    "voter_week": lambda a: voter_week(int(a[0]), int(a[1])),
    "agent_week": lambda a: agent_week(int(a[0]), int(a[1])),
    "sweep": lambda a: sweep(int(a[0]), int(a[1])),
}


def _load() -> float:
    """The machine's 1-minute load average: how much else was running."""
    return os.getloadavg()[0]


#: Linux's CPU accounting: its first line sums every CPU's time since boot, in clock ticks.
PROC_STAT = Path("/proc/stat")


def stolen() -> float | None:
    """Seconds of this machine's CPU time that its host gave to others since boot (Linux's steal), or None where none is kept.

    A virtual machine's CPUs are shared with other machines on the same host; time it wanted
    and did not get is counted here, and slows every figure without showing in the load.
    """
    try:
        fields = PROC_STAT.read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    if len(fields) < 9 or fields[0] != "cpu" or not fields[8].isdigit():
        return None
    return int(fields[8]) / os.sysconf("SC_CLK_TCK")


def _between(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else after - before


def _steal_text(steal: dict[str, float | None]) -> str:
    if steal["benchmark"] is None or steal["default_runs"] is None:
        return "this system reports no steal time"
    return (
        f"the host gave {steal['default_runs']:.1f} s of these CPUs' time to others during the default runs, "
        f"{steal['benchmark']:.1f} s during the whole benchmark (steal)"
    )


def _cpus() -> int:
    return len(os.sched_getaffinity(0))


def _child(kind: str, args: list[str]) -> None:
    result = CHILDREN[kind](args)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def _measure(kind: str, *args: object) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "pacsim", "bench", "model", "--child", kind, *map(str, args)], capture_output=True, text=True
    )
    if out.returncode != 0:
        raise RuntimeError(f"benchmark child {kind} {args} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


#: The schema's range of ``electorate.n_voters``, for the benchmark's world sizes.
_VOTERS = (int(FIELDS["electorate.n_voters"].lo or 0), int(FIELDS["electorate.n_voters"].hi or 0))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """This benchmark's options on its ``pacsim`` subcommand."""
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument(
        "--steps", type=integer_in(1, 100_000), default=104, help="steps for the scaling runs (default: one cycle, %(default)s)"
    )
    parser.add_argument(
        "--sizes", type=integers_in(*_VOTERS), default="100000,300000,1000000", help="voters in the scaling runs (default: %(default)s)"
    )
    parser.add_argument(
        "--reps", type=integer_in(1, 100_000), default=30, help="repetitions of a week for the kernel comparisons (default: %(default)s)"
    )
    parser.add_argument(
        "--agent-voters", type=integer_in(*_VOTERS), default=20_000, help="voters in the per-agent comparison (default: %(default)s)"
    )
    parser.add_argument(
        "--default-runs",
        type=integer_in(1, 100),
        default=3,
        help="default runs, each in a fresh process; the table shows the one of median wall time (default: %(default)s)",
    )
    parser.add_argument(
        "--sweep-replicates",
        type=integer_in(1, 1_000),
        default=3,
        help="replicates of c01's six points in the sweep (default: %(default)s, the file's own)",
    )
    parser.add_argument(
        "--sweep-pairs",
        type=integer_in(1, 100),
        default=3,
        help="alternating pairs of sweeps on 1 and 2 workers; the table shows the pair of median speed-up (default: %(default)s)",
    )
    parser.add_argument("--out", default="bench.json")


def _rows(r: dict[str, Any], sizes: list[int]) -> list[tuple[str, str, float, str]]:
    """(measure, value, ratio, what the ratio is) per figure; each ratio is against a goal or another measure of this run."""
    first, last = sizes[0], sizes[-1]
    small, large = r[f"scaling_{first}"], r[f"scaling_{last}"]
    d, week, agents = r["default"], r["voter_week"], r["agent_week"]
    walls = sorted(run["wall_s"] for run in r["default_runs"])
    s1, s2 = r["sweep_1"], r["sweep_2"]
    pair_ratios = ", ".join(f"{q:.2f}" for q in sorted(_speed_up(pair) for pair in r["sweep_pairs"]))
    rest_1, rest_2 = s1["wall_s"] - s1["runs_s"], s2["wall_s"] - s2["runs_s"] / 2
    rows = [
        (
            "default run, wall",
            f"{d['wall_s']:.2f} s",
            d["wall_s"] / 5.0,
            f"/ goal 5 s; the median of {len(walls)} runs (fastest {walls[0]:.2f} s, slowest {walls[-1]:.2f} s)",
        ),
        ("default run, build", f"{d['build_s']:.2f} s", d["build_s"] / d["wall_s"], "/ its wall"),
        (
            "default run, voter kernels",
            f"{d['kernel_s']:.2f} s",
            d["kernel_s"] / d["wall_s"],
            f"/ its wall; alone {d['kernel_s'] / 5.0:.2f} of the 5 s goal ({_top(d['kernels'])})",
        ),
        (
            "default run, CPU time",
            f"{d['cpu_s']:.2f} s",
            d["cpu_s"] / d["wall_s"],
            "/ its wall (> 1: threads ran; < 1: the CPU was shared)",
        ),
    ]
    threads = d.get("threads")
    if threads:
        rows.append(
            (
                "default run, review on 2 threads",
                f"{1e3 * threads['two_s']:.1f} ms",
                threads["one_s"] / threads["two_s"],
                f"speed-up over 1 thread ({1e3 * threads['one_s']:.1f} ms), one review pass after the run: "
                "about 2 when the second CPU was a whole one",
            )
        )
    rows.append(
        (
            f"first build, {first:,} voters",
            f"{small['first_build_s']:.2f} s",
            small["first_build_s"] / small["build_s"],
            "/ a further build; a fresh process's first also starts numba and loads its kernels",
        )
    )
    for n in sizes:
        build = r[f"scaling_{n}"]["build_s"]
        goal = {100_000: 1.0, 1_000_000: 10.0}.get(n)
        rows.append(
            (
                f"build, {n:,} voters",
                f"{build:.2f} s",
                build / goal if goal else build / small["build_s"],
                f"/ goal {goal:g} s" if goal else f"/ build at {first:,}",
            )
        )
    for n in sizes:
        step = r[f"scaling_{n}"]["step_s"]
        rows.append(
            (f"mean step, {n:,} voters", f"{1e3 * step:.1f} ms", step / small["step_s"], f"/ step at {first:,} (voters x{n / first:g})")
        )
    rows += [
        (f"peak memory, {last:,} voters", f"{large['peak_rss_mb']:.0f} MB", large["peak_rss_mb"] / 1536.0, "/ goal 1.5 GB"),
        (
            "peak memory per voter",
            f"{large['peak_rss_mb'] * 2**20 / last:.0f} B",
            (large["peak_rss_mb"] - small["peak_rss_mb"]) * 2**20 / (last - first),
            f"B per voter added from {first:,} to {last:,}",
        ),
        (
            "attention week, own kernel",
            f"{1e3 * week['own_s']:.2f} ms",
            week["own_s"] / week["bare_s"],
            f"/ bare numpy+scipy float32 ({1e3 * week['bare_s']:.2f} ms), {week['n_voters']:,} voters",
        ),
        (
            "attention week, per-agent Mesa",
            f"{1e9 * agents['agent_s_per_voter']:.0f} ns/voter",
            agents["agent_s_per_voter"] / agents["own_s_per_voter"],
            f"/ own kernel ({1e9 * agents['own_s_per_voter']:.1f} ns/voter), {agents['n_voters']:,} voters",
        ),
        (
            "sweep c01, 2 workers",
            f"{s2['wall_s']:.1f} s",
            s1["wall_s"] / s2["wall_s"],
            f"speed-up over 1 worker ({s1['wall_s']:.1f} s), {s1['runs']} runs at 20,000 voters; the median of "
            f"{len(r['sweep_pairs'])} alternating pairs ({pair_ratios})",
        ),
        (
            "sweep c01, 2 workers, the runs alone",
            f"{s2['runs_s'] / 2:.1f} s",
            s1["runs_s"] / (s2["runs_s"] / 2),
            f"speed-up of the runs' summed durations over the workers ({s1['runs_s']:.1f} s on 1); the rest of the wall "
            f"(start, last run's wait, consolidation): {rest_1:.1f} s on 1, {rest_2:.1f} s on 2",
        ),
    ]
    return rows


def _speed_up(pair: dict[str, dict[str, Any]]) -> float:
    """A pair of sweeps' wall time on 1 worker over that on 2."""
    return float(pair["1"]["wall_s"] / pair["2"]["wall_s"])


def median_pair(pairs: list[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """The pair of sweeps (on 1 and on 2 workers) of median speed-up; for an even count, the one of lower speed-up of the two middle ones.

    Like :func:`median_run`, an even count takes the middle figure further from the goal.
    """
    return sorted(pairs, key=_speed_up)[(len(pairs) - 1) // 2]


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median wall time (the slower of the two middle ones for an even count), whole, so that its other figures go with it."""
    return sorted(runs, key=lambda run: run["wall_s"])[len(runs) // 2]


def _top(kernels: dict[str, float], n: int = 2) -> str:
    """The kernels that took longest, with their seconds."""
    return ", ".join(f"{name} {seconds:.2f} s" for name, seconds in list(kernels.items())[:n])


def verdict(name: str, ratio: float) -> str:
    """Whether a row's ratio meets its goal, if it has one."""
    if name not in GOALS:
        return ""
    bound, at_most = GOALS[name]
    met = ratio <= bound if at_most else ratio >= bound
    return "met" if met else f"MISSED ({'>' if at_most else '<'} {bound:g})"


def run(args: argparse.Namespace) -> int:
    """Run the benchmarks and print one table of what they measured."""
    if args.child:
        _child(args.child[0], args.child[1:])
        return 0
    sizes = sorted(set(args.sizes))
    # Every size is checked against the schema, and the output file's folder, before the first measurement.
    for n in (*sizes, args.agent_voters):
        build_params({"electorate.n_voters": n})
    check_output_file(Path(args.out))
    # Which code, packages and machine the figures are of, so that a table quoted from this file can be traced.
    results: dict[str, Any] = {"provenance": {**provenance(), "started": now(), "cpus": _cpus()}}
    results |= {"load_before": _load(), "warm_up": _measure("warm_up")}
    steal_start = stolen()
    results["default_runs"] = [_measure("default") for _ in range(args.default_runs)]
    steal_default = stolen()
    results["default"] = median_run(results["default_runs"])
    for n in sizes:
        results[f"scaling_{n}"] = _measure("scaling", n, args.steps)
    results["voter_week"] = _measure("voter_week", 100_000, args.reps)
    results["agent_week"] = _measure("agent_week", args.agent_voters, args.reps)
    results["sweep_pairs"] = [
        {str(workers): _measure("sweep", workers, args.sweep_replicates) for workers in (1, 2)} for _ in range(args.sweep_pairs)
    ]
    pair = median_pair(results["sweep_pairs"])
    results["sweep_1"], results["sweep_2"] = pair["1"], pair["2"]
    results["load_after"] = _load()
    results["steal_s"] = {"default_runs": _between(steal_start, steal_default), "benchmark": _between(steal_start, stolen())}
    results["provenance"]["finished"] = now()
    rows = _rows(results, sizes)
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'value':>14}  {'ratio':>8}  {'goal':<13} ratio is")
    for name, value, ratio, what in rows:
        print(f"{name:<{width}}  {value:>14}  {ratio:>8.2f}  {verdict(name, ratio):<13} {what}")
    print(
        f"load average (1 min) {results['load_before']:.2f} before, {results['load_after']:.2f} after, "
        f"on {_cpus()} CPUs ({results['provenance']['processor'] or 'processor not named'}); {_steal_text(results['steal_s'])}"
    )
    results["table"] = [{"measure": n, "value": v, "ratio": q, "goal": verdict(n, q), "ratio_is": w} for n, v, q, w in rows]
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    return 0
