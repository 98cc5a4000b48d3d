"""Running an experiment: every design point x replicate, on any executor, stored as each run finishes.

Three parts, kept apart: :func:`execute_run` is what a worker does (a pure function of a
run's parameters and seed that returns Parquet bytes and a small status); :func:`stream`
keeps a bounded number of runs in flight on any :class:`concurrent.futures.Executor` and
yields results as they complete; :func:`run_sweep` plans the runs, skips those already
finished (``resume``), and hands each result to :class:`experiments.results.RunFolder`.
The driver holds no tables: its memory does not grow with the number of finished runs.
"""

from __future__ import annotations

import io
import os
import socket
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from pacsim.experiments.design import RunPlan, plan_runs
from pacsim.experiments.executors import Backend, open_backend
from pacsim.experiments.measures import run_outcomes
from pacsim.experiments.provenance import now, provenance
from pacsim.experiments.results import FAILED, OK, RunFolder
from pacsim.experiments.runner import simulate
from pacsim.experiments.design import ExperimentSpec
from pacsim.model.params import Params
from pacsim.experiments.errors import SweepError


@dataclass(frozen=True)
class RunTask:
    """What a worker needs for one run: its plan, the scenario name, validated parameters and the tables to keep."""

    plan: RunPlan
    scenario: str
    params: Params
    tables: tuple[str, ...]


@dataclass
class RunResult:
    """What a worker sends back: Parquet bytes per kept table, the outcomes, and how the run went."""

    run_id: int
    status: str
    started: str
    finished: str
    duration_s: float
    worker: str
    outcomes: dict[str, float] = field(default_factory=dict)
    parts: dict[str, bytes] = field(default_factory=dict)
    error: str = ""
    traceback: str = ""


def _to_parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def execute_run(task: RunTask, simulate_fn: Callable[[Params], dict[str, pd.DataFrame]] = simulate) -> RunResult:
    """Run one model to the end and return its kept tables (as Parquet) and outcomes; never raises.

    A run that raises comes back with status ``failed``, its error and its traceback, so that
    one bad run cannot stop a sweep.
    """
    started, t0 = now(), time.perf_counter()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    try:
        tables = simulate_fn(task.params)
        outcomes = run_outcomes(tables, task.params)
        parts = {}
        for name in task.tables:
            frame = tables[name]
            frame.insert(0, "run_id", task.plan.run_id)
            parts[name] = _to_parquet(frame)
    except Exception as exc:  # noqa: BLE001 - a failed run is recorded, never raised
        return RunResult(task.plan.run_id, FAILED, started, now(), time.perf_counter() - t0, worker,
                         error=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc())
    return RunResult(task.plan.run_id, OK, started, now(), time.perf_counter() - t0, worker, outcomes, parts)


def stream(executor: Executor, tasks: Iterable[RunTask], max_in_flight: int,
           fn: Callable[[RunTask], RunResult] = execute_run) -> Iterator[RunResult]:
    """Submit ``tasks`` keeping at most ``max_in_flight`` running, and yield each result as it completes.

    A task whose future raises (a worker that died, say) is yielded as a failed result.
    """
    pending: dict[Future, RunTask] = {}
    queue = iter(tasks)
    exhausted = False
    try:
        while True:
            while not exhausted and len(pending) < max_in_flight:
                task = next(queue, None)
                if task is None:
                    exhausted = True
                    break
                pending[executor.submit(fn, task)] = task
            if not pending:
                return
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: pending[f].plan.run_id):
                task = pending.pop(future)
                try:
                    yield future.result()
                except Exception as exc:  # noqa: BLE001 - the executor lost the run; record it
                    stamp = now()
                    yield RunResult(task.plan.run_id, FAILED, stamp, stamp, 0.0, "", error=f"{type(exc).__name__}: {exc}",
                                    traceback="".join(traceback.format_exception(exc)))
    finally:
        for future in pending:
            future.cancel()


def _runs_row(spec: ExperimentSpec, task: RunTask, result: RunResult) -> pd.DataFrame:
    plan = task.plan
    row: dict[str, Any] = {"run_id": plan.run_id, "point_id": plan.point_id, "replicate": plan.replicate, "seed": plan.seed,
                           "scenario": task.scenario}
    row.update({path: plan.point[path] for path in spec.varied if path != "scenario"})
    row.update({"status": result.status, "error": result.error, "traceback": result.traceback, "started": result.started,
                "finished": result.finished, "duration_s": result.duration_s, "worker": result.worker})
    return pd.DataFrame([row])


def _outcomes_row(spec: ExperimentSpec, task: RunTask, result: RunResult) -> pd.DataFrame:
    plan = task.plan
    row: dict[str, Any] = {"run_id": plan.run_id, "point_id": plan.point_id, "replicate": plan.replicate, "seed": plan.seed,
                           "scenario": task.scenario}
    row.update({path: plan.point[path] for path in spec.varied if path != "scenario"})
    row.update(result.outcomes)
    return pd.DataFrame([row])


def make_task(spec: ExperimentSpec, plan: RunPlan) -> RunTask:
    """The task of one planned run: parameters validated in the driver, so workers need no files."""
    scenario, params = spec.params_for(plan.point, plan.seed)
    return RunTask(plan, scenario, params, spec.tables)


