"""pacsim: an agent-based simulator of how money and attention shape legislation.

The repository's top-level folders install as one namespace: ``pacsim.agents`` (what
voters, politicians, donors and leaders do), ``pacsim.model`` (construction, schedule and
tables), ``pacsim.experiments`` (declared sweeps, their execution and reports, the
command line) and ``pacsim.viz`` (the live view). The public API is importable from here:

>>> from pacsim import PacsimModel, build_params, load_scenario, run_sweep
"""

from __future__ import annotations

import importlib
import os
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

# With Intel's SVML installed (the icc_rt package), numba vectorises exp and log with it, whose
# values differ from the C library's in the last bit: a seed would replay to other tables
# where it is installed (see pacsim.agents.elementwise). Unless the user says otherwise, off.
os.environ.setdefault("NUMBA_DISABLE_INTEL_SVML", "1")

try:
    __version__ = version("pacsim")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

#: Public name -> module that defines it; imported on first use, so ``import pacsim`` stays light.
_API = {
    "PacsimModel": "pacsim.model.model",
    "ParameterError": "pacsim.model.params",
    "Params": "pacsim.model.params",
    "build_params": "pacsim.model.params",
    "load_scenario": "pacsim.model.scenarios",
    "list_scenarios": "pacsim.model.scenarios",
    "summarise": "pacsim.model.outcomes",
    "capture_index": "pacsim.model.outcomes",
    "load_experiment": "pacsim.experiments.spec",
    "run_sweep": "pacsim.experiments.sweep",
    "simulate": "pacsim.experiments.runner",
}

__all__ = ["__version__", *_API]

if TYPE_CHECKING:  # the names are re-exported for type checkers; at run time __getattr__ imports them
    from pacsim.experiments.runner import simulate as simulate
    from pacsim.experiments.spec import load_experiment as load_experiment
    from pacsim.experiments.sweep import run_sweep as run_sweep
    from pacsim.model.model import PacsimModel as PacsimModel
    from pacsim.model.outcomes import capture_index as capture_index
    from pacsim.model.outcomes import summarise as summarise
    from pacsim.model.params import ParameterError as ParameterError
    from pacsim.model.params import Params as Params
    from pacsim.model.params import build_params as build_params
    from pacsim.model.scenarios import list_scenarios as list_scenarios
    from pacsim.model.scenarios import load_scenario as load_scenario


def __getattr__(name: str) -> Any:
    """Import a public name from the module that defines it."""
    if name not in _API:
        raise AttributeError(f"module 'pacsim' has no attribute {name!r}")
    value = getattr(importlib.import_module(_API[name]), name)
    globals()[name] = value
    return value
