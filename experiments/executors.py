"""Where a sweep's runs execute: a local process pool by default, or dask.distributed.

Every backend is a :class:`concurrent.futures.Executor`, so the sweep driver has one code
path. A dask ``Client`` offers one through ``Client.get_executor``; from Python any other
``Executor`` (a thread pool, an MPI pool, a cluster's) can be passed to
:func:`experiments.sweep.run_sweep` directly.

The local pool is pebble's ``ProcessPool`` behind the ``Executor`` interface: when a worker
process dies (SIGKILL, the OOM killer, a crash in compiled code), pebble fails only the
future that worker held, with :class:`pebble.ProcessExpired`, and starts a new worker; the
standard library's ``ProcessPoolExecutor`` instead breaks and fails every run in flight.
The exception is a worker that dies while it holds the lock on the pipes all of a pool's
workers share (as it takes a run, or sends a result): no worker can use them again, so the
sweep replaces that pool (:meth:`LocalPool.channel_stuck`, ``Backend.stuck``).
Each worker also watches the driver and exits as soon as it dies, so a killed sweep
leaves no process behind.
"""

from __future__ import annotations

import gc
import multiprocessing
import multiprocessing.context
import os
import select
import signal
import socket
import sys
import threading
import time
import traceback
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
#: Seconds the driver waits for each half of a pool's channel lock before it calls the lock stuck.
#: A live worker holds it only while it takes a run or writes a result into a pipe the driver is
#: reading, milliseconds even for tables of many megabytes.
CHANNEL_GRACE_S = 5.0
#: Seconds a run must stay orphaned (acknowledged by a worker its pool no longer has) before the
#: driver calls it lost. pebble fails a dead worker's run in the step in which it lets the worker
#: go, so a run is seen that way for microseconds in the normal course.
ORPHAN_GRACE_S = 1.0


@dataclass
class Backend:
    """An open executor, what the manifest records about it, and how to start a fresh one if it breaks."""

    executor: Executor
    kind: str
    workers: int
    scheduler: str | None = None
    restart: Callable[[], Executor] | None = None
    #: Whether the executor can no longer deliver runs after one of its workers died (None: it always can).
    stuck: Callable[[], bool] | None = None
    #: Futures of runs whose worker died and which the executor will never complete (None: it completes every one).
    orphaned: Callable[[], set[Future]] | None = None
    #: Begin stopping the workers, without waiting, once every run has finished: they stop while the
    #: driver consolidates, instead of after it (None: nothing to stop early).
    release: Callable[[], None] | None = None


def default_workers() -> int:
    """Worker processes when none are asked for: the CPUs this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _process_context() -> multiprocessing.context.BaseContext:
    """Worker processes forked from a clean server that has already imported the model.

    Forking the driver itself is unsafe once it runs threads (the progress bar's, say);
    a fork server avoids that and, with the model loaded, numba started and the cached
    kernels loaded (:mod:`pacsim.experiments.forkserver`), starts workers as fast and warm.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["pacsim.experiments.forkserver"])
    return context


#: The names of ``multiprocessing.forkserver.main``'s parameters and of a ``ForkServer``'s fields that
#: :func:`ensure_fork_server` knows how to set (Python 3.12 and 3.13); any other layout of the
#: standard library's fork server is started the standard library's way.
_SERVER_MAIN = ("listener_fd", "alive_r", "preload", "main_path", "sys_path")
_SERVER_FIELDS = {"_forkserver_address", "_forkserver_alive_fd", "_forkserver_pid", "_inherited_fds", "_lock", "_preload_modules"}


