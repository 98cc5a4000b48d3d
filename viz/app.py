"""The live view: ``solara run viz/app.py`` (or ``pacsim viz``) shows a pacsim run as it happens.

Built on Mesa's SolaraViz: Mesa's app bar and sidebar run the model (Step, Play, Reset),
and this page adds the controls, read from the one parameter schema
(``model.params.FIELDS``), a salience-shock button, exports, live monitors and six plots.
The plots are laid out by the page itself rather than in SolaraViz's draggable grid,
whose cells have a fixed height: the browser reports the room it has
(:class:`SizeProbe`), :func:`viz.plots.grid` chooses columns and a plot size from it so
that at 1400 x 1000 everything is in view, and each figure is drawn at the pixel size it
is shown at, so its text stays legible in any window. Every displayed number comes from
:mod:`viz.data`; every figure from :mod:`viz.plots`.
"""

from __future__ import annotations

import contextlib
import math
import threading
from collections.abc import Callable
from typing import Any, cast

import ipyvue
import solara
import traitlets
from mesa.visualization import SolaraViz
from mesa.visualization.utils import force_update, update_counter

from pacsim.model.model import warm_up
from pacsim.model.params import FIELDS, ParameterError
from pacsim.model.scenarios import list_scenarios, read_scenario
from pacsim.viz import data, plots
from pacsim.viz.live import MAIN_CONTROLS, STOCK, LiveModel, LiveSettings, Stocked, live_params

LOG_SLIDER_DECADES = 7
"""A parameter whose range spans more than three decades gets a log slider covering the top seven."""
BADGE_ROOM = 48
"""Pixels kept free under the main area's scrolling part, where Solara shows "This website runs on Solara"."""
GAP = 12
"""Pixels between plots."""
MAIN_PADDING = 12
"""The padding Solara's AppLayout puts around the main area."""
FIRST_SIZE = {"width": 1004, "height": 761, "ratio": 1.0}
"""The plot area of a 1400 x 1000 window, used until the browser has reported its own."""


# --------------------------------------------------------------- small pieces
def _tagged(testid: str, text: str, classes: str = "") -> Any:
    """A span carrying ``data-testid`` so the browser test can read it."""
    return solara.v.Html(tag="span", attributes={"data-testid": testid}, class_=classes, children=[text])


def _is_log(path: str) -> bool:
    spec = FIELDS[path]
    return spec.type is float and spec.hi is not None and spec.hi > 1e3 * max(spec.lo or 0.0, 1.0)


