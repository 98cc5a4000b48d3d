"""pacsim's model: parameters, construction, schedule, electorate, network, legislature and outputs.

``PacsimModel``, ``Params``, ``build_params`` and ``ParameterError`` are importable from here,
loaded on first use so that importing any part of the package never imports the whole model.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = ["PacsimModel", "ParameterError", "Params", "build_params"]

_API = {
    "PacsimModel": "pacsim.model.model",
    "ParameterError": "pacsim.model.params",
    "Params": "pacsim.model.params",
    "build_params": "pacsim.model.params",
}

if TYPE_CHECKING:
    from pacsim.model.model import PacsimModel as PacsimModel
    from pacsim.model.params import ParameterError as ParameterError
    from pacsim.model.params import Params as Params
    from pacsim.model.params import build_params as build_params


def __getattr__(name: str) -> Any:
    """Import a public name from the module that defines it."""
    if name not in _API:
        raise AttributeError(f"module 'pacsim.model' has no attribute {name!r}")
    return getattr(importlib.import_module(_API[name]), name)
