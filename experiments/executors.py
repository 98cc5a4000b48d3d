"""Where a sweep's runs execute: a local process pool by default, or dask.distributed.

Every backend is a :class:`concurrent.futures.Executor`, so the sweep driver has one code
path. A dask ``Client`` offers one through ``Client.get_executor``; from Python any other
``Executor`` (a thread pool, an MPI pool, a cluster's) can be passed to
:func:`experiments.sweep.run_sweep` directly.

The local pool is pebble's ``ProcessPool`` behind the ``Executor`` interface: when a worker
process dies (SIGKILL, the OOM killer, a crash in compiled code), pebble fails only the
future that worker held, with :class:`pebble.ProcessExpired`, and starts a new worker; the
standard library's ``ProcessPoolExecutor`` instead breaks and fails every run in flight.
Each worker also watches the driver and exits as soon as it dies, so a killed sweep
leaves no process behind.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
import os
import select
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pacsim.experiments.errors import ExecutorError

EXECUTORS = ("local", "dask")
#: Most worker processes one local pool may start.
MAX_WORKERS = 256
#: Seconds a pool may take to stop its workers when a sweep ends.
SHUTDOWN_TIMEOUT_S = 30.0


@dataclass
class Backend:
    """An open executor, what the manifest records about it, and how to start a fresh one if it breaks."""

    executor: Executor
    kind: str
    workers: int
    scheduler: str | None = None
    restart: Callable[[], Executor] | None = None


def default_workers() -> int:
    """Worker processes when none are asked for: the CPUs this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _process_context() -> multiprocessing.context.BaseContext:
    """Worker processes forked from a clean server that has already imported the model.

    Forking the driver itself is unsafe once it runs threads (the progress bar's, say);
    a fork server avoids that and, with the model loaded and numba started
    (:mod:`pacsim.experiments.forkserver`), starts workers as fast and warm.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["pacsim.experiments.forkserver"])
    return context


def start_local_workers(kind: str, workers: int | None, scheduler: str | None) -> None:
    """Start the local pool's fork server now, without waiting for it, once the executor options are known to be good.

    The server imports the model, Mesa and numba (about two seconds) before it can fork a
    worker. Started as soon as a sweep's input has been read, that import runs beside the
    driver's own import of the sweep machinery instead of after it; the pool the sweep
    opens then forks its workers from this server. Other executors start nothing here.
    """
    check_backend(kind, workers, scheduler)
    if kind != "local":
        return
    if _process_context().get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def exit_with_driver(driver_pid: int, poll_s: float = 0.5) -> None:
    """Worker initializer: a daemon thread ends this process as soon as the driver ``driver_pid`` has gone.

    A worker forked by the fork server is not the driver's child, so ``PR_SET_PDEATHSIG``
    and ``os.getppid()`` would watch the wrong process; a pidfd on the driver (Linux 5.3+)
    becomes readable when it exits, and elsewhere the driver's pid is polled.
    """

    def wait_pidfd(fd: int) -> None:
        select.select([fd], [], [])
        os._exit(70)

    def poll() -> None:
        while True:
            try:
                os.kill(driver_pid, 0)
            except ProcessLookupError:
                os._exit(70)
            except PermissionError:
                pass
            time.sleep(poll_s)

    try:
        fd = os.pidfd_open(driver_pid)
    except (AttributeError, OSError):
        threading.Thread(target=poll, name="pacsim-driver-watch", daemon=True).start()
        return
    threading.Thread(target=wait_pidfd, args=(fd,), name="pacsim-driver-watch", daemon=True).start()


def start_worker(driver_pid: int, workers: int) -> None:
    """Worker initializer: exit with the driver, and share the CPUs' kernel threads with the other workers."""
    from pacsim.model.kernels import share_cpus  # numba: loaded where runs are, not by the command line's parsing

    exit_with_driver(driver_pid)
    share_cpus(workers)