class SizeProbe(ipyvue.VueTemplate):
    """An empty full-width line that reports the room below it: its width, the height left under it, the pixel ratio.

    The height runs to the bottom of the scrolling area the probe sits in, as if it were
    scrolled to the top. It measures when it appears, when its width changes (the window
    or the sidebar) and when the window is resized.
    """

    template = traitlets.Unicode("""
<template><div ref="probe" style="width: 100%; height: 0;"></div></template>
<script>
module.exports = {
  mounted() {
    const measure = () => {
      const el = this.$refs.probe;
      if (!el) { return; }
      let top = el.getBoundingClientRect().top;
      let bottom = window.innerHeight;
      for (let p = el.parentElement; p; p = p.parentElement) {
        top += p.scrollTop;
        if (bottom === window.innerHeight && ['auto', 'scroll'].includes(getComputedStyle(p).overflowY)) {
          bottom = p.getBoundingClientRect().bottom + p.scrollTop;
        }
      }
      const next = {width: Math.floor(el.getBoundingClientRect().width), height: Math.floor(bottom - top),
                    ratio: window.devicePixelRatio || 1};
      const old = this.size || {};
      if (old.width !== next.width || old.height !== next.height || old.ratio !== next.ratio) { this.size = next; }
    };
    this.schedule = () => { clearTimeout(this.timer); this.timer = setTimeout(measure, 100); };
    this.observer = new ResizeObserver(this.schedule);
    this.observer.observe(this.$refs.probe);
    window.addEventListener('resize', this.schedule);
    this.schedule();  // not at once: the sidebar takes its room from the main area just after mounting
  },
  destroyed() {
    this.observer.disconnect();
    window.removeEventListener('resize', this.schedule);
    clearTimeout(this.timer);
  },
};
</script>
""").tag(sync=True)
    size = traitlets.Dict(allow_none=True, default_value=None).tag(sync=True)


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
    with solara.v.Html(tag="div", attributes={"data-testid": f"field-{path}"}, class_="pacsim-control"):
        with solara.Tooltip(spec.description), solara.v.Html(tag="div", class_="pacsim-control-label"):
            solara.v.Html(tag="span", children=[f"{path} = "])
            _tagged(f"control-{path}", _value_text(path, value), classes="font-weight-bold")
            if spec.units not in ("choice", "on/off"):
                solara.v.Html(tag="span", children=[f" {spec.units}{', log scale' if _is_log(path) else ''}"], style_="color: #718096;")
        if spec.choices:
            solara.ToggleButtonsSingle(value=value, values=list(spec.choices), on_value=lambda v: on_value(path, v), dense=True)
        elif spec.type is bool:
            solara.Switch(label="on" if value else "off", value=bool(value), on_value=lambda v: on_value(path, bool(v)), classes=["mt-0"])
        elif spec.lo is None or spec.hi is None:
            raise ValueError(f"parameter '{path}' has no range, so it has no slider")
        elif spec.type is int:
            hi = int(min(spec.hi, upper) if upper is not None else spec.hi)
            solara.SliderInt(label="", value=int(value), min=int(spec.lo), max=hi, on_value=lambda v: on_value(path, int(v)))
        elif _is_log(path):
            top = math.log10(spec.hi)
            low = max(top - LOG_SLIDER_DECADES, math.log10(spec.lo) if spec.lo else -math.inf)
            current = math.log10(value) if value > 0 else low
            solara.SliderFloat(
                label="",
                value=min(max(current, low), top),
                min=low,
                max=top,
                step=0.05,
                thumb_label=False,
                on_value=lambda v: on_value(path, float(round(10**v, -math.floor(v) + 2))),
            )
        else:
            step = (spec.hi - spec.lo) / 200.0
            solara.SliderFloat(
                label="",
                value=float(value),
                min=spec.lo,
                max=spec.hi,
                step=step,
                thumb_label=False,
                on_value=lambda v: on_value(path, round(float(v), 6)),
            )


def _rows(paths: tuple[str, ...]) -> list[list[str]]:
    """Controls grouped into sidebar rows: neighbouring pickers and switches share a row, sliders have their own."""
    rows: list[list[str]] = []
    for path in paths:
        compact = bool(FIELDS[path].choices) or FIELDS[path].type is bool
        if compact and rows and len(rows[-1]) == 1 and (FIELDS[rows[-1][0]].choices or FIELDS[rows[-1][0]].type is bool):
            rows[-1].append(path)
        else:
            rows.append([path])
    return rows


@solara.component
def Controls(model: solara.Reactive[LiveModel], settings: solara.Reactive[LiveSettings]) -> None:
    """The scenario, the seed and the main parameters; they apply at Reset and survive it."""
    error = solara.use_reactive("")
    params = live_params(settings.value)

    def apply(change: Callable[[LiveSettings], LiveSettings]) -> None:
        try:
            chosen = change(settings.value)
        except ParameterError as exc:
            error.set(str(exc))
            return
        settings.set(chosen)
        error.set("")
        STOCK.touch()
        STOCK.prepare(LiveModel, chosen)  # so that the Reset which applies the choice need not wait

    with solara.Card("Scenario and parameters"):
        with solara.Row(gap="12px", style={"align-items": "baseline"}):
            solara.Select(
                label="scenario",
                values=list_scenarios(),
                value=settings.value.scenario,
                dense=True,
                on_value=lambda name: apply(lambda s: s.pick_scenario(name)),
                style={"flex": "3 1 0"},
            )
            solara.InputInt(
                label=f"run.seed ({FIELDS['run.seed'].units})",
                value=params.run.seed,
                dense=True,
                on_value=lambda v: apply(lambda s: s.choose("run.seed", v)),
                style={"flex": "2 1 0"},
            )
        description = read_scenario(settings.value.scenario)[1]
        if description:
            solara.Text(description, style={"font-size": "0.8em", "opacity": "0.75", "line-height": "1.25", "display": "block"})
        n_seats = params.legislature.house_seats + params.legislature.senate_seats
        flat = params.to_flat()

        def control(path: str) -> None:
            ParameterControl(
                path, flat[path], lambda p, v: apply(lambda s: s.choose(p, v)), upper=n_seats if path == "politicians.champions" else None
            )

        for group in _rows(MAIN_CONTROLS):
            if len(group) == 1:
                control(group[0])
                continue
            with solara.Row(gap="16px", style={"flex-wrap": "wrap"}):
                for path in group:
                    control(path)
        if error.value:
            solara.Error(error.value, dense=True)
        elif params != model.value.params:
            solara.Info("Press Reset to run with these settings.", dense=True)


