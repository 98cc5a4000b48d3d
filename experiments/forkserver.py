"""What the local pool's fork server loads before it forks any worker: the sweep's code and a started numba.

Every worker is forked from the fork server, so what it has loaded each worker has from
its first instruction. Importing the sweep driver brings in the model; starting numba's
compiler here (:func:`~pacsim.model.kernels.start_compiler`) takes its one-off start-up
off every worker's first run, which is serial time in every sweep, however many workers.
"""

from __future__ import annotations

import pacsim.experiments.sweep  # noqa: F401  (loaded for the workers)
from pacsim.model.kernels import start_compiler

start_compiler()
