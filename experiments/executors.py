"""Where a sweep's runs execute: a local process pool by default, or dask.distributed.

Every backend is a :class:`concurrent.futures.Executor`, so the sweep driver has one code
path. A dask ``Client`` offers one through ``Client.get_executor``; from Python any other
``Executor`` (a thread pool, an MPI pool, a cluster's) can be passed to
:func:`experiments.sweep.run_sweep` directly.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
import os
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pacsim.experiments.errors import ExecutorError
from pacsim.model.kernels import share_cpus

EXECUTORS = ("local", "dask")


@dataclass
class Backend:
    """An open executor and what the manifest records about it."""

    executor: Executor
    kind: str
    workers: int
    scheduler: str | None = None


def default_workers() -> int:
    """Worker processes when none are asked for: the CPUs this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _process_context() -> multiprocessing.context.BaseContext:
    """Worker processes forked from a clean server that has already imported the model.

    Forking the driver itself is unsafe once it runs threads (the progress bar's, say);
    a fork server avoids that and, with the model preloaded, starts workers as fast.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["pacsim.experiments.sweep"])
    return context


@contextmanager
def open_backend(kind: str = "local", workers: int | None = None, scheduler: str | None = None) -> Iterator[Backend]:
    """Start (and afterwards stop) an executor of ``kind``: ``local`` processes, or ``dask``.

    With ``dask`` and no ``scheduler`` address, a ``LocalCluster`` of ``workers`` single-threaded
    worker processes is started on 127.0.0.1; with an address, the sweep runs on that
    scheduler's workers and the cluster is left running.
    """
    if kind not in EXECUTORS:
        raise ExecutorError(f"unknown executor {kind!r}; allowed: {', '.join(EXECUTORS)}")
    if workers is not None and workers < 1:
        raise ExecutorError(f"workers={workers} must be at least 1")
    if scheduler and kind != "dask":
        raise ExecutorError("--scheduler needs --executor dask")
    if kind == "local":
        n = workers or default_workers()
        pool = ProcessPoolExecutor(max_workers=n, mp_context=_process_context(), initializer=share_cpus, initargs=(n,))
        try:
            yield Backend(pool, "local", n)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return
    yield from _dask(workers, scheduler)


def _dask(workers: int | None, scheduler: str | None) -> Iterator[Backend]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ExecutorError("the dask executor needs the 'dask' extra: pip install 'pacsim[dask]'") from None
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout="10s")
        else:
            cluster = LocalCluster(n_workers=workers or default_workers(), threads_per_worker=1, processes=True,
                                   host="127.0.0.1", dashboard_address=None)
            client = Client(cluster)
    except (OSError, TimeoutError) as exc:
        if cluster is not None:
            cluster.close()
        raise ExecutorError(f"cannot reach dask scheduler {scheduler!r}: {exc}".replace("\n", " ")) from None
    try:
        n = len(client.scheduler_info().get("workers", {})) or (workers or 0)
        yield Backend(client.get_executor(pure=False), "dask", n, scheduler or client.scheduler.address)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
