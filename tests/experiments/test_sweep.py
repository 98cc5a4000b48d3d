"""Sweeps survive SIGKILL and give bit-identical tables on any number of workers and on Dask."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numba
import pandas as pd
import pytest
from worlds import DETERMINISTIC, GOOD, SWEEP, TIMING, write

from pacsim.experiments.results import PART_SUFFIX, RunFolder
from pacsim.experiments.spec import load_experiment
from pacsim.experiments.sweep import run_sweep

#: Twenty-four runs: enough that a kill lands mid-sweep.


def assert_same_results(a: Path, b: Path) -> None:
    """Two run folders hold identical outcome tables, and identical runs tables apart from timings."""
    fa, fb = RunFolder(a), RunFolder(b)
    for table in DETERMINISTIC:
        pd.testing.assert_frame_equal(fa.read(table), fb.read(table), check_exact=True)
    pd.testing.assert_frame_equal(fa.read("runs").drop(columns=TIMING), fb.read("runs").drop(columns=TIMING), check_exact=True)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(experiment file, run folder) of one uninterrupted single-worker sweep."""
    root = tmp_path_factory.mktemp("reference")
    path = write(root, SWEEP)
    summary = run_sweep(load_experiment(path), root / "out", workers=1, progress=False)
    assert summary.ok == 24 and summary.failed == 0, "the reference's runs must all succeed, or every comparison with it means little"
    return path, root / "out"