class LocalPool(Executor):
    """Worker processes on this machine (pebble's ProcessPool): a dead worker fails only its own run."""

    def __init__(self, workers: int, context: multiprocessing.context.BaseContext | None = None) -> None:
        from pebble import ProcessPool

        self.workers = workers
        self._pool = ProcessPool(
            max_workers=workers, context=context or _process_context(), initializer=start_worker, initargs=(os.getpid(), workers)
        )

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        """Schedule ``fn(*args, **kwargs)`` on a worker; its future fails with ProcessExpired if the worker dies."""
        return self._pool.schedule(fn, args=args, kwargs=kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop the workers: let them finish (``cancel_futures`` False) or stop them now, waiting at most SHUTDOWN_TIMEOUT_S."""
        if cancel_futures:
            self._pool.stop()
        else:
            self._pool.close()
        if wait:
            self._pool.join(timeout=SHUTDOWN_TIMEOUT_S)
            if self._pool.active:
                self._pool.stop()
                self._pool.join(timeout=SHUTDOWN_TIMEOUT_S)


def check_workers(workers: int | None) -> None:
    """Refuse a worker count outside [1, MAX_WORKERS] in one line."""
    if workers is not None and not 1 <= workers <= MAX_WORKERS:
        raise ExecutorError(f"--workers={workers} is not allowed; allowed: an integer in [1, {MAX_WORKERS}]")


def check_backend(kind: str, workers: int | None, scheduler: str | None) -> None:
    """Refuse, before anything starts, an unknown executor, a bad worker count or a malformed scheduler address."""
    if kind not in EXECUTORS:
        raise ExecutorError(f"unknown executor {kind!r}; allowed: {', '.join(EXECUTORS)}")
    check_workers(workers)
    if scheduler and kind != "dask":
        raise ExecutorError("--scheduler needs --executor dask")
    if scheduler:
        from pacsim.experiments.preflight import check_scheduler

        check_scheduler(scheduler)


@contextmanager
def open_backend(kind: str = "local", workers: int | None = None, scheduler: str | None = None) -> Iterator[Backend]:
    """Start (and afterwards stop) an executor of ``kind``: ``local`` processes, or ``dask``.

    With ``dask`` and no ``scheduler`` address, a ``LocalCluster`` of ``workers`` single-threaded
    worker processes is started on 127.0.0.1 with no dashboard; with an address, the sweep
    runs on that scheduler's workers and the cluster is left running.
    """
    check_backend(kind, workers, scheduler)
    if kind == "local":
        n = workers or default_workers()
        pools: list[LocalPool] = [LocalPool(n)]

        def restart() -> Executor:
            pools[-1].shutdown(wait=True, cancel_futures=True)
            pools.append(LocalPool(n))
            return pools[-1]

        try:
            yield Backend(pools[0], "local", n, restart=restart)
        finally:
            pools[-1].shutdown(wait=True, cancel_futures=True)
        return
    yield from _dask(workers, scheduler)


def _dask(workers: int | None, scheduler: str | None) -> Iterator[Backend]:
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:
        raise ExecutorError("the dask executor needs the 'dask' extra: pip install 'pacsim[dask]'") from None
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout="10s")
        else:
            # ``dashboard_address=None`` alone still starts the scheduler's HTTP server on :8787; asking
            # for no dashboard, no HTTP routes and a free loopback port leaves nothing listening there.
            with dask.config.set({"distributed.scheduler.http.routes": [], "distributed.worker.http.routes": []}):
                cluster = LocalCluster(
                    n_workers=workers or default_workers(),
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    worker_dashboard_address=None,
                    scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
                )
            client = Client(cluster)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        if cluster is not None:
            cluster.close()
        raise ExecutorError(f"cannot reach dask scheduler {scheduler!r}: {exc}".replace("\n", " ")) from None
    try:
        n = len(client.scheduler_info().get("workers", {})) or (workers or 0)
        if client.scheduler is None:
            raise ExecutorError(f"dask client for {scheduler!r} holds no scheduler connection")
        yield Backend(client.get_executor(pure=False), "dask", n, scheduler or client.scheduler.address)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