def fork_unsafe() -> str:
    """Why this process may not fork the pool's fork server from itself, or "" when it may.

    A fork copies only the thread that calls it. With a second Python thread (a progress
    bar's, a notebook's), a lock that thread held stays locked in the copy; once numba has
    started its kernel threads, GNU OpenMP ends the copy at its first kernel. The threads of
    compiled libraries (OpenBLAS's, jemalloc's) are not counted: a server started afresh
    imports the same libraries, and so has the same threads, before it forks every worker.
    """
    import inspect
    from multiprocessing import forkserver

    parallel = sys.modules.get("numba.np.ufunc.parallel")
    if parallel is not None and getattr(parallel, "_is_initialized", True):
        return "numba's kernel threads have started"
    if threading.active_count() > 1:
        return f"{threading.active_count()} threads run"
    if tuple(inspect.signature(forkserver.main).parameters) != _SERVER_MAIN or set(vars(forkserver._forkserver)) != _SERVER_FIELDS:
        return "this Python's fork server is not one pacsim knows"
    return ""


def _fork() -> int:
    """``os.fork()`` once :func:`fork_unsafe` has found nothing against it, with the standard streams flushed first.

    Python 3.12 warns of any fork in a process with more than one OS thread. The threads
    :func:`fork_unsafe` lets through are those of compiled libraries the process has
    loaded (OpenBLAS's workers and jemalloc's background thread, here); the standard
    library's fork server loads the same libraries, so has the same threads, when it forks
    every worker. The warning would say nothing particular to these forks, and is not shown.
    """
    import warnings

    sys.stdout.flush()
    sys.stderr.flush()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"This process \(pid=\d+\) is multi-threaded", category=DeprecationWarning)
        return os.fork()


def call_forked[T](fn: Callable[[], T]) -> T:
    """``fn()``, computed in a child forked from this process, so that whatever threads ``fn`` starts never start here.

    A driver that ran a model itself (a miniature run, to learn what a run reports) would
    have started numba's kernel threads and could no longer fork its workers' server
    (:func:`fork_unsafe`); the child runs it instead and sends back the pickled result.
    Where this process may not fork, ``fn`` runs here. An exception in the child is raised
    here; a child that dies without an answer raises :class:`ExecutorError`.
    """
    import pickle

    if fork_unsafe():
        return fn()
    read_end, write_end = os.pipe()
    pid = _fork()
    if pid == 0:  # the child: it never returns into the caller's code
        try:
            os.close(read_end)
            try:
                payload = pickle.dumps((True, fn()))
            except BaseException as exc:
                try:
                    payload = pickle.dumps((False, exc))
                except Exception:
                    payload = pickle.dumps((False, RuntimeError("".join(traceback.format_exception(exc)))))
            with open(write_end, "wb") as pipe:
                pipe.write(payload)
        finally:
            os._exit(0)
    os.close(write_end)
    with open(read_end, "rb") as pipe:
        payload = pipe.read()
    status = os.waitpid(pid, 0)[1]
    if not payload:
        name = getattr(fn, "__name__", "a value")
        raise ExecutorError(f"a child process computing {name} ended with exit code {os.waitstatus_to_exitcode(status)}")
    ok, value = pickle.loads(payload)
    if not ok:
        raise value
    return value


def _reset_signals() -> None:
    """Give the fork server a fresh interpreter's signal handlers (the driver's would reach every worker)."""
    signal.set_wakeup_fd(-1)
    for sig in signal.valid_signals():
        try:
            handler = signal.getsignal(sig)
        except (OSError, ValueError):
            continue
        if callable(handler) and handler is not signal.default_int_handler:
            signal.signal(sig, signal.default_int_handler if sig == signal.SIGINT else signal.SIG_DFL)


