"""Running an experiment: every design point x replicate, on any executor, stored as each run finishes.

Three parts, kept apart: :func:`execute_run` is what a worker does (a pure function of a
run's parameters and seed that returns Parquet bytes and a small status); :func:`stream`
keeps a bounded number of runs in flight on any :class:`concurrent.futures.Executor` and
yields results as they complete; :func:`run_sweep` plans the runs, skips those already
finished (``resume``), and hands each result to :class:`experiments.results.RunFolder`.
The driver holds no tables: its memory does not grow with the number of finished runs.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
from pebble import ProcessExpired
from tqdm import tqdm

from pacsim.experiments.design import ExperimentSpec, RunPlan, plan_runs
from pacsim.experiments.errors import ExecutorError, SweepError
from pacsim.experiments.executors import Backend, check_backend, default_workers, open_backend
from pacsim.experiments.measures import run_outcomes
from pacsim.experiments.preflight import check_folder, check_memory, claim_folder, spec_bytes
from pacsim.experiments.provenance import now, provenance
from pacsim.experiments.results import OUTCOMES, RUNS, FolderKind, RunFolder, RunStatus, SweepStatus
from pacsim.experiments.runner import simulate
from pacsim.experiments.store import parquet_bytes
from pacsim.model.params import Params
from pacsim.model.schemas import row_to_arrow, run_schemas, sweep_schemas, to_arrow, with_run_id


@dataclass(frozen=True)
class RunTask:
    """What a worker needs for one run: its plan, the scenario name, validated parameters and the tables to keep."""

    plan: RunPlan
    scenario: str
    params: Params
    tables: tuple[str, ...]


@dataclass
class RunResult:
    """What a worker sends back: Parquet bytes per kept table, the outcomes, and how the run went.

    ``attempts`` counts the workers the run was started on (2 when the first one died under
    it) and ``lost`` says how each earlier attempt ended; the driver fills in both.
    """

    run_id: int
    status: RunStatus
    started: str
    finished: str
    duration_s: float
    worker: str
    outcomes: dict[str, float] = field(default_factory=dict)
    parts: dict[str, bytes] = field(default_factory=dict)
    error: str = ""
    traceback: str = ""
    attempts: int = 1
    lost: list[str] = field(default_factory=list)


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
        schemas = run_schemas(task.params)
        parts = {}
        for name in task.tables:
            frame = tables[name]
            frame.insert(0, "run_id", task.plan.run_id)
            parts[name] = parquet_bytes(to_arrow(name, frame, with_run_id(schemas[name])))
    except Exception as exc:  # a failed run is recorded, never raised
        return RunResult(
            task.plan.run_id,
            RunStatus.FAILED,
            started,
            now(),
            time.perf_counter() - t0,
            worker,
            error=f"{type(exc).__name__}: {exc}",
            traceback=traceback.format_exc(),
        )
    return RunResult(task.plan.run_id, RunStatus.OK, started, now(), time.perf_counter() - t0, worker, outcomes, parts)


#: Exceptions of a future that mean the worker process died under the run, not that the run failed.
WORKER_LOST: tuple[type[BaseException], ...] = (BrokenExecutor, ProcessExpired)
#: How many times a run whose worker died is started again before it is recorded as failed.
RETRIES = 1
#: How many times a broken executor is replaced by a fresh one in one sweep before the sweep stops.
MAX_RESTARTS = 5
#: How a run in flight ended when a dead worker had left its pool's channel locked and the pool was replaced.
STUCK_CHANNEL = "pool replaced: a dead worker left its channel locked"
#: Seconds with no run finishing after which the driver asks whether the executor is stuck. A worker
#: that dies as it takes a run fails no future, so nothing else would make the driver ask.
STUCK_PROBE_S = 5.0
#: How a run ended whose worker died as it took the run, where the executor never reported the death.
ORPHANED = "its worker died as it took the run, and the pool never reported the run"


class OrphanedRunError(Exception):
    """A run in flight whose worker died and whose executor will never complete its future (``Backend.orphaned``)."""


#: How a run ends whose worker died: reported by the executor, or found orphaned.
LOST_RUN: tuple[type[BaseException], ...] = (*WORKER_LOST, OrphanedRunError)


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    code = getattr(exc, "exitcode", None)
    return f"{type(exc).__name__}: {text}" + (f" (exit code {code})" if code is not None else "")


def stream(
    backend: Backend, tasks: Iterable[RunTask], max_in_flight: int, fn: Callable[[RunTask], RunResult] = execute_run, retries: int = RETRIES
) -> Iterator[RunResult]:
    """Submit ``tasks`` keeping at most ``max_in_flight`` running, and yield each result as it completes.

    A run whose worker died (:data:`WORKER_LOST`, or a run the executor will never complete
    because its worker died unreported: ``backend.orphaned``, asked after every wait) is
    started again, up to ``retries`` times, and then yielded as failed; any other exception
    of its future is yielded as a failed result at once. An executor that refuses new runs (a broken pool) is replaced through
    ``backend.restart`` (at most :data:`MAX_RESTARTS` times) and the runs it lost go to the
    new one; without a restart, the sweep stops with :class:`ExecutorError`. An executor that
    a dead worker left unable to deliver runs (``backend.stuck``, asked after every lost
    worker and whenever no run has finished for :data:`STUCK_PROBE_S`) is replaced the same
    way: its runs in flight start again on the new one, without counting against their
    retries, since their own workers did not die under them. Such a replacement counts
    against :data:`MAX_RESTARTS` only when no lost worker was seen; after one, it is bounded
    by the runs' retries.
    """
    # Each run in flight or waiting to go again: its task, how its earlier attempts ended, and
    # how many of them ended with its own worker's death (the retries it has used).
    pending: dict[Future, tuple[RunTask, list[str], int]] = {}
    again: deque[tuple[RunTask, list[str], int]] = deque()
    queue = iter(tasks)
    exhausted = False
    restarts = 0

    def replace(reason: str, counted: bool = True) -> None:
        nonlocal restarts
        if backend.restart is None or (counted and restarts >= MAX_RESTARTS):
            raise ExecutorError(
                f"the {backend.kind} executor stopped taking runs ({reason}); finished runs are kept: --resume runs the rest"
            )
        restarts += counted
        try:
            backend.executor = backend.restart()
        except Exception as exc:
            raise ExecutorError(
                f"the {backend.kind} executor could not be started again ({_describe(exc)}); finished runs are kept: --resume runs the rest"
            ) from None

    def is_stuck() -> bool:
        return backend.stuck is not None and backend.stuck()

    def submit(task: RunTask, lost: list[str], deaths: int) -> None:
        while True:
            try:
                pending[backend.executor.submit(fn, task)] = (task, lost, deaths)
                return
            except Exception as exc:  # a broken or closed executor: replace it or stop
                replace(_describe(exc))

    try:
        while True:
            while len(pending) < max_in_flight and (again or not exhausted):
                if again:
                    submit(*again.popleft())
                    continue
                task = next(queue, None)
                if task is None:
                    exhausted = True
                    break
                submit(task, [], 0)
            if not pending:
                return
            probing = backend.stuck is not None or backend.orphaned is not None
            done, _ = wait(pending, timeout=STUCK_PROBE_S if probing else None, return_when=FIRST_COMPLETED)
            # Runs whose workers died where the executor will never say so count as lost workers' runs.
            orphans = (backend.orphaned() & pending.keys()) - done if backend.orphaned is not None else set()
            stuck_when_idle = not done and not orphans and is_stuck()
            stuck_after_loss = False
            for future in sorted(done | orphans, key=lambda f: pending[f][0].plan.run_id):
                task, lost, deaths = pending.pop(future)
                try:
                    # Cancelled, the executor forgets it; a run that finished meanwhile keeps its result.
                    if future in orphans and future.cancel():
                        raise OrphanedRunError(ORPHANED)
                    result = future.result()
                except LOST_RUN as exc:
                    stuck_after_loss = stuck_after_loss or is_stuck()
                    if deaths < retries:
                        again.append((task, [*lost, _describe(exc)], deaths + 1))
                        continue
                    result = _lost_result(task, exc)
                except Exception as exc:  # the executor lost the run: record it
                    result = _lost_result(task, exc)
                result.attempts, result.lost = len(lost) + 1, lost
                yield result
            if stuck_after_loss or stuck_when_idle:
                # The rest start again on the new executor; a run that finished meanwhile cannot be
                # cancelled, and its result is read at the next wait.
                for future in list(pending):
                    running = future.running()
                    if future.cancel():
                        task, lost, deaths = pending.pop(future)
                        again.append((task, [*lost, STUCK_CHANNEL] if running else lost, deaths))
                replace("a dead worker left its channel locked", counted=not stuck_after_loss)
    finally:
        for future in pending:
            future.cancel()


def _lost_result(task: RunTask, exc: BaseException) -> RunResult:
    stamp = now()
    return RunResult(
        task.plan.run_id, RunStatus.FAILED, stamp, stamp, 0.0, "", error=_describe(exc), traceback="".join(traceback.format_exception(exc))
    )


def _schemas(spec: ExperimentSpec, task: RunTask, result: RunResult) -> dict[str, pa.Schema]:
    flat = task.params.to_flat()
    return sweep_schemas({path: flat.get(path, task.plan.point[path]) for path in spec.varied}, result.outcomes)


def _runs_row(spec: ExperimentSpec, task: RunTask, result: RunResult, schema: pa.Schema) -> pa.Table:
    plan = task.plan
    row: dict[str, Any] = {
        "run_id": plan.run_id,
        "point_id": plan.point_id,
        "replicate": plan.replicate,
        "seed": plan.seed,
        "scenario": task.scenario,
    }
    row.update({path: plan.point[path] for path in spec.varied if path != "scenario"})
    row.update(
        {
            "status": RunStatus(result.status).value,
            "error": result.error,
            "traceback": result.traceback,
            "attempts": result.attempts,
            "started": result.started,
            "finished": result.finished,
            "duration_s": result.duration_s,
            "worker": result.worker,
        }
    )
    return row_to_arrow(RUNS, row, schema)


def _outcomes_row(spec: ExperimentSpec, task: RunTask, result: RunResult, schema: pa.Schema) -> pa.Table:
    plan = task.plan
    row: dict[str, Any] = {
        "run_id": plan.run_id,
        "point_id": plan.point_id,
        "replicate": plan.replicate,
        "seed": plan.seed,
        "scenario": task.scenario,
    }
    row.update({path: plan.point[path] for path in spec.varied if path != "scenario"})
    row.update(result.outcomes)
    return row_to_arrow(OUTCOMES, row, schema)


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


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _prepare(folder: RunFolder, spec: ExperimentSpec, resume: bool) -> dict[str, Any]:
    """The manifest of the sweep to resume ({} for a new one), after checking the folder; writes nothing."""
    manifest = check_folder(folder.root, FolderKind.SWEEP, resume=resume)
    if manifest is None:
        return {}
    experiment = manifest.get("experiment")
    recorded = experiment.get("sha256") if isinstance(experiment, dict) else None
    if recorded != spec.sha256:
        raise SweepError(
            f"output folder '{folder.root}' holds a sweep of a different experiment file "
            f"(sha256 {str(recorded or '?')[:12]}, this file {spec.sha256[:12]}); choose another --out"
        )
    return manifest


def check_sweep(
    spec: ExperimentSpec,
    out: Path | str,
    *,
    executor: Executor | None = None,
    kind: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    force: bool = False,
) -> dict[str, Any]:
    """Every check a sweep makes before it starts: executor options, the run folder and memory; writes nothing.

    Returns the manifest of the sweep to resume ({} for a new one).
    """
    if executor is None:
        check_backend(kind, workers, scheduler)
    previous = _prepare(RunFolder(out), spec, resume)
    if executor is None and not scheduler:
        n_workers = workers or default_workers()
        per_run, n_voters = spec_bytes(spec)
        check_memory(per_run, n_voters, workers=n_workers, force=force)
    return previous


def run_sweep(
    spec: ExperimentSpec,
    out: Path | str,
    *,
    executor: Executor | None = None,
    kind: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    progress: bool = True,
    csv: bool = True,
    max_in_flight: int | None = None,
    force: bool = False,
) -> SweepSummary:
    """Run every design point x replicate of ``spec`` into the run folder ``out``, and consolidate its tables.

    ``executor``, when given, is any :class:`concurrent.futures.Executor` and is left open;
    otherwise one of ``kind`` (``local`` or ``dask``) is started with ``workers`` workers.
    With ``resume``, runs that already finished are skipped; failed ones are tried again.
    Everything is checked (:func:`check_sweep`) before the folder is created; ``force``
    runs a sweep whose memory estimate exceeds what is available.
    """
    folder = RunFolder(out)
    previous = check_sweep(spec, out, executor=executor, kind=kind, workers=workers, scheduler=scheduler, resume=resume, force=force)
    plans = plan_runs(spec)
    started, t0 = now(), time.perf_counter()
    with claim_folder(folder.root):
        if previous:
            folder.remove_stale_temporaries()
        statuses = folder.statuses() if previous else {}
        todo = [p for p in plans if statuses.get(p.run_id) != RunStatus.OK or not folder.intact(p.run_id, spec.tables)]
        if executor is not None:
            backend = Backend(executor, type(executor).__name__, workers or 0)
            summary = _drive(spec, folder, backend, plans, todo, previous, started, progress, max_in_flight, csv)
        else:
            with open_backend(kind, workers, scheduler) as backend:
                summary = _drive(spec, folder, backend, plans, todo, previous, started, progress, max_in_flight, csv)
    summary.seconds = time.perf_counter() - t0
    return summary


def _drive(
    spec: ExperimentSpec,
    folder: RunFolder,
    backend: Backend,
    plans: list[RunPlan],
    todo: list[RunPlan],
    previous: dict[str, Any],
    started: str,
    progress: bool,
    max_in_flight: int | None,
    csv: bool,
) -> SweepSummary:
    """Run ``todo``, storing each result as it arrives, then consolidate; any exception is recorded in the manifest first."""
    session: dict[str, Any] = {
        "started": started,
        "executor": backend.kind,
        "workers": backend.workers,
        "scheduler": backend.scheduler,
        "runs_attempted": len(todo),
        "retried": [],
    }
    manifest = {
        "kind": FolderKind.SWEEP.value,
        "experiment": {
            "name": spec.name,
            "path": str(spec.path),
            "sha256": spec.sha256,
            "text": spec.text,
            "design": spec.design.value,
            "claim": spec.claim,
            "scenario": spec.scenario,
            "varied": list(spec.varied),
            "outcomes": list(spec.outcomes),
            "tables": list(spec.tables),
        },
        "master_seed": spec.master_seed,
        "n_points": len(plans) // spec.replicates,
        "replicates": spec.replicates,
        "n_runs": len(plans),
        "started": previous.get("started", started),
        "finished": None,
        "status": SweepStatus.RUNNING.value,
        "executor": backend.kind,
        "workers": backend.workers,
        "scheduler": backend.scheduler,
        "sessions": [*_list(previous.get("sessions")), session],
        **provenance(),
    }
    ok = failed = 0
    skipped = len(plans) - len(todo)
    # The tasks submitted and not yet stored: what the driver needs to store a result.
    tasks: dict[int, RunTask] = {}

    def made(plan: RunPlan) -> RunTask:
        tasks[plan.run_id] = make_task(spec, plan)
        return tasks[plan.run_id]

    in_flight = max_in_flight or max(2, 2 * max(backend.workers, 1))
    bar = tqdm(total=len(plans), initial=skipped, desc=spec.name, unit="run", disable=None if progress else True, dynamic_ncols=True)
    try:
        folder.write_experiment(spec.text)
        folder.write_manifest(manifest)
        for result in stream(backend, (made(plan) for plan in todo), in_flight):
            task = tasks.pop(result.run_id)
            schemas = _schemas(spec, task, result)
            folder.write_run(
                result.run_id,
                result.parts,
                _runs_row(spec, task, result, schemas[RUNS]),
                _outcomes_row(spec, task, result, schemas[OUTCOMES]) if result.status == RunStatus.OK else None,
            )
            ok += result.status == RunStatus.OK
            failed += result.status == RunStatus.FAILED
            if result.lost:
                session["retried"].append({"run_id": result.run_id, "lost": result.lost, "status": result.status.value})
            bar.update(1)
            if failed:
                bar.set_postfix(failed=failed)
            del result
        if backend.release is not None:  # every run has finished: the workers stop while the tables are consolidated
            backend.release()
        folder.consolidate({p.run_id for p in plans}, csv=csv)
        statuses = folder.statuses()
        complete = all(statuses.get(p.run_id) == RunStatus.OK for p in plans)
        manifest.update(
            status=(SweepStatus.COMPLETE if complete else SweepStatus.COMPLETE_WITH_FAILURES).value,
            finished=now(),
            runs_ok=sum(s == RunStatus.OK for s in statuses.values()),
            runs_failed=sum(s == RunStatus.FAILED for s in statuses.values()),
        )
        session.update(finished=manifest["finished"], ok=ok, failed=failed)
        folder.write_manifest(manifest)
    except BaseException:
        manifest.update(status=SweepStatus.INTERRUPTED.value, finished=now())
        session.update(finished=manifest["finished"], ok=ok, failed=failed)
        # The original error says more than a second one about the same disk.
        with contextlib.suppress(OSError):
            folder.write_manifest(manifest)
        raise
    finally:
        bar.close()
    return SweepSummary(folder.root, len(plans), ok, failed, skipped, 0.0)
