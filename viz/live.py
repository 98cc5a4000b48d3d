"""What the live view runs: the user's chosen scenario, seed and overrides, and the model they build.

The app never holds a parameter default of its own. A :class:`LiveSettings` names a
shipped scenario plus dotted-path overrides; :func:`live_params` resolves them through
``model.scenarios.load_scenario`` and so through the one schema in ``model/params.py``.
``PACSIM_VIZ_OVERRIDES`` (a JSON object of dotted paths, set by ``pacsim viz --set``)
adds overrides under the user's, for example a smaller electorate for a quick look.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from pacsim.model.model import PacsimModel
from pacsim.model.params import FIELDS, ParameterError, Params
from pacsim.model.scenarios import DEFAULT_SCENARIO, list_scenarios, load_scenario

OVERRIDES_ENV = "PACSIM_VIZ_OVERRIDES"
SCENARIO_ENV = "PACSIM_VIZ_SCENARIO"

MAIN_CONTROLS = (
    "target.salience",
    "industry.budget",
    "industry.strategy",
    "legislature.leadership_gate",
    "politicians.champions",
)
"""The parameters the app offers as sliders, switches and pickers, in display order."""


def env_overrides(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Dotted-path overrides from ``PACSIM_VIZ_OVERRIDES`` (a JSON object), empty when unset."""
    text = (os.environ if environ is None else environ).get(OVERRIDES_ENV, "").strip()
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParameterError(f"{OVERRIDES_ENV} must be a JSON object of dotted parameter paths: {exc}") from None
    if not isinstance(value, dict):
        raise ParameterError(f"{OVERRIDES_ENV} must be a JSON object of dotted parameter paths, got {text!r}")
    return value


@dataclass(frozen=True)
class LiveSettings:
    """A scenario, the overrides the environment fixes, and the overrides the user chose in the app."""

    scenario: str = DEFAULT_SCENARIO
    base: dict[str, Any] = field(default_factory=dict)
    chosen: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> LiveSettings:
        """The settings a fresh page starts with: the environment's scenario and overrides, nothing chosen."""
        env = os.environ if environ is None else environ
        scenario = env.get(SCENARIO_ENV, "").strip() or DEFAULT_SCENARIO
        settings = cls(scenario=scenario, base=env_overrides(env))
        live_params(settings)
        return settings

    def choose(self, path: str, value: Any) -> LiveSettings:
        """These settings with one more user choice, validated by the schema (raises ParameterError)."""
        if path not in FIELDS:
            raise ParameterError(f"unknown parameter '{path}'")
        settings = replace(self, chosen={**self.chosen, path: value})
        live_params(settings)
        return settings

    def pick_scenario(self, name: str) -> LiveSettings:
        """Another shipped scenario; the seed the user chose carries over, the other choices start afresh."""
        if name not in list_scenarios():
            raise ParameterError(f"unknown scenario '{name}'; shipped scenarios are {', '.join(list_scenarios())}")
        kept = {k: v for k, v in self.chosen.items() if k == "run.seed"}
        settings = replace(self, scenario=name, chosen=kept)
        live_params(settings)
        return settings


def live_params(settings: LiveSettings) -> Params:
    """Validated Params: the scenario, then the environment's overrides, then the user's choices."""
    _, params = load_scenario(settings.scenario, {**settings.base, **settings.chosen})
    return params


class LiveModel(PacsimModel):
    """A :class:`PacsimModel` built from live settings, so that Mesa's Reset rebuilds what the user chose.

    Mesa's SolaraViz resets by calling the model class with its stored keyword arguments;
    the app stores one, ``settings``: the settings themselves or a function returning the
    current ones. The seed is the scenario's ``run.seed`` unless the user chose another.
    """

    def __init__(self, settings: LiveSettings | Callable[[], LiveSettings]) -> None:
        self.settings = settings() if callable(settings) else settings
        params = live_params(self.settings)
        super().__init__(params, rng=params.run.seed)