def ensure_fork_server() -> str:
    """Have the local pool's fork server running, forked from this process when that is safe; say how it started.

    A server started afresh imports the model, Mesa and numba again (two to three seconds)
    before it forks the first worker, and every sweep waits for that on every worker count.
    A process that has imported them already forks the server from itself instead, in a few
    milliseconds, when :func:`fork_unsafe` finds nothing against it; the server then loads
    what is left of :mod:`pacsim.experiments.forkserver` and serves exactly as the standard
    library's does (``multiprocessing.forkserver.main``). Returns ``"running"``, ``"forked"``
    or ``"started"`` (afresh, by the standard library).
    """
    from multiprocessing import connection, forkserver, resource_tracker, util

    server: Any = forkserver._forkserver  # its fields are the standard library's own, undeclared to type checkers
    pid = getattr(server, "_forkserver_pid", None)  # a layout fork_unsafe does not know is started afresh below
    if pid is not None:
        try:
            alive = os.waitpid(pid, os.WNOHANG)[0] == 0
        except ChildProcessError:
            alive = False
        if alive:
            return "running"
        # The last server died (and is reaped now): forget it, as the standard library does.
        os.close(server._forkserver_alive_fd)
        server._forkserver_address = server._forkserver_alive_fd = server._forkserver_pid = None
    if fork_unsafe():
        forkserver.ensure_running()
        return "started"
    resource_tracker.ensure_running()
    with socket.socket(socket.AF_UNIX) as listener:
        address = connection.arbitrary_address("AF_UNIX")  # type: ignore[attr-defined]
        listener.bind(address)
        if not util.is_abstract_socket_namespace(address):
            os.chmod(address, 0o600)
        listener.listen()
        # Every client holds the write end of the "alive" pipe; when all have gone, the server ends.
        alive_r, alive_w = os.pipe()
        pid = _fork()
        if pid == 0:  # the server: it never returns into the driver's code
            code = 0
            try:
                os.close(alive_w)
                _reset_signals()
                gc.freeze()  # the driver's objects stay shared pages in every worker
                forkserver.main(listener.fileno(), alive_r, server._preload_modules)
            except SystemExit:
                pass
            except BaseException:
                code = 1
                traceback.print_exc()
                sys.stderr.flush()
            finally:
                os._exit(code)
        os.close(alive_r)
    server._forkserver_address, server._forkserver_alive_fd, server._forkserver_pid = address, alive_w, pid
    return "forked"


def start_local_workers(kind: str, workers: int | None, scheduler: str | None) -> None:
    """Start the local pool's fork server now, without waiting for it, once the executor options are known to be good.

    Started as soon as a sweep's input has been read, what the server still has to load
    (the sweep's code, numba's compiler) loads beside the driver's own import of the sweep
    machinery instead of after it; the pool the sweep opens then forks its workers from this
    server (see :func:`ensure_fork_server`). Other executors start nothing here.
    """
    check_backend(kind, workers, scheduler)
    if kind != "local":
        return
    if _process_context().get_start_method() == "forkserver":
        ensure_fork_server()


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
    """Worker initializer: exit with the driver, make the fork server's kernels its own, and share the CPUs' kernel threads."""
    from pacsim.model.kernels import adopt_threading_layer, share_cpus  # numba: loaded where runs are, not by the command line's parsing

    exit_with_driver(driver_pid)
    adopt_threading_layer()
    share_cpus(workers)
    # numba and tqdm make their locks from the default context. A worker's locks serve that
    # worker alone, so it makes them as a forked process does: semaphores with no name, which
    # nothing has to clean up when the pool stops the worker with a signal. Made in a
    # fork-server context, each would be a named semaphore for the resource tracker.
    multiprocessing.set_start_method("fork", force=True)