@solara.component
def ActionsCard(model: solara.Reactive[LiveModel]) -> None:
    """A salience shock on the target issue into the running model (Model.fire_shock), and the downloads."""
    fired = solara.use_reactive(0)
    m = model.value
    target = m.electorate.issue_names[m.electorate.target]
    stem = f"pacsim-{m.settings.scenario}-seed{m.seed}"

    def fire() -> None:
        model.value.fire_shock()
        fired.set(fired.value + 1)
        force_update()

    with solara.Card("Shock and export"):
        solara.Button(f"Fire a shock to {target}", color="warning", on_click=fire, block=True, small=True)
        shocks = data.shock_steps(m)
        note = f"fired at week {', '.join(map(str, shocks))}" if shocks else "none fired yet"
        solara.Text(f"News raises national attention to {target}; {note}.", style={"font-size": "0.8em"})
        with solara.Row(gap="8px", style={"margin-top": "6px"}):
            solara.FileDownload(lambda: data.tables_zip(model.value), filename=f"{stem}-tables.zip", label="Tables (CSV)")
            solara.FileDownload(
                lambda: plots.figures_zip(plots.model_figures(model.value)), filename=f"{stem}-plots.zip", label="Plots (PNG)"
            )


# ------------------------------------------------------------ the main area
MONITORS = (
    ("step", "week"),
    ("cycle", "cycle"),
    ("phase", "phase"),
    ("house", "House seats"),
    ("senate", "Senate seats"),
    ("bills-passed", "bills passed"),
    ("salience", "target salience"),
    ("capture", "capture index"),
    ("opposing", "opposing the industry"),
    ("spent", "money spent"),
)


@solara.component
def MonitorPanel(model: Any) -> None:
    """The live numbers in one strip: week, cycle, seats by party, money spent, bills passed and more."""
    update_counter.get()
    texts = data.monitor_texts(data.monitors(model))
    with solara.v.Html(tag="div", class_="pacsim-monitors", attributes={"data-testid": "monitors"}):
        for key, name in MONITORS:
            with solara.v.Html(tag="div", class_=f"pacsim-monitor pacsim-monitor-{key}", attributes={"title": texts[key]}):
                solara.v.Html(tag="div", children=[name], class_="pacsim-monitor-name")
                _tagged(f"monitor-{key}", texts[key], classes="pacsim-monitor-value")


def _plot_key(name: str, model: Any) -> Any:
    """What a plot shows, for its memo: it is redrawn only when this changes."""
    if name == "legislature":
        s = data.node_state(model)
        return data.digest(s.stance, s.money, s.party, s.champion)
    if name == "spending_by_race":
        return float(model.money.per_seat().sum()), len(model.recorder.races)
    if name == "bill_pipeline":
        return len(model.recorder.bills)
    return model.steps, len(model.recorder.events)


WAITING_FOR_ROOM = "Drawing at the size of your window."
"""The note a plot shows at week 0 until the browser has reported the room the plots have."""


