"""What the live view runs: the user's chosen scenario, seed and overrides, and the model they build.

The app never holds a parameter default of its own. A :class:`LiveSettings` names a
shipped scenario plus dotted-path overrides; :func:`live_params` resolves them through
``model.scenarios.load_scenario`` and so through the one schema in ``model/params.py``.
``PACSIM_VIZ_OVERRIDES`` (a JSON object of dotted paths, set by ``pacsim viz --set``)
adds overrides under the user's, for example a smaller electorate for a quick look.
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
from collections import OrderedDict
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


def settings_key(settings: LiveSettings) -> str:
    """One string per distinct model: the resolved parameters, so choices that resolve alike share a key."""
    return json.dumps(live_params(settings).to_flat(), sort_keys=True, default=str)


class ModelStock:
    """Fresh live models built ahead of need, so that a page opens, and a Reset completes, without waiting for construction.

    Building a model at the default scenario takes about half a second in the server,
    more on a loaded machine (``pacsim bench viz --browser`` times a Reset with and
    without one built ahead). The page asks for the settings it will want next (its
    start-up settings when the server starts, the same settings again after each Reset,
    a new choice as soon as the user makes it), and one background thread builds the
    latest request. A model built ahead is built exactly as on demand, from the same resolved
    parameters and seed, and is handed out once and never stepped before. At most
    ``capacity`` models wait, the most recently requested first; a request for settings
    whose model is under way waits for it rather than building it twice. A build starts
    only once the pages have been quiet for ``quiet`` seconds (no request, no redraw:
    :meth:`touch`), so that it does not slow the page down while the user is stepping.
    """

    def __init__(self, capacity: int = 1, quiet: float = 3.0) -> None:
        self.capacity = capacity
        self.quiet = quiet
        self._last_touch = -math.inf
        self._cv = threading.Condition()
        self._ready: OrderedDict[str, LiveModel] = OrderedDict()
        self._building: str | None = None
        self._wanted: tuple[str, type[LiveModel], LiveSettings] | None = None
        self._worker: threading.Thread | None = None
        self.built = 0
        """How many models the stock has built (the tests check that a Reset takes one)."""

    def touch(self) -> None:
        """Mark the pages as busy now: the next build waits until they have been quiet for a while."""
        with self._cv:
            self._last_touch = time.monotonic()

    def prepare(self, cls: type[LiveModel], settings: LiveSettings) -> None:
        """Build a model for these settings in the background, unless one is waiting or under way."""
        key = settings_key(settings)
        with self._cv:
            if key in self._ready or key == self._building:
                return
            self._wanted = (key, cls, settings)
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, name="pacsim-model-stock", daemon=True)
                self._worker.start()
            self._cv.notify_all()

    def take(self, cls: type[LiveModel], settings: LiveSettings) -> LiveModel | None:
        """The model built ahead for these settings (waiting for it if under way), or None if there is none."""
        key = settings_key(settings)
        with self._cv:
            self._last_touch = time.monotonic()
            if self._wanted is not None and self._wanted[0] == key:
                self._wanted = None  # not started: the caller builds it now
            while self._building == key:
                self._cv.wait()
            model = self._ready.pop(key, None)
        return model if isinstance(model, cls) else None

    def wait(self) -> None:
        """Block until every requested model has been built (or dropped)."""
        with self._cv:
            while self._wanted is not None or self._building is not None:
                self._cv.wait()

    def _work(self) -> None:
        while True:
            with self._cv:
                while self._wanted is not None and (wait := self._last_touch + self.quiet - time.monotonic()) > 0:
                    self._cv.wait(timeout=wait)
                if self._wanted is None:
                    self._worker = None
                    return
                key, cls, settings = self._wanted
                self._wanted = None
                self._building = key
            try:
                model = cls.build(settings)
            except Exception:  # a bad choice fails again, with its message, when the page builds it itself
                model = None
            with self._cv:
                self._building = None
                if model is not None:
                    self.built += 1
                    self._ready[key] = model
                    self._ready.move_to_end(key)
                    while len(self._ready) > self.capacity:
                        self._ready.popitem(last=False)
                self._cv.notify_all()


@dataclass(frozen=True)
class Stocked:
    """A page's current settings (``current()``), with the stock that builds its models ahead: what the page hands Mesa."""

    current: Callable[[], LiveSettings]
    stock: ModelStock

    def __call__(self) -> LiveSettings:
        """The page's settings now."""
        return self.current()


class LiveModel(PacsimModel):
    """A :class:`PacsimModel` built from live settings, so that Mesa's Reset rebuilds what the user chose.

    Mesa's SolaraViz resets by calling the model class with its stored keyword arguments;
    the app stores one, ``settings``: the settings themselves, a function returning the
    current ones, or a :class:`Stocked` such function. Given a :class:`Stocked`,
    construction hands back the model its stock built ahead for the current settings,
    if there is one, and asks the stock for the next. The seed is the scenario's
    ``run.seed`` unless the user chose another.
    """

    def __new__(cls, settings: LiveSettings | Callable[[], LiveSettings]) -> LiveModel:
        """The model built ahead for the current settings, given a :class:`Stocked` with one; else a new instance to build."""
        if isinstance(settings, Stocked):
            model = settings.stock.take(cls, settings())
            if model is not None:
                return model
        return super().__new__(cls)

    def __init__(self, settings: LiveSettings | Callable[[], LiveSettings]) -> None:
        if "settings" not in self.__dict__:  # else built ahead by the stock: Python calls __init__ on what __new__ returns
            self.settings = settings() if callable(settings) else settings
            params = live_params(self.settings)
            super().__init__(params, rng=params.run.seed)
        self.stock = settings.stock if isinstance(settings, Stocked) else None
        if self.stock is not None:
            self.stock.touch()
            self.stock.prepare(type(self), self.settings)  # the next Reset with these settings

    def step(self) -> None:
        """One week, as :meth:`PacsimModel.step`; the page's stock holds off starting a build while it runs."""
        if self.stock is not None:
            self.stock.touch()
        super().step()
        if self.stock is not None:
            self.stock.touch()

    @classmethod
    def build(cls, settings: LiveSettings) -> LiveModel:
        """A model for these settings, built now (what the stock runs in its thread)."""
        return cls(settings)


STOCK = ModelStock()
"""The live view's stock of models built ahead, shared by the pages a server shows."""
