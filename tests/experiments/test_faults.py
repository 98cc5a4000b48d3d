"""Faults: a worker killed mid-sweep costs one retried run, a killed driver leaves nothing running and resumes byte for byte.

Both kills are SIGKILL, which no process can catch. The worker is killed from outside
while it runs; the driver is killed five times at seeded random points (each a few runs
after the last), and each time every process of its session must be gone within seconds
without anyone else ending it. The sweeps are miniature (worlds.SWEEP: 24 runs of a
60-seat, 3,000-voter world) so that the whole file takes well under a minute or two.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from faulty import DOOMED, die_mid_message_on_run_3, die_on_run_3, die_sending_run_3, die_taking_the_run_after_run_3
from worlds import DETERMINISTIC, SWEEP, TIMING, write

from pacsim.experiments.errors import ExecutorError
from pacsim.experiments.executors import open_backend
from pacsim.experiments.results import PART_SUFFIX, RunFolder
from pacsim.experiments.spec import load_experiment
from pacsim.experiments.sweep import ORPHANED, STUCK_CHANNEL, run_sweep

#: Runs-table columns that say how a run was scheduled rather than what it computed.
SCHEDULING = [*TIMING, "attempts"]
#: Seconds any wait in this file may take before the test fails instead of hanging.
TIMEOUT_S = 60.0
#: Seconds the processes of a killed driver may outlive it (a worker watching the driver exits at once).
ORPHAN_S = 3.0


def _stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def processes() -> dict[int, tuple[int, int, str]]:
    """Every live process: ``{pid: (parent pid, session id, state)}`` (zombies included, marked Z)."""
    out = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields:
                out[int(entry)] = (int(fields[1]), int(fields[3]), fields[0])
    return out


def session_alive(sid: int) -> list[int]:
    """Live (non-zombie) processes of session ``sid``."""
    return [p for p, (_, s, state) in processes().items() if s == sid and state != "Z"]


def finished_runs(out: Path) -> int:
    """Runs with a runs part (finished or failed) in a run folder."""
    folder = RunFolder(out).parts / "runs"
    return len(list(folder.glob(f"run-*{PART_SUFFIX}"))) if folder.is_dir() else 0


def assert_same_tables(reference: Path, other: Path) -> None:
    """The deterministic tables are byte-identical files; the runs tables match apart from when, where and how often."""
    for table in DETERMINISTIC:
        assert RunFolder(reference).table_path(table).read_bytes() == RunFolder(other).table_path(table).read_bytes(), table
        assert (reference / "csv" / f"{table}.csv").read_bytes() == (other / "csv" / f"{table}.csv").read_bytes(), table
    runs_ref, runs_other = RunFolder(reference).read("runs"), RunFolder(other).read("runs")
    pd.testing.assert_frame_equal(runs_ref.drop(columns=SCHEDULING), runs_other.drop(columns=SCHEDULING), check_exact=True)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(experiment file, run folder) of one uninterrupted two-worker sweep."""
    root = tmp_path_factory.mktemp("faults")
    path = write(root, SWEEP)
    run_sweep(load_experiment(path), root / "ref", workers=2, progress=False)
    return path, root / "ref"


def _kill_a_busy_worker(out: Path, after: int, killed: list[int], stop: threading.Event) -> None:
    """Once ``after`` runs are done, SIGKILL one worker that is running (state R), and note its pid."""
    me = os.getpid()
    deadline = time.monotonic() + TIMEOUT_S
    while not stop.is_set() and time.monotonic() < deadline:
        if finished_runs(out) >= after:
            # Workers are the fork server's children: grandchildren of this process.
            table = processes()
            workers = [p for p, (ppid, _, state) in table.items() if state != "Z" and table.get(ppid, (0,))[0] == me]
            busy = [p for p in workers if (_stat(p) or ["?"])[0] == "R"]
            if busy:
                os.kill(busy[0], signal.SIGKILL)
                killed.append(busy[0])
                return
        time.sleep(0.01)