@solara.component
def PlotCell(name: str, model: Any, page_plots: plots.PagePlots, size: plots.Size, measured: bool = True) -> None:
    """One plot at its size, or its title and a short note while it has nothing to draw; a PNG button in its corner.

    Until the browser has reported its room (``measured``), a plot that would be drawn
    at week 0 (the network) shows a note instead: drawn at the guessed size, it would
    be drawn again as soon as the room is known, and the page would open later. A page
    rendered without a browser never learns its room, so once its model has stepped
    the plots are drawn at the guessed size.
    """
    update_counter.get()
    key = (id(model), _plot_key(name, model), size)
    note = solara.use_memo(lambda: plots.note(name, model), dependencies=[key])
    if note is None and not measured and model.steps == 0:
        note = WAITING_FOR_ROOM
    png = solara.use_memo(lambda: None if note else page_plots.png(name, model, size), dependencies=[key, note])
    box = f"width: {size.width}px; height: {size.height}px;"
    with solara.v.Html(tag="div", class_="pacsim-plot", style_=box, attributes={"data-testid": f"plot-{name}"}):
        if png is None:
            with solara.v.Html(tag="div", class_="pacsim-note", style_=box):
                solara.v.Html(tag="div", children=[plots.TITLES[name]], class_="pacsim-note-title")
                solara.v.Html(tag="div", children=[note], attributes={"data-testid": f"note-{name}"})
        else:
            solara.Image(png, width=f"{size.width}px")
            with solara.v.Html(tag="div", class_="pacsim-png"):
                solara.FileDownload(
                    lambda: plots.figure_png(plots.figure(name, model)),
                    filename=f"{name}.png",
                    children=[solara.Button(icon_name="mdi-download", icon=True, small=True, attributes={"title": f"download {name}.png"})],
                )


@solara.component
def Dashboard(model: Any, page_plots: plots.PagePlots) -> None:
    """Monitors, then the six plots sized to the room the browser reports under them."""
    update_counter.get()
    STOCK.touch()  # a redraw: models built ahead wait until the page is quiet
    room = solara.use_reactive(cast("dict[str, Any] | None", None))
    r = room.value or FIRST_SIZE
    cols, size = plots.grid(r["width"], r["height"] - MAIN_PADDING, gap=GAP)
    size = plots.Size(size.width, size.height, min(2.0, float(r.get("ratio") or 1.0)))
    style = f"display: grid; grid-template-columns: repeat({cols}, {size.width}px); gap: {GAP}px;"
    attributes = {"data-testid": "plots", "data-columns": str(cols), "data-room": f"{r['width']}x{r['height']}"}
    with solara.v.Html(tag="div"):
        MonitorPanel(model)
        SizeProbe.element(size=room.value, on_size=lambda s: room.set(s) if s else None)
        with solara.v.Html(tag="div", style_=style, attributes=attributes):
            for name in plots.NAMES:
                PlotCell(name, model, page_plots, size, measured=room.value is not None)


# ------------------------------------------------------------------- the page
def _start() -> tuple[LiveSettings | None, LiveModel | None, str]:
    try:
        settings = LiveSettings.from_environment()
        return settings, LiveModel(Stocked(lambda: settings, STOCK)), ""
    except (ParameterError, ValueError) as exc:
        return None, None, str(exc)


