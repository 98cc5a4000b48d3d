"""pacsim's model: parameters, construction, schedule, electorate, network, legislature and outputs."""

from model.model import PacsimModel
from model.params import ParameterError, Params, build_params

__all__ = ["PacsimModel", "ParameterError", "Params", "build_params"]
