"""What the local pool's fork server loads before it forks any worker: the sweep's code, a started numba and the kernels.

Every worker is forked from the fork server, so what it has loaded each worker has from
its first instruction. Importing the sweep driver brings in the model; starting numba's
compiler here (:func:`~pacsim.model.kernels.start_compiler`) and loading the kernels it
cached (:func:`~pacsim.model.kernels.load_cached_kernels`) takes both off every worker's
first run, which is serial time in every sweep, however many workers. Each worker makes
the threading layer its own as it starts (:func:`~pacsim.experiments.executors.start_worker`).
"""

from __future__ import annotations

import pacsim.experiments.sweep  # noqa: F401  (loaded for the workers)
from pacsim.model.kernels import load_cached_kernels, start_compiler

start_compiler()
load_cached_kernels()