STYLE = f"""
/* The main area scrolls above a strip left for Solara's badge, so the badge never covers it. */
.v-content__wrap > div {{ height: calc(100% - {BADGE_ROOM}px) !important; max-height: calc(100% - {BADGE_ROOM}px) !important; }}
/* Mesa's "Model Parameters" card stays empty (pacsim's controls have their own card), and its
   "Information" card repeats the week the monitors show: both hidden, so the sidebar fits. */
.v-navigation-drawer .v-card:has(> .v-card__text > .v-sheet:empty) {{ display: none; }}
.v-navigation-drawer .v-card:nth-child(3):not(:has(.pacsim-control)) {{ display: none; }}
.v-navigation-drawer {{ min-width: 372px !important; max-width: 372px !important; }}
.v-navigation-drawer .v-card {{ margin: 0 0 8px 0 !important; }}
.v-navigation-drawer .v-card__title {{ padding: 6px 14px 0; font-size: 1.05rem; }}
.v-navigation-drawer .v-card__text {{ padding: 2px 14px 8px; }}
.v-navigation-drawer .v-input--slider {{ margin-top: 0; }}
.v-navigation-drawer .v-input__slot {{ margin-bottom: 0; }}
.v-navigation-drawer .v-messages {{ display: none; }}
.v-navigation-drawer .v-input--checkbox {{ margin-top: 0; padding-top: 0; }}
.pacsim-control {{ margin-top: 4px; }}
.pacsim-control .v-input {{ margin-top: 0; padding-top: 0; }}
.pacsim-control-label {{ font-size: 0.82em; line-height: 1.2; }}
.pacsim-monitors {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(128px, 1fr)); gap: 4px 14px;
                   padding: 6px 12px; margin-bottom: 10px; background: rgba(127, 127, 127, 0.07);
                   border: 1px solid rgba(127, 127, 127, 0.25); border-radius: 4px; }}
.pacsim-monitor {{ min-width: 0; }}
.pacsim-monitor-spent {{ grid-column: span 2; }}
.pacsim-monitor-name {{ font-size: 0.75em; opacity: 0.7; white-space: nowrap; }}
.pacsim-monitor-value {{ display: block; font-size: 1.05rem; font-weight: 500; white-space: nowrap; overflow: hidden;
                        text-overflow: ellipsis; }}
.pacsim-plot {{ position: relative; box-shadow: 0 0 0 1px rgba(127, 127, 127, 0.3); border-radius: 4px; overflow: hidden; }}
.pacsim-plot img {{ display: block; }}
.pacsim-png {{ position: absolute; top: 2px; right: 2px; opacity: 0.55; }}
.pacsim-png:hover {{ opacity: 1; }}
.pacsim-note {{ display: flex; flex-direction: column; align-items: center; justify-content: center; gap: 8px;
               font-size: 0.9rem; padding: 16px; text-align: center; opacity: 0.8; }}
.pacsim-note-title {{ font-weight: 500; }}
"""


@solara.component
def SidebarCards(model: solara.Reactive[LiveModel], settings: solara.Reactive[LiveSettings]) -> None:
    """The sidebar cards pacsim adds, placed after Mesa's Step and Reset."""
    with solara.Sidebar(), solara.Column(gap="0px"):
        Controls(model, settings)
        ActionsCard(model)


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
    page_plots = solara.use_memo(plots.PagePlots, [])
    if problem:
        solara.Error(f"pacsim cannot start the live view: {problem}")
        return
    # _start leaves settings and model out only with a problem; the hooks above run first on every render, as Solara requires.
    live_settings = cast("solara.Reactive[LiveSettings]", settings)
    live_model = cast("solara.Reactive[LiveModel]", model)
    solara.Style(STYLE)
    with solara.v.Html(tag="div", style_="display: none;"):
        # SolaraViz puts its app bar and sidebar in the page's layout; what it leaves here is
        # its own main view, empty since the plots are laid out below, so it takes no room.
        SolaraViz(
            live_model,
            components=[],
            model_params={"settings": Stocked(live_settings.get, STOCK)},
            name="pacsim: money, attention and legislation",
        )
    Dashboard(live_model.value, page_plots)
    Below(live_model, live_settings)


if __name__ == "__main__":  # run by Solara's server (``solara run`` executes the app as __main__), not on import
    plots.warm_up()  # matplotlib's font cache, once per process, before the first page needs it
    # Every kernel compiled (on a fresh install) or loaded from numba's cache before the first Step asks for it.
    threading.Thread(target=warm_up, name="pacsim-kernel-warm-up", daemon=True).start()
    with contextlib.suppress(ParameterError, ValueError):  # the page itself reports the problem
        STOCK.prepare(LiveModel, LiveSettings.from_environment())  # the first page's model, built while the server starts