def test_a_killed_worker_costs_one_retried_run(reference: tuple[Path, Path], tmp_path: Path) -> None:
    """SIGKILL of a worker mid-sweep: the sweep finishes, the run it held is retried once (recorded), the rest are as uninterrupted.

    A kill that lands while the worker sends a result also costs its pool: the runs then in
    flight start again on a new one, recorded as such (the test below makes that case happen).
    """
    path, ref = reference
    out = tmp_path / "out"
    killed: list[int] = []
    stop = threading.Event()
    killer = threading.Thread(target=_kill_a_busy_worker, args=(out, 4, killed, stop), daemon=True)
    killer.start()
    try:
        summary = run_sweep(load_experiment(path), out, workers=2, progress=False)
    finally:
        stop.set()
        killer.join(timeout=TIMEOUT_S)
    assert len(killed) == 1, "no worker was killed"
    assert (summary.ok, summary.failed) == (24, 0)
    runs = RunFolder(out).read("runs").set_index("run_id")
    assert (runs["status"] == "ok").all()
    session = RunFolder(out).read_manifest()["sessions"][-1]
    assert sorted(r["run_id"] for r in session["retried"]) == runs.index[runs["attempts"] > 1].tolist()
    held = [r for r in session["retried"] if r["lost"][0] != STUCK_CHANNEL]
    assert len(held) == 1 and "ProcessExpired" in held[0]["lost"][0] and "-9" in held[0]["lost"][0]
    assert all(lost == STUCK_CHANNEL for r in session["retried"] for lost in r["lost"][1 if r is held[0] else 0 :])
    assert runs.loc[held[0]["run_id"], "attempts"] == 1 + len(held[0]["lost"])
    assert not runs.loc[held[0]["run_id"], "worker"].endswith(f":{killed[0]}")  # the retry ran on a fresh worker
    assert_same_tables(ref, out)


def test_a_run_whose_worker_dies_twice_fails_alone(tmp_path: Path) -> None:
    """A run that kills its worker every time is retried once and then recorded as failed; every other run finishes."""
    spec = load_experiment(write(tmp_path, SWEEP))
    from pacsim.experiments import sweep as sweep_module

    with open_backend("local", 2) as backend:
        results = list(
            sweep_module.stream(backend, [sweep_module.make_task(spec, p) for p in sweep_module.plan_runs(spec)[:6]], 4, fn=die_on_run_3)
        )
    by_id = {r.run_id: r for r in results}
    assert sorted(by_id) == list(range(6))
    assert by_id[3].status == "failed" and by_id[3].attempts == 2 and "ProcessExpired" in by_id[3].error
    assert all(by_id[i].status == "ok" and by_id[i].attempts == 1 for i in (0, 1, 2, 4, 5))


def _eight_runs(tmp_path: Path) -> list[Any]:
    """The first eight runs of the miniature sweep, as tasks."""
    from pacsim.experiments import sweep as sweep_module

    spec = load_experiment(write(tmp_path, SWEEP))
    return [sweep_module.make_task(spec, p) for p in sweep_module.plan_runs(spec)[:8]]


def _stream_on_two_workers(tasks: list[Any], fn: Callable[..., Any]) -> tuple[list[Any], bool, float]:
    """Stream ``tasks`` through ``fn`` on a local pool of two: (results, whether the pool was replaced, seconds taken)."""
    from pacsim.experiments import sweep as sweep_module

    t0 = time.monotonic()
    with open_backend("local", 2) as backend:
        first = backend.executor
        results = list(sweep_module.stream(backend, tasks, 4, fn=fn))
        replaced = backend.executor is not first
    return results, replaced, time.monotonic() - t0


