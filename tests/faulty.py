"""Worker functions that misbehave on purpose, importable by name in worker processes (tests/ is on their path)."""

from __future__ import annotations

import os
import signal
from typing import Any

from pacsim.experiments.sweep import RunResult, RunTask, execute_run

#: The run whose worker :func:`die_on_run_3` kills.
DOOMED = 3


def die_on_run_3(task: RunTask) -> RunResult:
    """Kill this worker process with SIGKILL on run 3, every time; run every other run normally."""
    if task.plan.run_id == DOOMED:
        os.kill(os.getpid(), signal.SIGKILL)
    return execute_run(task)


class DiesWhenSent:
    """A result that kills its worker with SIGKILL as pebble pickles it: inside the send, while the worker holds the pool's channel lock."""

    def __reduce__(self) -> Any:
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("SIGKILL is delivered before the kill returns")


def die_sending_run_3(task: RunTask) -> RunResult | DiesWhenSent:
    """Run run 3 and kill this worker as it sends the result, every time; run every other run normally."""
    result = execute_run(task)
    return DiesWhenSent() if task.plan.run_id == DOOMED else result


def default_lock_name() -> str | None:
    """The name of a lock made from this process's default multiprocessing context (None: a semaphore with no name)."""
    import multiprocessing

    return multiprocessing.RLock()._semlock.name  # type: ignore[attr-defined]


def die_mid_message_on_run_3(task: RunTask) -> RunResult:
    """On run 3, write the start of a message into the pool's shared result pipe and die with SIGKILL, every time.

    This is what a worker killed while it writes a large result leaves: the lock held and a
    message cut short, so that the driver's reader waits for bytes that never come.
    """
    if task.plan.run_id == DOOMED:
        import gc
        import struct

        from pebble.pool.channel import WorkerChannel

        channel = next(o for o in gc.get_objects() if isinstance(o, WorkerChannel))
        channel.mutex.writer_mutex.acquire()
        os.write(channel.writer.fileno(), struct.pack("!i", 1 << 20) + b"cut short")
        os.kill(os.getpid(), signal.SIGKILL)
    return execute_run(task)


def _dying_transaction(channel: Any) -> Any:
    """What pebble's ``task_transaction`` does, up to where a worker dies in it: the lock held and a run taken, not acknowledged."""
    with channel.lock(timeout=60):
        if channel.poll(0):
            channel.recv()
            os.kill(os.getpid(), signal.SIGKILL)
        raise RuntimeError("Race condition between workers")  # as pebble's: another worker took the run


def die_taking_the_run_after_run_3(task: RunTask) -> RunResult:
    """Run every run normally; after run 3, make this worker die with SIGKILL as it takes its next run."""
    if task.plan.run_id == DOOMED:
        import pebble.pool.process

        pebble.pool.process.task_transaction = _dying_transaction  # type: ignore[assignment]  # this worker's next take
    return execute_run(task)
