"""Worker functions that misbehave on purpose, importable by name in worker processes (tests/ is on their path)."""

from __future__ import annotations

import os
import signal

from pacsim.experiments.sweep import RunResult, RunTask, execute_run

#: The run whose worker :func:`die_on_run_3` kills.
DOOMED = 3


def die_on_run_3(task: RunTask) -> RunResult:
    """Kill this worker process with SIGKILL on run 3, every time; run every other run normally."""
    if task.plan.run_id == DOOMED:
        os.kill(os.getpid(), signal.SIGKILL)
    return execute_run(task)


def default_lock_name() -> str | None:
    """The name of a lock made from this process's default multiprocessing context (None: a semaphore with no name)."""
    import multiprocessing

    return multiprocessing.RLock()._semlock.name  # type: ignore[attr-defined]