@pytest.mark.parametrize("fn", [die_sending_run_3, die_mid_message_on_run_3], ids=["as it pickles", "mid-message"])
def test_a_worker_that_dies_holding_the_pools_channel_costs_a_new_pool_not_the_sweep(
    tmp_path: Path, fn: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker killed as it sends a result dies holding the lock on the pipe all of a pool's workers share.

    Every other worker would then wait pebble's lock timeout (a minute) at its next send
    and die, and so would every worker started after it; killed mid-message, it also leaves
    the driver's reader waiting for bytes that never come. The driver replaces the pool
    instead: the runs in flight start again on the new one, recorded as such, and only the
    run that kills its worker every time fails. These replacements follow a lost worker, so
    the runs' retries bound them, not the executor's restarts: none is left here.
    """
    from pacsim.experiments import sweep as sweep_module

    monkeypatch.setattr(sweep_module, "MAX_RESTARTS", 0)
    results, replaced, elapsed = _stream_on_two_workers(_eight_runs(tmp_path), fn)
    by_id = {r.run_id: r for r in results}
    assert sorted(by_id) == list(range(8))
    assert by_id[3].status == "failed" and by_id[3].attempts == 2 and "ProcessExpired" in by_id[3].error
    others = [by_id[i] for i in range(8) if i != 3]
    assert all(r.status == "ok" for r in others), [(r.run_id, r.error, r.lost) for r in others]
    assert replaced
    assert any(r.lost for r in others)  # the other worker's run was in flight each time
    assert all(lost == STUCK_CHANNEL for r in others for lost in r.lost)
    assert all(r.attempts == len(r.lost) + 1 for r in others)
    assert elapsed < TIMEOUT_S  # no worker waited out pebble's lock timeout


def test_a_worker_that_dies_taking_a_run_costs_a_new_pool_not_a_minute(tmp_path: Path) -> None:
    """A worker killed as it takes a run holds the channel's lock, and pebble fails no run for it.

    The run it took was never acknowledged, so pebble finds no run of the dead worker's and
    no future fails; the driver would wait until the other worker, unable to send its
    result, died of pebble's lock timeout a minute later, and that run would then use its
    retry. The driver asks whether the pool is stuck whenever no run has finished for
    STUCK_PROBE_S, and replaces it: every run ends ok, none uses a retry.
    """
    results, replaced, elapsed = _stream_on_two_workers(_eight_runs(tmp_path), die_taking_the_run_after_run_3)
    assert sorted(r.run_id for r in results) == list(range(8))
    assert all(r.status == "ok" for r in results), [(r.run_id, r.error, r.lost) for r in results]
    assert replaced
    assert all(lost == STUCK_CHANNEL for r in results for lost in r.lost)
    assert all(r.attempts == len(r.lost) + 1 for r in results)
    assert elapsed < TIMEOUT_S  # no worker waited out pebble's lock timeout


#: Seconds by which the driver reads run 3's acknowledgement late: pebble's pool manager looks for dead workers every 0.1 s.
LATE_ACK_S = 1.0


def _read_run_3s_acknowledgement_late(monkeypatch: pytest.MonkeyPatch) -> None:
    """Have this driver apply each acknowledgement of run 3 LATE_ACK_S after it arrives, without holding up other messages.

    pebble calls a pool broken ("All workers expired") when a worker dies while no run is
    acknowledged at all, a different fault from the one tested here; so this driver also
    looks at dead workers only while some run is acknowledged.
    """
    from pebble.pool.process import PoolManager, TaskManager

    original = TaskManager.task_start
    update_workers = PoolManager.update_workers

    def while_a_run_is_acknowledged(manager: Any) -> None:
        if any(task.worker_id for task in list(manager.task_manager.tasks.values())):
            update_workers(manager)

    monkeypatch.setattr(PoolManager, "update_workers", while_a_run_is_acknowledged)

    def late(manager: Any, task_id: int, worker_id: int | None) -> None:
        task = manager.tasks.get(task_id)
        if task is not None and task.payload.args[0].plan.run_id == DOOMED:
            threading.Timer(LATE_ACK_S, original, (manager, task_id, worker_id)).start()
            return
        original(manager, task_id, worker_id)

    monkeypatch.setattr(TaskManager, "task_start", late)


def test_a_run_whose_worker_dies_before_the_pool_reads_that_it_took_it_is_lost_not_waited_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that dies just after acknowledging a run can be found dead before the acknowledgement is read.

    pebble then finds no run of the dead worker's to fail, and afterwards records the run as
    running on a worker it no longer has: the run's future never completes, and the sweep
    would wait for ever. The driver counts such a run as a lost worker's. Here run 3 kills its
    worker as it starts and its acknowledgement is read a second late; with no retries it
    fails at once, and every other run finishes on the first pool.
    """
    from pacsim.experiments import sweep as sweep_module

    _read_run_3s_acknowledgement_late(monkeypatch)
    tasks, results, replaced, left = _eight_runs(tmp_path), [], [], []

    def drive() -> None:
        with open_backend("local", 2) as backend:
            first = backend.executor
            results.extend(sweep_module.stream(backend, tasks, 4, fn=die_on_run_3, retries=0))
            replaced.append(backend.executor is not first)
            table = backend.executor._pool._pool_manager.task_manager.tasks  # type: ignore[attr-defined]
            deadline = time.monotonic() + 2.0
            while table and time.monotonic() < deadline:  # the cancelled run leaves pebble's table at its next look
                time.sleep(0.05)
            left.append(dict(table))

    driver = threading.Thread(target=drive, daemon=True)
    driver.start()
    driver.join(TIMEOUT_S)
    assert not driver.is_alive(), f"the sweep waited for a run whose worker had died ({len(results)} of 8 runs back)"
    by_id = {r.run_id: r for r in results}
    assert sorted(by_id) == list(range(8))
    assert by_id[3].status == "failed" and by_id[3].error == f"OrphanedRunError: {ORPHANED}" and by_id[3].attempts == 1
    assert all(by_id[i].status == "ok" and by_id[i].attempts == 1 for i in (0, 1, 2, 4, 5, 6, 7))
    assert replaced == [False]
    assert left == [{}]  # the pool forgot the run it would never complete


def _pool_holding(tasks: dict[int, Any], workers: dict[int, Any]) -> Any:
    """A LocalPool whose pebble pool is a stand-in holding these tasks and live workers (no process is started)."""
    from types import SimpleNamespace

    from pacsim.experiments.executors import LocalPool

    pool = LocalPool.__new__(LocalPool)
    manager = SimpleNamespace(task_manager=SimpleNamespace(tasks=tasks), worker_manager=SimpleNamespace(workers=workers))
    pool._pool = SimpleNamespace(_pool_manager=manager)  # type: ignore[assignment]
    return pool


def test_a_run_is_orphaned_only_while_a_gone_worker_holds_it_for_the_whole_grace() -> None:
    """A run is orphaned when a worker the pool no longer has acknowledged it, and still so after the grace.

    Not when that lasts only a moment (pebble fails a dead worker's run as it lets it go), nor
    when a live worker or none acknowledged it, nor when it is done.
    """
    from types import SimpleNamespace

    lasting, passing, live, waiting, done = (Future() for _ in range(5))
    done.set_result(None)
    tasks = {
        1: SimpleNamespace(worker_id=101, future=lasting),
        2: SimpleNamespace(worker_id=102, future=passing),  # pebble fails it during the grace
        3: SimpleNamespace(worker_id=200, future=live),
        4: SimpleNamespace(worker_id=0, future=waiting),  # not acknowledged yet
        5: SimpleNamespace(worker_id=103, future=done),
    }
    pool = _pool_holding(tasks, {200: object()})
    threading.Timer(0.05, tasks.pop, (2,)).start()
    assert pool.orphaned(grace_s=0.3) == {lasting}
    tasks.pop(1)
    t0 = time.monotonic()
    assert pool.orphaned(grace_s=5.0) == set() and time.monotonic() - t0 < 1.0  # nothing to look at twice: no wait
    assert _pool_holding({}, {}).orphaned() == set()
    from pacsim.experiments.executors import LocalPool

    other = LocalPool.__new__(LocalPool)
    other._pool = SimpleNamespace()  # type: ignore[assignment]  # a pebble laid out otherwise
    assert other.orphaned() == set()


def test_an_orphaned_run_uses_its_retries_as_a_lost_workers_run_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run its executor reports orphaned is started again up to its retries, then fails; the rest finish, on the same executor.

    The executor here is threads whose runs 3 and 7 never finish, and which reports every
    such run as orphaned, as a pool reports a run whose worker died unreported. Run 3's is
    found as soon as other runs finish, and it goes again before the last run has even
    started. A run alone in flight is found when nothing has finished for STUCK_PROBE_S.
    """
    from pacsim.experiments import sweep as sweep_module
    from pacsim.experiments.executors import Backend
    from pacsim.experiments.results import RunStatus

    monkeypatch.setattr(sweep_module, "STUCK_PROBE_S", 0.05)
    runs_of: dict[Future, int] = {}
    never = (DOOMED, 7)

    def run(task: Any) -> Any:
        time.sleep(0.05)
        return sweep_module.RunResult(task.plan.run_id, RunStatus.OK, "", "", 0.0, "thread")

    class Recording(ThreadPoolExecutor):
        def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
            # A run that never finishes: a future nobody completes, which can still be cancelled as pebble's can.
            future = Future() if args[0].plan.run_id in never else super().submit(fn, *args, **kwargs)
            runs_of[future] = args[0].plan.run_id
            return future

    def orphaned() -> set[Future]:
        return {f for f, run_id in list(runs_of.items()) if run_id in never and not f.done()}

    def give_up() -> None:  # so that a driver that never looks fails this test instead of hanging it
        for future in orphaned():
            future.set_exception(TimeoutError("nobody found this run"))

    watchdog = threading.Timer(TIMEOUT_S, give_up)
    watchdog.start()
    with Recording(4) as executor:
        backend = Backend(executor, "threads", 4, orphaned=orphaned)
        tasks = _eight_runs(tmp_path)
        try:
            results = list(sweep_module.stream(backend, tasks, 4, fn=run, retries=1))
            alone = list(sweep_module.stream(backend, tasks[DOOMED : DOOMED + 1], 1, fn=run, retries=0))
        finally:
            watchdog.cancel()
    assert [(r.run_id, r.status, r.attempts, r.lost) for r in alone] == [(DOOMED, "failed", 1, [])]
    by_id = {r.run_id: r for r in results}
    assert sorted(by_id) == list(range(8))
    lost = f"OrphanedRunError: {ORPHANED}"
    for i in never:
        assert (by_id[i].status, by_id[i].attempts, by_id[i].lost, by_id[i].error) == ("failed", 2, [lost], lost)
    assert all(by_id[i].status == "ok" and by_id[i].attempts == 1 for i in range(8) if i not in never)
    started = list(runs_of.values())
    assert started.count(DOOMED) == 3 and started.count(7) == 2 and backend.executor is executor
    assert all(f.cancelled() for f, run_id in runs_of.items() if run_id in never)
    assert started.index(DOOMED, started.index(DOOMED) + 1) < started.index(7)


def test_a_replaced_pools_started_runs_go_again_recorded_and_its_queued_runs_go_again_as_they_were(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When a stuck pool is replaced, a run its worker had started is cancelled and goes again with the replacement on its record.

    A run still queued goes again with nothing on its record, since nothing happened to it.
    The first executor here starts runs 0 and 1 and never finishes them. Like pebble's, these
    futures can be cancelled while they run. It leaves runs 2 and 3 queued and says it is stuck.
    The replacement runs everything.
    """
    from pebble import ProcessFuture

    from pacsim.experiments import sweep as sweep_module
    from pacsim.experiments.executors import Backend
    from pacsim.experiments.results import RunStatus

    monkeypatch.setattr(sweep_module, "STUCK_PROBE_S", 0.05)

    def run(task: Any) -> Any:
        return sweep_module.RunResult(task.plan.run_id, RunStatus.OK, "", "", 0.0, "thread")

    class Stalled(ThreadPoolExecutor):
        def __init__(self) -> None:
            super().__init__(1)
            self.futures: list[ProcessFuture[Any]] = []

        def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
            future: ProcessFuture[Any] = ProcessFuture()
            if len(self.futures) < 2:
                future.set_running_or_notify_cancel()
            self.futures.append(future)
            return future

    stalled, fresh = Stalled(), ThreadPoolExecutor(4)
    asked: list[bool] = []

    def stuck() -> bool:
        asked.append(True)
        return len(asked) == 1

    def give_up() -> None:  # so that a driver that never cancels them fails this test instead of hanging it
        for future in stalled.futures:
            if not future.done():
                future.set_exception(TimeoutError("nobody cancelled this run"))

    backend = Backend(stalled, "threads", 2, restart=lambda: fresh, stuck=stuck)
    watchdog = threading.Timer(TIMEOUT_S / 6, give_up)
    watchdog.start()
    try:
        results = list(sweep_module.stream(backend, _eight_runs(tmp_path), 4, fn=run, retries=0))
    finally:
        watchdog.cancel()
        stalled.shutdown(wait=False)
        fresh.shutdown()
    by_id = {r.run_id: r for r in results}
    assert sorted(by_id) == list(range(8)) and all(r.status == "ok" for r in results)
    assert [(by_id[i].attempts, by_id[i].lost) for i in range(4)] == [(2, [STUCK_CHANNEL])] * 2 + [(1, [])] * 2
    assert all(by_id[i].attempts == 1 and by_id[i].lost == [] for i in range(4, 8))
    assert backend.executor is fresh and len(stalled.futures) == 4 and all(f.cancelled() for f in stalled.futures)


def test_a_stuck_pool_found_with_no_lost_worker_counts_against_the_restarts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing but the restarts bounds the replacements the probe makes, so with none left the sweep stops, in one line."""
    from pacsim.experiments import sweep as sweep_module

    monkeypatch.setattr(sweep_module, "MAX_RESTARTS", 0)
    with pytest.raises(ExecutorError, match=r"channel locked.*--resume"):
        _stream_on_two_workers(_eight_runs(tmp_path), die_taking_the_run_after_run_3)


#: A driver that keeps both workers of a local pool busy for a minute, says so, and waits.
BUSY_DRIVER = """
import sys, time
from pacsim.experiments.executors import LocalPool
pool = LocalPool(2)
futures = [pool.submit(time.sleep, 60) for _ in range(2)]
time.sleep(1.0)
print("busy", flush=True)
time.sleep(120)
"""


def test_workers_exit_as_soon_as_their_driver_is_killed() -> None:
    """Workers in the middle of a minute-long task exit within seconds of a SIGKILL to the driver, and nothing else stays."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    proc = subprocess.Popen([sys.executable, "-c", BUSY_DRIVER], start_new_session=True, stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "busy"
        assert len(session_alive(proc.pid)) >= 4  # the driver, the fork server, two workers
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=TIMEOUT_S)
    gone_by = time.monotonic() + ORPHAN_S
    while session_alive(proc.pid) and time.monotonic() < gone_by:
        time.sleep(0.05)
    left = session_alive(proc.pid)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, f"processes of the killed driver still alive after {ORPHAN_S} s: {left}"