class LocalPool(Executor):
    """Worker processes on this machine (pebble's ProcessPool): a dead worker fails only its own run, unless it left the channel locked."""

    def __init__(self, workers: int, context: multiprocessing.context.BaseContext | None = None) -> None:
        from pebble import ProcessPool

        self.workers = workers
        context = context or _process_context()
        if context.get_start_method() == "forkserver":
            ensure_fork_server()  # before the pool starts its threads, so that this process may fork it
        self._pool = ProcessPool(max_workers=workers, context=context, initializer=start_worker, initargs=(os.getpid(), workers))
        self._stopping: threading.Thread | None = None

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        """Schedule ``fn(*args, **kwargs)`` on a worker; its future fails with ProcessExpired if the worker dies."""
        return self._pool.schedule(fn, args=args, kwargs=kwargs)

    def channel_stuck(self, grace_s: float = CHANNEL_GRACE_S) -> bool:
        """Whether a dead worker left the pool's channel locked, so that no worker can take a run or send a result again.

        pebble's workers share one pipe each way, behind one lock: a worker takes it to
        take a run and to send a result. A worker killed while it holds it never releases
        it. Every other worker then waits pebble's lock timeout (60 s) at its next send and
        dies, and so does every worker started after it (pebble 5.2.3; pebble issue #163).
        The lock is taken here as pebble's own pool manager takes it, waiting at most
        ``grace_s`` seconds for each of its two halves, and released at once. A pool with no
        channel (not started, or a pebble laid out otherwise than 5.1.3-5.2.3) or whose
        channel cannot be locked (closed) is taken not to be stuck.
        """
        manager = getattr(getattr(self._pool, "_pool_manager", None), "worker_manager", None)
        channel = getattr(manager, "workers_channel", None)
        if channel is None or not hasattr(channel, "lock"):
            return False
        try:
            with channel.lock(block=True, timeout=grace_s) as locked:
                return not locked
        except (OSError, ValueError, AttributeError):
            return False

    def orphaned(self, grace_s: float = ORPHAN_GRACE_S) -> set[Future]:
        """Futures of runs whose worker died as it took them, which pebble will never complete.

        pebble learns which worker runs a task from the acknowledgement the worker sends as it
        takes the task, and fails a dead worker's task when it finds the worker dead. A worker
        that dies just after sending its acknowledgement can be found dead before the
        acknowledgement is read. pebble then finds no task of the dead worker's, and afterwards
        records the task as running on a worker it no longer has: the task's future never
        completes (pebble 5.2.3). A task counts as orphaned when a worker the pool no longer has
        acknowledged it and it is still so ``grace_s`` later. A pool laid out otherwise than
        pebble 5.1.3-5.2.3 is taken to have none.
        """

        def candidates() -> set[Future]:
            manager = getattr(self._pool, "_pool_manager", None)
            tasks = getattr(getattr(manager, "task_manager", None), "tasks", None)
            workers = getattr(getattr(manager, "worker_manager", None), "workers", None)
            if not isinstance(tasks, dict) or not isinstance(workers, dict):
                return set()
            found = set()
            for task in list(tasks.values()):  # pebble's threads change the table: take it whole first
                worker, future = getattr(task, "worker_id", None), getattr(task, "future", None)
                if worker and worker not in workers and isinstance(future, Future) and not future.done():
                    found.add(future)
            return found

        first = candidates()
        if not first:
            return first
        time.sleep(grace_s)
        return first & candidates()

    def stop_soon(self) -> None:
        """Stop the workers now, in a thread of this process, so that the caller goes on while pebble takes them down.

        pebble's pool notices a stop at its next poll and joins its workers and threads, about
        0.1 s; :meth:`shutdown` then waits for that thread. Runs not yet finished are dropped.
        """
        if self._stopping is None:
            self._stopping = threading.Thread(target=self._stop, name="pacsim-pool-stop", daemon=True)
            self._stopping.start()

    def _stop(self) -> None:
        self._pool.stop()
        self._pool.join(timeout=SHUTDOWN_TIMEOUT_S)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop the workers: let them finish (``cancel_futures`` False) or stop them now, waiting at most SHUTDOWN_TIMEOUT_S."""
        if self._stopping is not None:  # stop_soon has stopped them already
            if wait:
                self._stopping.join(timeout=2 * SHUTDOWN_TIMEOUT_S)
            return
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
            yield Backend(
                pools[0],
                "local",
                n,
                restart=restart,
                stuck=lambda: pools[-1].channel_stuck(),
                orphaned=lambda: pools[-1].orphaned(),
                release=lambda: pools[-1].stop_soon(),
            )
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
