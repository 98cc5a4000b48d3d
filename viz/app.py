"""The live view: ``solara run viz/app.py`` (or ``pacsim viz``) shows a pacsim run as it happens.

Built on Mesa's SolaraViz: Mesa's sidebar runs the model (Step, Play, Reset), and this
page adds the controls, read from the one parameter schema (``model.params.FIELDS``), a
salience-shock button, exports, live monitors and six plots. Every displayed number comes
from :mod:`viz.data`; every figure from :mod:`viz.plots`.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import force_update, update_counter

from pacsim.model.params import FIELDS, ParameterError
from pacsim.model.scenarios import list_scenarios, read_scenario
from pacsim.viz import data, plots
from pacsim.viz.live import MAIN_CONTROLS, LiveModel, LiveSettings, live_params

LOG_SLIDER_DECADES = 7
"""A parameter whose range spans more than three decades gets a log slider covering the top seven."""


# --------------------------------------------------------------- small pieces
def _tagged(testid: str, text: str, classes: str = "") -> Any:
    """A span carrying ``data-testid`` so the browser test can read it."""
    return solara.v.Html(tag="span", attributes={"data-testid": testid}, class_=classes, children=[text])


def _digest(*arrays: np.ndarray) -> str:
    h = hashlib.blake2b(digest_size=12)
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def _label(path: str) -> str:
    spec = FIELDS[path]
    return f"{path} ({spec.units})" if spec.units not in ("choice", "on/off") else path


def _is_log(path: str) -> bool:
    spec = FIELDS[path]
    return spec.type is float and spec.hi is not None and spec.hi > 1e3 * max(spec.lo or 0.0, 1.0)


# --------------------------------------------------------------- the controls
def _value_text(path: str, value: Any) -> str:
    spec = FIELDS[path]
    if spec.type is bool:
        return "on" if value else "off"
    if spec.type is float and "dollar" in spec.units:
        return data.format_dollars(value)
    if spec.type is float:
        return f"{value:.3f}"
    return str(value)


@solara.component
def ParameterControl(path: str, value: Any, on_value: Callable[[str, Any], None], upper: float | None = None) -> None:
    """One control for one schema field: a slider, a log slider, a switch or a picker, with its value and units."""
    spec = FIELDS[path]
    with solara.v.Html(tag="div", attributes={"data-testid": f"field-{path}"}):
        with solara.Tooltip(spec.description):
            with solara.v.Html(tag="div", style_="margin-top: 10px; font-size: 0.85em;"):
                solara.v.Html(tag="span", children=[f"{path} = "])
                _tagged(f"control-{path}", _value_text(path, value), classes="font-weight-bold")
                if spec.units not in ("choice", "on/off"):
                    solara.v.Html(tag="span", children=[f" {spec.units}{', log scale' if _is_log(path) else ''}"], style_="color: #718096;")
        if spec.choices:
            solara.ToggleButtonsSingle(value=value, values=list(spec.choices), on_value=lambda v: on_value(path, v), dense=True)
        elif spec.type is bool:
            solara.Switch(label="on" if value else "off", value=bool(value), on_value=lambda v: on_value(path, bool(v)))
        elif spec.type is int:
            hi = int(min(spec.hi, upper) if upper is not None else spec.hi)
            solara.SliderInt(label="", value=int(value), min=int(spec.lo), max=hi, on_value=lambda v: on_value(path, int(v)))
        elif _is_log(path):
            top = math.log10(spec.hi)
            low = max(top - LOG_SLIDER_DECADES, math.log10(spec.lo) if spec.lo else -math.inf)
            current = math.log10(value) if value > 0 else low
            solara.SliderFloat(
                label="", value=min(max(current, low), top), min=low, max=top, step=0.05, thumb_label=False,
                on_value=lambda v: on_value(path, float(round(10**v, -int(math.floor(v)) + 2))),
            )
        else:
            step = (spec.hi - spec.lo) / 200.0
            solara.SliderFloat(label="", value=float(value), min=spec.lo, max=spec.hi, step=step, thumb_label=False,
                               on_value=lambda v: on_value(path, round(float(v), 6)))


@solara.component
def Controls(model: solara.Reactive[LiveModel], settings: solara.Reactive[LiveSettings]) -> None:
    """The scenario, the seed and the main parameters; they apply at Reset and survive it."""
    error = solara.use_reactive("")
    params = live_params(settings.value)

    def choose(path: str, value: Any) -> None:
        try:
            settings.set(settings.value.choose(path, value))
            error.set("")
        except ParameterError as exc:
            error.set(str(exc))

    def pick(name: str) -> None:
        try:
            settings.set(settings.value.pick_scenario(name))
            error.set("")
        except ParameterError as exc:
            error.set(str(exc))

    with solara.Card("Scenario and parameters"):
        solara.Select(label="scenario", values=list_scenarios(), value=settings.value.scenario, on_value=pick)
        description = read_scenario(settings.value.scenario)[1]
        if description:
            solara.Text(description, style={"font-size": "0.8em", "color": "#4a5568"})
        solara.InputInt(label=f"run.seed ({FIELDS['run.seed'].units})", value=params.run.seed, on_value=lambda v: choose("run.seed", v))
        n_seats = params.legislature.house_seats + params.legislature.senate_seats
        for path in MAIN_CONTROLS:
            ParameterControl(path, params.to_flat()[path], choose, upper=n_seats if path == "politicians.champions" else None)
        if error.value:
            solara.Error(error.value)
        elif params != model.value.params:
            solara.Info("Press Reset to run with these settings.", dense=True)


@solara.component
def ShockButton(model: solara.Reactive[LiveModel]) -> None:
    """Fires a salience shock on the target issue into the running model (Model.fire_shock)."""
    fired = solara.use_reactive(0)
    m = model.value
    target = m.electorate.issue_names[m.electorate.target]

    def fire() -> None:
        model.value.fire_shock()
        fired.set(fired.value + 1)
        force_update()

    with solara.Card("Salience shock"):
        solara.Button(f"Fire a shock to {target}", color="warning", on_click=fire, block=True)
        shocks = data.shock_steps(m)
        note = f"fired at week {', '.join(map(str, shocks))}" if shocks else "none fired yet"
        solara.Text(f"News raises national attention to {target}; {note}.", style={"font-size": "0.8em"})


@solara.component
def Export(model: solara.Reactive[LiveModel]) -> None:
    """Downloads: every table so far as CSV (zip) and every plot as PNG (zip)."""
    m = model.value
    stem = f"pacsim-{m.settings.scenario}-seed{m.seed}"
    with solara.Card("Export"):
        with solara.Row():
            solara.FileDownload(lambda: data.tables_zip(model.value), filename=f"{stem}-tables.zip", label="Tables (CSV)")
            solara.FileDownload(lambda: plots.figures_zip(plots.model_figures(model.value)), filename=f"{stem}-plots.zip", label="Plots (PNG)")


# ---------------------------------------------------------------- the panels
MONITORS = (
    ("step", "week"),
    ("cycle", "cycle"),
    ("phase", "phase"),
    ("house", "House seats"),
    ("senate", "Senate seats"),
    ("spent", "money spent"),
    ("bills-passed", "bills passed"),
    ("salience", "target salience"),
    ("capture", "capture index"),
    ("opposing", "opposing the industry"),
)


@solara.component
def MonitorPanel(model: Any) -> None:
    """The live numbers: cycle, seats by party, money spent, bills passed and more."""
    update_counter.get()
    texts = data.monitor_texts(data.monitors(model))
    with solara.Card("Monitors", style={"height": "100%"}):
        with solara.v.Html(tag="div", style_="display:grid; grid-template-columns: repeat(2, 1fr); gap: 6px 18px;"):
            for key, name in MONITORS:
                with solara.v.Html(tag="div"):
                    solara.v.Html(tag="div", children=[name], style_="font-size: 0.75em; color: #718096;")
                    _tagged(f"monitor-{key}", texts[key], classes="text-h6")


def _plot_panel(name: str, key_of: Callable[[Any], Any]) -> Any:
    """A Solara component drawing one named figure, redrawn only when ``key_of(model)`` changes."""

    @solara.component
    def Panel(model: Any) -> None:
        update_counter.get()
        key = (id(model), key_of(model))
        png = solara.use_memo(lambda: plots.live_plots(model).screen_png(name), dependencies=[key])
        with solara.Card(style={"height": "100%"}):
            solara.Image(png, width="100%")
            solara.FileDownload(lambda: plots.figure_png(plots.model_figures(model)[name]()), filename=f"{name}.png", label="PNG", icon_name="mdi-image")

    Panel.__name__ = f"Plot_{name}"
    return Panel


def _network_key(model: Any) -> str:
    s = data.node_state(model)
    return _digest(s.stance, s.money, s.party)


PANELS = [
    MonitorPanel,
    _plot_panel("legislature", _network_key),
    _plot_panel("salience", lambda m: (m.steps, len(m.recorder.events))),
    _plot_panel("capture_index", lambda m: (m.steps, len(m.recorder.events))),
    _plot_panel("opposition", lambda m: (m.steps, len(m.recorder.events))),
    _plot_panel("spending_by_race", lambda m: (float(m.money.per_seat().sum()), len(m.recorder.races))),
    _plot_panel("bill_pipeline", lambda m: len(m.recorder.bills)),
]


# ------------------------------------------------------------------- the page
def _start() -> tuple[LiveSettings | None, LiveModel | None, str]:
    try:
        settings = LiveSettings.from_environment()
        return settings, LiveModel(settings), ""
    except (ParameterError, ValueError) as exc:
        return None, None, str(exc)


HIDE_EMPTY_CARDS = """
.v-navigation-drawer .v-card:has(> .v-card__text > .v-sheet:empty) { display: none; }
"""
"""Mesa's "Model Parameters" card stays empty (pacsim's controls have their own card), so it is hidden."""


@solara.component
def SidebarCards(model: solara.Reactive[LiveModel], settings: solara.Reactive[LiveSettings]) -> None:
    """pacsim's sidebar cards, placed after Mesa's Step and Reset."""
    with solara.Sidebar(), solara.Column():
        Controls(model, settings)
        ShockButton(model)
        Export(model)


@solara.component
def Below(model: solara.Reactive[LiveModel], settings: solara.Reactive[LiveSettings]) -> None:
    """Puts :func:`SidebarCards` after Mesa's cards: Solara orders sidebar content by depth, then by arrival."""
    SidebarCards(model, settings)


@solara.component
def Page() -> None:
    """The pacsim live page: Mesa's SolaraViz with pacsim's controls, monitors and plots."""
    first_settings, first_model, problem = solara.use_memo(_start, [])
    settings = solara.use_reactive(first_settings)
    model = solara.use_reactive(first_model)
    if problem:
        solara.Error(f"pacsim cannot start the live view: {problem}")
        return
    solara.Style(HIDE_EMPTY_CARDS)
    SolaraViz(
        model,
        components=[(panel, 0) for panel in PANELS],
        model_params={"settings": settings.get},
        name="pacsim: money, attention and legislation",
    )
    Below(model, settings)