@dataclass
class SweepSummary:
    """How a sweep went: where its results are and how many runs finished or failed."""

    out: Path
    n_runs: int
    ok: int
    failed: int
    skipped: int
    seconds: float


def _prepare(folder: RunFolder, spec: ExperimentSpec, resume: bool) -> dict[str, Any]:
    manifest = folder.read_manifest()
    if manifest is None:
        if folder.root.exists() and any(folder.root.iterdir()):
            raise SweepError(f"output folder '{folder.root}' is not empty and holds no sweep; choose another --out")
        return {}
    if not resume:
        raise SweepError(f"output folder '{folder.root}' already holds a sweep; pass --resume to finish it, or choose another --out")
    if manifest.get("experiment", {}).get("sha256") != spec.sha256:
        raise SweepError(f"output folder '{folder.root}' holds a sweep of a different experiment file "
                         f"(sha256 {manifest.get('experiment', {}).get('sha256', '?')[:12]}, this file {spec.sha256[:12]}); choose another --out")
    return manifest


def run_sweep(spec: ExperimentSpec, out: Path | str, *, executor: Executor | None = None, kind: str = "local",
              workers: int | None = None, scheduler: str | None = None, resume: bool = False, progress: bool = True,
              csv: bool = True, max_in_flight: int | None = None) -> SweepSummary:
    """Run every design point x replicate of ``spec`` into the run folder ``out``, and consolidate its tables.

    ``executor``, when given, is any :class:`concurrent.futures.Executor` and is left open;
    otherwise one of ``kind`` (``local`` or ``dask``) is started with ``workers`` workers.
    With ``resume``, runs that already finished are skipped; failed ones are tried again.
    """
    folder = RunFolder(out)
    previous = _prepare(folder, spec, resume)
    plans = plan_runs(spec)
    statuses = folder.statuses() if previous else {}
    todo = [p for p in plans if statuses.get(p.run_id) != OK]
    started, t0 = now(), time.perf_counter()
    if executor is not None:
        summary = _drive(spec, folder, Backend(executor, type(executor).__name__, workers or 0), plans, todo, previous,
                         started, progress, max_in_flight)
    else:
        with open_backend(kind, workers, scheduler) as backend:
            summary = _drive(spec, folder, backend, plans, todo, previous, started, progress, max_in_flight)
    folder.consolidate({p.run_id for p in plans}, csv=csv)
    summary.seconds = time.perf_counter() - t0
    return summary


def _drive(spec: ExperimentSpec, folder: RunFolder, backend: Backend, plans: list[RunPlan], todo: list[RunPlan],
           previous: dict[str, Any], started: str, progress: bool, max_in_flight: int | None) -> SweepSummary:
    session = {"started": started, "executor": backend.kind, "workers": backend.workers, "scheduler": backend.scheduler,
               "runs_attempted": len(todo)}
    manifest = {
        "experiment": {"name": spec.name, "path": str(spec.path), "sha256": spec.sha256, "text": spec.text,
                       "design": spec.design.value, "claim": spec.claim, "scenario": spec.scenario,
                       "varied": list(spec.varied), "outcomes": list(spec.outcomes), "tables": list(spec.tables)},
        "master_seed": spec.master_seed, "n_points": len(plans) // spec.replicates, "replicates": spec.replicates,
        "n_runs": len(plans), "started": previous.get("started", started), "finished": None, "status": "running",
        "executor": backend.kind, "workers": backend.workers, "scheduler": backend.scheduler,
        "sessions": [*previous.get("sessions", []), session], **provenance(),
    }
    folder.root.mkdir(parents=True, exist_ok=True)
    folder.write_experiment(spec.text)
    folder.write_manifest(manifest)
    ok = failed = 0
    skipped = len(plans) - len(todo)
    tasks = {p.run_id: p for p in todo}
    in_flight = max_in_flight or max(2, 2 * max(backend.workers, 1))
    bar = tqdm(total=len(plans), initial=skipped, desc=spec.name, unit="run", disable=not progress, dynamic_ncols=True)
    try:
        task_iter = (make_task(spec, p) for p in todo)
        for result in stream(backend.executor, task_iter, in_flight):
            task = make_task(spec, tasks.pop(result.run_id))
            folder.write_run(result.run_id, result.parts, _runs_row(spec, task, result),
                             _outcomes_row(spec, task, result) if result.status == OK else None)
            ok += result.status == OK
            failed += result.status == FAILED
            bar.update(1)
            if failed:
                bar.set_postfix(failed=failed)
            del result
    except BaseException:
        manifest.update(status="interrupted", finished=now())
        session.update(finished=manifest["finished"], ok=ok, failed=failed)
        folder.write_manifest(manifest)
        raise
    finally:
        bar.close()
    statuses = folder.statuses()
    manifest.update(status="complete" if all(statuses.get(p.run_id) == OK for p in plans) else "complete with failures",
                    finished=now(), runs_ok=sum(s == OK for s in statuses.values()),
                    runs_failed=sum(s == FAILED for s in statuses.values()))
    session.update(finished=manifest["finished"], ok=ok, failed=failed)
    folder.write_manifest(manifest)
    return SweepSummary(folder.root, len(plans), ok, failed, skipped, 0.0)