@pytest.mark.slow
def test_sigkill_then_resume_equals_uninterrupted(reference: tuple[Path, Path], tmp_path: Path) -> None:
    """A sweep killed with SIGKILL mid-way and resumed produces exactly the tables of an uninterrupted sweep."""
    path, ref = reference
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "pacsim", "sweep", str(path), "--out", str(out), "--workers", "1", "--no-progress"]
    proc = subprocess.Popen(
        cmd, cwd=Path(__file__).resolve().parents[2], start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    runs = RunFolder(out).parts / "runs"

    def finished_runs() -> int:
        return len(list(runs.glob(f"run-*{PART_SUFFIX}"))) if runs.is_dir() else 0

    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and finished_runs() < 4:
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finished = finished_runs()
    assert 4 <= finished < 24, f"the kill landed after {finished} of 24 runs"
    assert RunFolder(out).read_manifest()["status"] == "running"
    assert not RunFolder(out).table_path("outcomes").exists()
    summary = run_sweep(load_experiment(path), out, workers=2, resume=True, progress=False)
    assert summary.skipped == finished and summary.ok == 24 - finished
    assert_same_results(ref, out)


@pytest.mark.slow
def test_one_worker_two_workers_and_dask_are_bit_identical(reference: tuple[Path, Path], tmp_path: Path) -> None:
    """The same master seed gives identical tables with 1 local worker, 2 local workers and a Dask LocalCluster."""
    pytest.importorskip("distributed")
    path, ref = reference
    spec = load_experiment(path)
    for summary in (
        run_sweep(spec, tmp_path / "two", workers=2, progress=False),
        run_sweep(spec, tmp_path / "dask", kind="dask", workers=2, progress=False),
    ):
        assert summary.ok == 24 and summary.failed == 0
    assert_same_results(ref, tmp_path / "two")
    assert_same_results(ref, tmp_path / "dask")
    manifest = RunFolder(tmp_path / "dask").read_manifest()
    assert manifest["executor"] == "dask" and manifest["scheduler"].startswith("tcp://127.0.0.1")


def test_design_sample_is_seeded(reference: tuple[Path, Path]) -> None:
    """The Latin hypercube comes from the master seed: reading the file again gives the same points."""
    from pacsim.experiments.design import design_points

    path, ref = reference
    points = pd.DataFrame(design_points(load_experiment(path)))
    recorded = RunFolder(ref).read("runs").drop_duplicates("point_id")[["target.salience", "industry.strategy"]]
    pd.testing.assert_frame_equal(points.reset_index(drop=True), recorded.reset_index(drop=True))
    assert points["target.salience"].between(0.01, 0.4).all() and set(points["industry.strategy"]) == {"savvy", "naive"}


FORK_SERVER_THREADS = """
import os
import pacsim.experiments.sweep
before = len(os.listdir("/proc/self/task"))
import pacsim.experiments.forkserver
print(before, len(os.listdir("/proc/self/task")))
"""


#: Runs ``pacsim sweep`` until it first imports the sweep machinery, and says whether the workers' fork server was running then.
SERVER_BEFORE_SWEEP = """
import os
import sys
from multiprocessing import forkserver

DRIVER = os.getpid()


class Reached(Exception):
    pass


class Watch:
    def find_spec(self, name, path=None, target=None):
        if name == "pacsim.experiments.sweep" and os.getpid() == DRIVER:  # a server forked from the driver has this finder too
            print("fork server running:", forkserver._forkserver._forkserver_pid is not None, flush=True)
            raise Reached
        return None


from pacsim.experiments.cli import main

sys.meta_path.insert(0, Watch())
try:
    main(["sweep", sys.argv[1], "--out", sys.argv[2], "--workers", "2", "--no-progress"])
except Reached:
    pass
"""


@pytest.mark.skipif("forkserver" not in __import__("multiprocessing").get_all_start_methods(), reason="needs the forkserver method")
def test_the_sweep_command_starts_the_workers_server_before_it_loads_the_sweep(tmp_path: Path) -> None:
    """The fork server's imports (the model, Mesa, numba) run beside the driver's own: it is started before the driver imports the sweep."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    path = write(tmp_path, SWEEP)
    out = subprocess.run(
        [sys.executable, "-c", SERVER_BEFORE_SWEEP, str(path), str(tmp_path / "out")], capture_output=True, text=True, env=env, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "fork server running: True"
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2 or not Path("/proc/self/task").is_dir(), reason="needs two kernel threads and /proc")
def test_the_fork_server_starts_numba_but_no_thread() -> None:
    """What the fork server loads before forking workers starts no thread (an OpenMP pool would be lost in the fork)."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    out = subprocess.run([sys.executable, "-c", FORK_SERVER_THREADS], capture_output=True, text=True, env=env, check=True)
    before, after = map(int, out.stdout.split())
    assert after == before


#: Fills numba's cache with a miniature run (``fill``), or loads the cached kernels as the fork server
#: does and forks a child that runs the miniature world on two kernel threads, making the
#: threading layer its own first (``adopt``) or not (``plain``). The child prints how many
#: kernels were loaded, how many cache loads or compilations its run needed and the wait
#: policy OpenMP found as the kernels loaded it; the parent
#: then runs the same world itself and prints whether the child's tables were the same.
KERNELS_OF_A_SERVER = """
import importlib
import os
import sys

from numba.core.registry import CPUDispatcher

from digest import digests
from worlds import mini_params
from pacsim.experiments.runner import simulate
from pacsim.model import kernels

mode = sys.argv[1]
if mode == "fill":
    simulate(mini_params(run__seed=3))
    sys.exit()


def cache_work():
    total = 0
    for name in kernels.KERNEL_MODULES:
        for kernel in vars(importlib.import_module(name)).values():
            if isinstance(kernel, CPUDispatcher):
                total += sum(kernel.stats.cache_hits.values()) + sum(kernel.stats.cache_misses.values())
    return total


loaded = kernels.load_cached_kernels()
policy = os.environ.get("OMP_WAIT_POLICY")
before = cache_work()
read, write = os.pipe()
pid = os.fork()
if pid == 0:
    if mode == "adopt":
        kernels.adopt_threading_layer()
    kernels.VOTERS_PER_THREAD = 1  # two threads even on the miniature world
    digest = digests(simulate(mini_params(run__seed=3)))
    os.write(write, repr(digest).encode())
    print(loaded, cache_work() - before, policy, flush=True)
    os._exit(0)
os.close(write)
_, status = os.waitpid(pid, 0)
child = b"".join(iter(lambda: os.read(read, 65536), b"")).decode()
print(os.waitstatus_to_exitcode(status), child == repr(digests(simulate(mini_params(run__seed=3)))))
"""


def _server_kernels(mode: str) -> list[str]:
    tests = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tests.parents[1]), str(tests)])}
    env.pop("OMP_WAIT_POLICY", None)
    out = subprocess.run([sys.executable, "-c", KERNELS_OF_A_SERVER, mode], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_a_worker_forked_after_the_kernels_were_loaded_runs_them_on_its_threads_with_nothing_left_to_load() -> None:
    """The fork server's loaded kernels serve its workers: a run in a forked child loads and compiles nothing, and matches the server's own.

    The child runs on two kernel threads, which OpenMP starts in the child: the server ran no parallel region, so lost none in the fork.
    """
    _server_kernels("fill")
    loaded, work, policy, exit_code, same = _server_kernels("adopt")
    assert int(loaded) > 0 and work == "0" and exit_code == "0" and same == "True"
    assert policy == "PASSIVE"  # set before the kernels loaded OpenMP, which reads it once


def test_a_worker_that_does_not_adopt_the_threading_layer_is_ended_by_it() -> None:
    """Why workers adopt the layer: numba's GNU OpenMP layer ends a forked process that runs a kernel without it."""
    if __import__("numba").config.THREADING_LAYER not in ("default", "omp"):
        pytest.skip("the threading layer is not GNU OpenMP")
    _server_kernels("fill")
    out = _server_kernels("plain")
    assert out[-2:] == [str(-signal.SIGTERM), "False"]


def test_a_kernel_whose_cache_numba_keeps_otherwise_is_left_to_load_at_its_first_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fork server's loading reads numba's private cache index: a kernel without one is skipped, never an error in the server."""
    from pacsim.agents import voter_kernels
    from pacsim.model import kernels

    kernel = next(
        k
        for k in vars(kernels).values()
        if isinstance(k, numba.core.registry.CPUDispatcher) and k.__module__ == kernels.__name__ and "inline" not in k.targetoptions
    )
    monkeypatch.setattr(kernel, "_cache", object())
    monkeypatch.setattr(kernels, "KERNEL_MODULES", (kernels.__name__, voter_kernels.__name__))
    before = list(kernel.signatures)
    kernels.load_cached_kernels()  # raises, without the guard
    assert kernel.signatures == before


def test_the_fork_server_loads_a_kernels_cache_entries_for_this_code_and_machine_and_no_others(monkeypatch: pytest.MonkeyPatch) -> None:
    """An entry whose key is this code's and this machine's is loaded; one made elsewhere is skipped (numba would compile it)."""
    from pacsim.model import kernels

    kernels.start_compiler()  # add_by_seat's entry for the signature the server's start uses is now in the cache
    loaded = numba.njit(cache=True)(kernels.add_by_seat.py_func)
    monkeypatch.setattr(kernels, "add_by_seat", loaded)
    monkeypatch.setattr(kernels, "KERNEL_MODULES", (kernels.__name__,))
    assert not loaded.signatures
    kernels.load_cached_kernels()
    assert loaded.signatures and not loaded.stats.cache_misses

    elsewhere = numba.njit(cache=True)(kernels.add_by_seat.py_func)
    monkeypatch.setattr(elsewhere._cache, "_index_key", lambda signature, codegen: ("made on another machine", signature))
    monkeypatch.setattr(kernels, "add_by_seat", elsewhere)
    kernels.load_cached_kernels()
    assert not elsewhere.signatures


def test_every_module_that_defines_a_kernel_is_loaded_by_the_fork_server() -> None:
    """``KERNEL_MODULES`` names every pacsim module with a numba kernel, so none is left to load in a worker's first run."""
    from pacsim.model.kernels import KERNEL_MODULES

    root = Path(__file__).resolve().parents[2]
    packages = [d for d in root.iterdir() if (d / "__init__.py").is_file() and d.name != "tests"]
    defining = {
        "pacsim." + ".".join(path.relative_to(root).with_suffix("").parts)
        for package in packages
        for path in package.rglob("*.py")
        if "@njit" in path.read_text()
    }
    assert defining == set(KERNEL_MODULES)


#: A driver that sweeps GOOD on two workers and says how its workers' server started. With
#: ``thread`` it runs a second Python thread first, with ``kernels`` a model of its own.
SERVER_OF_A_DRIVER = """
import signal
import sys
import threading
from multiprocessing import forkserver
from pathlib import Path

from pacsim.experiments.executors import ensure_fork_server, fork_unsafe
from pacsim.experiments.spec import load_experiment
from pacsim.experiments.sweep import run_sweep

signal.signal(signal.SIGTERM, lambda *_: print("the driver's handler", flush=True))
if sys.argv[1] == "thread":
    threading.Thread(target=threading.Event().wait, daemon=True).start()
elif sys.argv[1] == "kernels":
    from pacsim.model.model import warm_up

    warm_up()
spec = load_experiment(Path(sys.argv[2]))
print("unsafe:", fork_unsafe() or "-")
print("server:", ensure_fork_server())
summary = run_sweep(spec, Path(sys.argv[3]), workers=2, progress=False)
print("runs:", summary.ok, summary.failed)
pid = forkserver._forkserver._forkserver_pid
print("a copy of the driver:", open(f"/proc/{pid}/cmdline", "rb").read() == open("/proc/self/cmdline", "rb").read())
caught = int(next(line for line in open(f"/proc/{pid}/status") if line.startswith("SigCgt:")).split()[1], 16)
print("catches SIGTERM:", bool(caught >> (signal.SIGTERM - 1) & 1))
"""


def _driver(case: str, path: Path, out: Path) -> tuple[dict[str, str], str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    proc = subprocess.run(
        [sys.executable, "-c", SERVER_OF_A_DRIVER, case, str(path), str(out)], capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    return dict(line.split(": ", 1) for line in proc.stdout.splitlines()), proc.stderr


@pytest.mark.skipif("forkserver" not in __import__("multiprocessing").get_all_start_methods(), reason="needs the forkserver method")
def test_a_driver_forks_its_workers_server_when_it_may_and_the_tables_are_the_same_bits(tmp_path: Path) -> None:
    """A driver with one thread and no kernel threads forks the server from itself; one that may not starts it afresh.

    The tables of a sweep through a forked server are those of one through a server started
    afresh, bit for bit; the forked server keeps none of the driver's signal handlers, and
    nothing is left for the resource tracker to clean up.
    """
    path = write(tmp_path, GOOD)
    forked, forked_err = _driver("alone", path, tmp_path / "forked")
    assert forked == {"unsafe": "-", "server": "forked", "runs": "8 0", "a copy of the driver": "True", "catches SIGTERM": "False"}
    assert "resource_tracker" not in forked_err and "Warning" not in forked_err, forked_err
    started, _ = _driver("thread", path, tmp_path / "started")
    # Its thread kept the miniature model that checks the outcomes' names in the driver, too.
    assert started == {
        "unsafe": "numba's kernel threads have started",
        "server": "started",
        "runs": "8 0",
        "a copy of the driver": "False",
        "catches SIGTERM": "False",
    }
    assert_same_results(tmp_path / "forked", tmp_path / "started")


@pytest.mark.skipif("forkserver" not in __import__("multiprocessing").get_all_start_methods(), reason="needs the forkserver method")
def test_a_driver_that_ran_kernels_starts_its_workers_server_afresh(tmp_path: Path) -> None:
    """Once numba's kernel threads have run in the driver, GNU OpenMP would end a forked server's workers: the server starts afresh."""
    said, err = _driver("kernels", write(tmp_path, GOOD), tmp_path / "out")
    assert said["unsafe"] == "numba's kernel threads have started" and said["server"] == "started" and said["runs"] == "8 0"
    assert "already using GNU OpenMP" not in err, err  # numba's words for a fork it would end


#: Reads an experiment file (which runs a miniature model to learn the outcomes' names) and says whether kernel threads started.
OUTCOMES_IN_A_CHILD = """
import sys
from pathlib import Path

import numba.np.ufunc.parallel

from pacsim.experiments.executors import fork_unsafe
from pacsim.experiments.spec import load_experiment

spec = load_experiment(Path(sys.argv[1]))
print(list(spec.outcomes), numba.np.ufunc.parallel._is_initialized, fork_unsafe() or "-")
"""


def test_reading_an_experiment_starts_no_kernel_thread_in_the_driver(tmp_path: Path) -> None:
    """The miniature run that checks an experiment's outcome names runs in a forked child: the driver may still fork its server."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    out = subprocess.run(
        [sys.executable, "-c", OUTCOMES_IN_A_CHILD, str(write(tmp_path, GOOD))], capture_output=True, text=True, env=env, timeout=300
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["['capture_index',", "'passage_rate']", "False", "-"]


def test_a_forked_call_returns_what_the_child_computed_and_raises_what_it_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    """``call_forked`` runs its function in a child process, passes back its value or exception, and names a child that died."""
    from pacsim.experiments import executors
    from pacsim.experiments.errors import ExecutorError

    monkeypatch.setattr(executors, "fork_unsafe", lambda: "")
    assert executors.call_forked(os.getpid) != os.getpid()

    def fails() -> None:
        raise ValueError("no such outcome")

    with pytest.raises(ValueError, match="no such outcome"):
        executors.call_forked(fails)

    def dies() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    with pytest.raises(ExecutorError, match="dies ended with exit code -9"):
        executors.call_forked(dies)
    monkeypatch.setattr(executors, "fork_unsafe", lambda: "1 thread too many")
    assert executors.call_forked(os.getpid) == os.getpid()


def test_a_workers_locks_are_semaphores_with_no_name() -> None:
    """The locks numba and tqdm make in every worker are unnamed: a worker stopped by a signal leaves the resource tracker nothing."""
    from faulty import default_lock_name

    from pacsim.experiments.executors import LocalPool

    pool = LocalPool(1)
    try:
        assert pool.submit(default_lock_name).result(timeout=120) is None
    finally:
        pool.shutdown()


#: Forks a server, kills it, and asks for one again with a second thread running: it must be started afresh and serve.
RESTARTED_SERVER = """
import os
import signal
import threading
import time
from multiprocessing import forkserver

import pacsim.experiments.sweep
from pacsim.experiments.executors import LocalPool, ensure_fork_server

print(ensure_fork_server())
os.kill(forkserver._forkserver._forkserver_pid, signal.SIGKILL)
time.sleep(0.5)
threading.Thread(target=threading.Event().wait, daemon=True).start()
print(ensure_fork_server())
pool = LocalPool(1)
print(pool.submit(os.getpid).result(timeout=120) != os.getpid())
pool.shutdown()
"""


@pytest.mark.skipif("forkserver" not in __import__("multiprocessing").get_all_start_methods(), reason="needs the forkserver method")
def test_a_dead_server_is_replaced() -> None:
    """A forked server that died is forgotten, and the next is started afresh when the driver may no longer fork."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    out = subprocess.run([sys.executable, "-c", RESTARTED_SERVER], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["forked", "started", "True"]


def test_the_workers_begin_to_stop_once_every_run_is_stored_and_before_the_tables_are_consolidated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A local sweep releases its pool when its last run is stored, so the workers stop while the driver consolidates."""
    from pacsim.experiments.executors import LocalPool

    out, seen, pools = tmp_path / "out", [], []
    stop_soon = LocalPool.stop_soon

    def watched(pool: LocalPool) -> None:
        folder = RunFolder(out)
        seen.append((len(folder.statuses()), folder.table_path("runs").exists()))
        pools.append(pool)
        stop_soon(pool)

    monkeypatch.setattr(LocalPool, "stop_soon", watched)
    summary = run_sweep(load_experiment(write(tmp_path, GOOD)), out, workers=1, progress=False, csv=False)
    assert summary.ok == 8 and seen == [(8, False)]
    assert not pools[0]._stopping.is_alive()  # the sweep waited for the stop it began


def test_a_pool_stopped_early_is_waited_for_by_its_shutdown() -> None:
    """``shutdown`` after ``stop_soon`` returns once the workers and pebble's threads have gone, as a shutdown of its own would."""
    from pacsim.experiments.executors import LocalPool

    pool = LocalPool(1)
    assert pool.submit(abs, -3).result(timeout=60) == 3
    pool.stop_soon()
    pool.shutdown(wait=True)
    assert pool._stopping is not None and not pool._stopping.is_alive() and not pool._pool.active