@pytest.mark.slow
def test_five_driver_kills_leave_nothing_running_and_resume_byte_for_byte(reference: tuple[Path, Path], tmp_path: Path) -> None:
    """SIGKILL the driver (only the driver) 5 times at seeded random points; its workers exit by themselves; resume gives the same bytes."""
    path, ref = reference
    out = tmp_path / "out"
    rng = random.Random(20260101)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    for kill in range(5):
        cmd = [sys.executable, "-m", "pacsim", "sweep", str(path), "--out", str(out), "--workers", "2", "--no-progress"]
        if kill:
            cmd.append("--resume")
        before = finished_runs(out)
        target, extra = before + rng.randint(1, 4), rng.uniform(0.0, 0.3)
        proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        deadline = time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline and finished_runs(out) < target and proc.poll() is None:
            time.sleep(0.01)
        time.sleep(extra)
        assert proc.poll() is None, f"kill {kill}: the sweep ended before it was killed ({finished_runs(out)} runs)"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=TIMEOUT_S)
        gone_by = time.monotonic() + ORPHAN_S
        while session_alive(proc.pid) and time.monotonic() < gone_by:
            time.sleep(0.05)
        left = session_alive(proc.pid)
        for pid in left:  # never leave them to the next test, but fail this one
            os.kill(pid, signal.SIGKILL)
        assert not left, f"kill {kill}: processes of the killed sweep still alive after {ORPHAN_S} s: {left}"
        assert finished_runs(out) < 24, f"kill {kill} landed after the last run"
    summary = run_sweep(load_experiment(path), out, workers=2, resume=True, progress=False)
    assert summary.ok + summary.skipped == 24 and summary.failed == 0
    assert RunFolder(out).read_manifest()["status"] == "complete"
    assert len(RunFolder(out).read_manifest()["sessions"]) == 6
    assert not list(out.rglob("*.tmp")), list(out.rglob("*.tmp"))
    assert_same_tables(ref, out)
