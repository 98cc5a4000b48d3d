"""pacsim's model: parameters, construction, schedule, electorate, network, legislature and outputs."""

from pacsim.model.model import PacsimModel
from pacsim.model.params import ParameterError, Params, build_params

__all__ = ["PacsimModel", "ParameterError", "Params", "build_params"]
