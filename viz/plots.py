"""Matplotlib figures of the live view, drawn from the display data in :mod:`viz.data` at the size the page shows them.

Each plot is a small class that builds its figure once for a size in CSS pixels and
redraws only what a new frame changes (line data, node colours and sizes, markers):
building a figure costs more than drawing it, and the page redraws every step. Figures
are drawn at one CSS pixel per figure pixel (times the screen's pixel ratio), so their
text has the same size on screen whatever the window, and margins are set in pixels
around what the text needs. Figures are ``matplotlib.figure.Figure`` objects, never
pyplot's global state, so they are safe in Solara's render threads. ``Plot(size).update(...)``
on a fresh instance is the pure form used for export.
"""

from __future__ import annotations

import functools
import io
import math
import textwrap
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullFormatter
from PIL import Image

from pacsim.agents.enums import Chamber, Party
from pacsim.viz import data
from pacsim.viz.data import Layout, NodeState, format_dollars, node_sizes

PARTY_COLOURS = {Party.DEM.value: "#2b6cb0", Party.REP.value: "#c53030"}
STANCE_CMAP = "PuOr"
"""Orange for stances against the industry (regulation), purple for the industry's side."""
DONOR_COLOURS = {"industry": "#6b46c1", "opposing": "#dd6b20"}
TARGET_COLOUR = "#6b46c1"
MUTED_TEXT = "#4a5568"
ELECTION_STYLE: dict[str, Any] = {"color": "#a0aec0", "lw": 0.9, "ls": ":"}
SHOCK_STYLE: dict[str, Any] = {"color": "#e53e3e", "lw": 1.2, "ls": "--"}

PX_PER_INCH = 100
"""Figure inches to CSS pixels: a figure of ``w`` x ``h`` pixels is ``w / 100`` x ``h / 100`` inches."""
FONT = {"tick": 8.0, "label": 8.5, "title": 9.5, "legend": 8.0, "note": 8.5}
"""Font sizes in points; at 100 pixels per inch 8 pt is 11 CSS pixels, the smallest text the page shows."""
EXPORT_SIZE = (720, 430)
"""Exported PNGs: 720 x 430 CSS pixels at twice the resolution."""
EXPORT_RATIO = 2.0

TITLES = {
    "legislature": "The legislature",
    "salience": "Issue salience",
    "capture_index": "Capture index: contested decisions won by the industry",
    "opposition": "Legislators opposing the industry",
    "spending_by_race": "Donor spending by race",
    "bill_pipeline": "Bill pipeline",
}
"""Each plot's title, also shown above the note that stands in for a plot with nothing to draw yet."""


@dataclass(frozen=True)
class Size:
    """Where a figure is shown: width and height in CSS pixels and the screen's device pixel ratio."""

    width: int
    height: int
    ratio: float = 1.0

    @property
    def inches(self) -> tuple[float, float]:
        """The figure size in inches at :data:`PX_PER_INCH`."""
        return self.width / PX_PER_INCH, self.height / PX_PER_INCH

    @property
    def dpi(self) -> float:
        """Figure dots per inch: one CSS pixel per figure pixel, times the pixel ratio."""
        return PX_PER_INCH * self.ratio


EXPORT = Size(*EXPORT_SIZE, EXPORT_RATIO)


def _new_figure(size: Size) -> Figure:
    fig = Figure(figsize=size.inches, dpi=size.dpi)
    FigureCanvasAgg(fig)
    return fig


def _canvas(fig: Figure) -> FigureCanvasAgg:
    """A figure's Agg canvas: every figure here is built on one by ``_new_figure``."""
    canvas = fig.canvas
    if not isinstance(canvas, FigureCanvasAgg):
        raise TypeError(f"figure drawn on {type(canvas).__name__}, not on an Agg canvas")
    return canvas


def _axes(size: Size) -> tuple[Figure, Axes]:
    fig = _new_figure(size)
    ax = fig.add_subplot()
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=FONT["tick"])
    return fig, ax


def _legend(fig: Figure, ax: Axes, handles: list, size: Size) -> tuple[Legend, str]:
    """A legend outside the axes, so that it never hides a line: to the right of wide plots, else below them."""
    longest = max(len(h.get_label()) for h in handles)
    item = 6.0 * longest + 36
    if size.width >= 2.0 * size.height and size.width - item > 300:
        return ax.legend(
            handles=handles,
            fontsize=FONT["legend"],
            frameon=False,
            loc="upper left",
            bbox_to_anchor=(1.02, 1.0),
            borderaxespad=0.0,
            handlelength=1.8,
        ), "right"
    ncols = max(1, min(len(handles), int((size.width - 20) // item)))
    return fig.legend(
        handles=handles,
        fontsize=FONT["legend"],
        frameon=False,
        ncols=ncols,
        loc="lower center",
        bbox_to_anchor=(0.5, 0.0),
        handlelength=1.8,
        columnspacing=1.2,
        borderaxespad=0.2,
    ), "below"


def _fit(
    fig: Figure,
    ax: Axes,
    legend: tuple[Legend, str] | None = None,
    left: float = 58,
    right: float = 12,
    top: float = 28,
    bottom: float = 40,
) -> None:
    """Place the axes with margins in pixels, with room for a legend outside them."""
    w, h = (float(v) * PX_PER_INCH for v in fig.get_size_inches())
    if legend is not None:
        box = legend[0].get_window_extent(_canvas(fig).get_renderer())
        scale = PX_PER_INCH / fig.dpi
        if legend[1] == "right":
            right += box.width * scale + 10
        else:
            bottom += box.height * scale + 2
    fig.subplots_adjust(
        left=left / w, right=max(1 - right / w, (left + 80) / w), top=1 - top / h, bottom=min(bottom / h, 1 - (top + 50) / h)
    )


def _marker_handles() -> list[Line2D]:
    return [Line2D([], [], **ELECTION_STYLE, label="election"), Line2D([], [], **SHOCK_STYLE, label="salience shock")]


def _week_axis(ax: Axes) -> None:
    ax.set_xlabel("week", fontsize=FONT["label"], labelpad=2)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins="auto", min_n_ticks=2))


class _Markers:
    """Vertical lines at elections and shocks, redrawn only when their list changes."""

    def __init__(self, ax: Axes) -> None:
        self.ax = ax
        self.shown: tuple = ((), ())
        self.artists: list = []

    def update(self, elections: list[int], shocks: list[int]) -> None:
        """Show exactly these election and shock steps."""
        wanted = (tuple(elections), tuple(shocks))
        if wanted == self.shown:
            return
        for artist in self.artists:
            artist.remove()
        self.artists = [self.ax.axvline(s, **ELECTION_STYLE) for s in elections]
        self.artists += [self.ax.axvline(s, **SHOCK_STYLE) for s in shocks]
        self.shown = wanted


def note_figure(title: str, text: str, size: Size) -> Figure:
    """Export form of a plot with nothing to draw yet: its title and its note, no axes."""
    fig = _new_figure(size)
    fig.text(0.5, 1 - 8 / size.height, title, ha="center", va="top", fontsize=FONT["title"])
    fig.text(0.5, 0.5, text, ha="center", va="center", fontsize=FONT["note"], color=MUTED_TEXT, wrap=True)
    return fig


# ---------------------------------------------------------------- the network
class NetworkPlot:
    """Legislators as nodes in four discs (chamber × party at reset): colour is stance, size donor money, edges who observes whom."""

    def __init__(self, layout: Layout, target_name: str, size: Size) -> None:
        self.fig = fig = _new_figure(size)
        w, h = size.width, size.height
        self.width = w
        bar_w = 92.0
        top = 50.0
        fig.text(0.5, 1 - 6 / h, TITLES["legislature"], ha="center", va="top", fontsize=FONT["title"])
        self.title = fig.text(0.5, 1 - 24 / h, "", ha="center", va="top", fontsize=FONT["legend"], color=MUTED_TEXT, linespacing=1.15)
        ax = fig.add_axes((0.0, 0.0, 1 - bar_w / w, 1 - top / h))
        ax.set_axis_off()
        ax.add_collection(
            LineCollection(
                layout.segments,  # type: ignore[arg-type]  # the stubs ask for a Sequence; an (n, 2, 2) array is one
                colors="#a0aec0",
                linewidths=0.3,
                alpha=0.35,
                zorder=1,
            )
        )
        n = layout.xy.shape[0]
        self.scale = min((w - bar_w) / 3.5, (h - top) / 2.6) / 95.0
        self.nodes = nx.draw_networkx_nodes(
            nx.empty_graph(n),
            dict(enumerate(layout.xy)),
            ax=ax,
            node_size=np.full(n, 6.0),
            node_color=np.zeros(n),
            cmap=STANCE_CMAP,
            vmin=-1.0,
            vmax=1.0,
            linewidths=0.7,
        )
        self.nodes.set_zorder(2)
        for (chamber, party), (cx, cy, radius) in layout.group_centres.items():
            name = f"{'House' if chamber is Chamber.HOUSE else 'Senate'} · {'Democrats' if party is Party.DEM else 'Republicans'}"
            ax.text(cx, cy + radius + 0.05, name, ha="center", va="bottom", fontsize=FONT["legend"], color=PARTY_COLOURS[party.value])
        ax.set_xlim(-1.75, 1.75)
        ax.set_ylim(-1.25, 1.35)
        ax.set_aspect("equal", anchor="C")
        cax = fig.add_axes((1 - (bar_w - 8) / w, 0.14, 10 / w, 0.56 * (1 - top / h)))
        bar = fig.colorbar(self.nodes, cax=cax, ticks=[-1, 0, 1])
        bar.ax.set_yticklabels(["against\nindustry", "neutral", "industry"], fontsize=FONT["tick"])
        bar.set_label(f"stance on {target_name}", fontsize=FONT["tick"], labelpad=2)
        self._background = None

    def screen_png(self) -> bytes:
        """The figure as PNG, redrawing only nodes and title over a cached background.

        Edges, labels and the colour bar do not change within a model's run, so they are
        drawn once; a frame then costs drawing the nodes rather than every edge.
        """
        canvas = _canvas(self.fig)
        if self._background is None:
            self.nodes.set_visible(False)
            self.title.set_visible(False)
            canvas.draw()
            self._background = canvas.copy_from_bbox(self.fig.bbox)
            self.nodes.set_visible(True)
            self.title.set_visible(True)
        canvas.restore_region(self._background)
        self.fig.draw_artist(self.nodes)
        self.fig.draw_artist(self.title)
        buffer = io.BytesIO()
        Image.fromarray(np.asarray(canvas.buffer_rgba())).save(buffer, format="png", compress_level=1)
        return buffer.getvalue()

    def _wrapped(self, text: str) -> str:
        """The caption broken into as few lines as fit the figure's width."""
        renderer = _canvas(self.fig).get_renderer()
        room = self.fig.bbox.width - 12 * self.fig.dpi / PX_PER_INCH
        width = max(20, int(self.width / 5))
        while True:
            lines = textwrap.fill(text, width=width)
            self.title.set_text(lines)
            if width <= 20 or self.title.get_window_extent(renderer).width <= room:
                return lines
            width -= 4

    def update(self, state: NodeState) -> NetworkPlot:
        """Recolour and resize the nodes for the seat holders' current stance, party and money."""
        self.nodes.set_array(state.stance)
        self.nodes.set_sizes(node_sizes(state.money, smallest=6.0 * self.scale**2, largest=260.0 * self.scale**2))
        self.nodes.set_edgecolor([PARTY_COLOURS[int(p)] for p in state.party])
        self.nodes.set_linewidth(np.where(state.champion, 1.8, 0.7))  # type: ignore[arg-type]  # the stubs omit arrays, which it takes
        top = float(state.money.max()) if state.money.size else 0.0
        money = f"largest {format_dollars(top)}" if top > 0 else "none yet"
        caption = f"colour: stance · outline: party now (thick: champion) · size: donor money this cycle ({money})"
        self.title.set_text(self._wrapped(caption))
        return self


# ----------------------------------------------------------------- time series
class SaliencePlot:
    """Each issue's mean salience per step on a log scale; the target issue drawn heavy."""

    def __init__(self, issue_names: list[str], target: str, size: Size) -> None:
        self.fig, self.ax = fig, ax = _axes(size)
        self.lines = {}
        for name in issue_names:
            heavy = name == target
            (self.lines[name],) = ax.plot(
                [],
                [],
                lw=2.4 if heavy else 1.1,
                color=TARGET_COLOUR if heavy else None,
                alpha=1.0 if heavy else 0.75,
                zorder=3 if heavy else 2,
                label=f"{name} (target)" if heavy else name,
            )
        self.markers = _Markers(ax)
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(FixedLocator([0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0]))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:g}%"))
        ax.yaxis.set_minor_formatter(NullFormatter())
        _week_axis(ax)
        ax.set_ylabel("share of attention", fontsize=FONT["label"])
        ax.set_title(TITLES["salience"], fontsize=FONT["title"])
        _fit(fig, ax, _legend(fig, ax, [*self.lines.values(), *_marker_handles()], size))

    def update(self, salience: pd.DataFrame, elections: list[int], shocks: list[int]) -> SaliencePlot:
        """Show the salience series so far."""
        steps = np.arange(len(salience))
        for name, line in self.lines.items():
            line.set_data(steps, salience[name].to_numpy())
        self.markers.update(elections, shocks)
        values = salience.to_numpy()
        positive = values[values > 0]
        lo, hi = (positive.min(), positive.max()) if positive.size else (0.01, 1.0)
        self.ax.set_ylim(lo / 1.3, min(hi * 1.3, 1.0))
        self.ax.set_xlim(0, max(len(salience) - 1, 1))
        return self


class CapturePlot:
    """The capture index per step, with the even split marked."""

    def __init__(self, size: Size) -> None:
        self.fig, self.ax = fig, ax = _axes(size)
        (self.line,) = ax.plot([], [], color=TARGET_COLOUR, lw=2, label="capture index")
        ax.axhline(0.5, color="#718096", lw=0.8, ls="--")
        ax.text(0.01, 0.51, "even split", fontsize=FONT["tick"], color="#718096", va="bottom", transform=ax.get_yaxis_transform())
        self.markers = _Markers(ax)
        ax.set_ylim(0, 1.02)
        _week_axis(ax)
        ax.set_ylabel("share with industry", fontsize=FONT["label"])
        ax.set_title(TITLES["capture_index"], fontsize=FONT["title"])
        _fit(fig, ax, _legend(fig, ax, [self.line, *_marker_handles()], size))

    def update(self, capture: pd.Series, elections: list[int], shocks: list[int]) -> CapturePlot:
        """Show the capture index so far."""
        self.line.set_data(np.arange(len(capture)), capture.to_numpy())
        self.markers.update(elections, shocks)
        self.ax.set_xlim(0, max(len(capture) - 1, 1))
        return self


class OppositionPlot:
    """Legislators opposing the industry donor per step, with the muted and supporting counts for scale."""

    def __init__(self, size: Size) -> None:
        self.fig, self.ax = fig, ax = _axes(size)
        self.lines = {
            "opposing_industry": ax.plot([], [], color="#dd6b20", lw=2.4, label="opposing")[0],
            "muted": ax.plot([], [], color="#a0aec0", lw=1.1, label="muted")[0],
            "supporting_industry": ax.plot([], [], color=TARGET_COLOUR, lw=1.1, label="supporting")[0],
        }
        self.markers = _Markers(ax)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        _week_axis(ax)
        ax.set_ylabel("legislators", fontsize=FONT["label"])
        self.title = ax.set_title(TITLES["opposition"], fontsize=FONT["title"])
        _fit(fig, ax, _legend(fig, ax, [*self.lines.values(), *_marker_handles()], size))

    def update(self, stances: pd.DataFrame, elections: list[int], shocks: list[int]) -> OppositionPlot:
        """Show the stance counts so far."""
        steps = np.arange(len(stances))
        for column, line in self.lines.items():
            line.set_data(steps, stances[column].to_numpy())
        self.markers.update(elections, shocks)
        self.ax.set_xlim(0, max(len(stances) - 1, 1))
        self.ax.set_ylim(0, max(float(stances.to_numpy().max()) * 1.08, 1.0))
        self.title.set_text(f"{TITLES['opposition']}: {int(stances['opposing_industry'].iloc[-1])} now")
        return self


# --------------------------------------------------------------- bar charts
class SpendingPlot:
    """Stacked horizontal bars of donor money per race, for and against each incumbent."""

    def __init__(self, size: Size) -> None:
        self.size = size
        self.fig, self.ax = _axes(size)

    def update(self, money: pd.DataFrame) -> SpendingPlot:
        """Redraw the bars for these races (as many as fit the height, largest first)."""
        ax = self.ax
        ax.clear()
        ax.tick_params(labelsize=FONT["tick"])
        for old in list(self.fig.legends):
            old.remove()
        period = money.attrs.get("period", "")
        ax.set_title(TITLES["spending_by_race"], fontsize=FONT["title"])
        if money.empty:
            return self
        room = max(3, int((self.size.height - 28 - 40 - 40) // 15))
        races = list(dict.fromkeys(money["race"]))[:room]
        money = money[money["race"].isin(races)]
        row = {race: i for i, race in enumerate(races)}
        left = np.zeros(len(races))
        handles = []
        for (donor, side), part in money.groupby(["donor", "side"], sort=True):
            values = np.zeros(len(races))
            np.add.at(values, [row[r] for r in part["race"]], part["amount"].to_numpy())
            attack = side == "against incumbent"
            handles.append(
                ax.barh(
                    np.arange(len(races)),
                    values,
                    left=left,
                    color=DONOR_COLOURS.get(str(donor), "#718096"),
                    alpha=1.0 if attack else 0.45,
                    hatch=None if attack else "//",
                    edgecolor="white",
                    lw=0.4,
                    label=f"{donor}: {side}",
                )
            )
            left += values
        ax.set_yticks(np.arange(len(races)), races, fontsize=FONT["tick"])
        ax.invert_yaxis()
        ax.set_xlim(0, float(left.max()) * 1.04)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: format_dollars(v)))
        ax.xaxis.set_major_locator(MaxNLocator(nbins=max(2, self.size.width // 110)))
        total = money.attrs.get("n_races", len(races))
        ax.set_title(f"{TITLES['spending_by_race']} ({period}; top {len(races)} of {total})", fontsize=FONT["title"])
        legend = _legend(self.fig, ax, handles, self.size)
        _fit(self.fig, ax, legend, left=52)
        return self


class PipelinePlot:
    """The bill pipeline as a funnel of bars: introduced, gated, given a floor vote, passed."""

    def __init__(self, size: Size) -> None:
        self.fig, self.ax = _axes(size)
        _fit(self.fig, self.ax, left=88, right=28, bottom=40)

    def update(self, pipeline: dict[str, int]) -> PipelinePlot:
        """Redraw the funnel for these counts."""
        ax = self.ax
        ax.clear()
        ax.tick_params(labelsize=FONT["tick"])
        stages = list(pipeline)
        values = [pipeline[s] for s in stages]
        ax.barh(np.arange(len(stages)), values, color=["#4a5568", "#c05621", "#2b6cb0", "#2f855a"][: len(stages)])
        for i, v in enumerate(values):
            ax.text(v, i, f" {v}", va="center", fontsize=FONT["tick"])
        ax.set_yticks(np.arange(len(stages)), stages, fontsize=FONT["tick"])
        ax.invert_yaxis()
        ax.set_xlim(0, max(max(values, default=0), 1) * 1.15)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("target-issue bills", fontsize=FONT["label"], labelpad=2)
        ax.set_title(TITLES["bill_pipeline"], fontsize=FONT["title"])
        return self


# ----------------------------------------------------------- model to figures
NAMES = tuple(TITLES)


def note(name: str, model) -> str | None:
    """What the page shows instead of the named plot while it has nothing to draw; None once it has."""
    if name == "legislature":
        return None
    if name == "spending_by_race":
        if not data.race_money(model).empty:
            return None
        week = data.next_week(model, lambda w: w.campaigning)
        return "No donor money yet: donors spend during the campaign" + (f", from week {week}." if week else ".")
    if name == "bill_pipeline":
        if model.recorder.bills:
            return None
        week = data.next_week(model, lambda w: w.bill_due)
        return "No bill introduced yet" + (f": the first comes in week {week}." if week else ".")
    if model.steps == 0:
        return "Waiting for the first step."
    if name == "capture_index" and not data.capture_series(data.steps_frame(model)).notna().any():
        return "No contested decision yet: none where the industry and a district's majority disagree."
    return None


def _setup_key(name: str, model) -> tuple:
    """What a plot's construction depends on, besides its size: the plot is rebuilt only when this changes."""
    if name == "legislature":
        layout = data.layout_for(model)
        return name, data.digest(layout.xy, layout.segments), model.electorate.issue_names[model.electorate.target]
    if name == "salience":
        return name, tuple(model.electorate.issue_names), model.electorate.target
    return (name,)


def _build(name: str, model, size: Size):
    names = model.electorate.issue_names
    target = names[model.electorate.target]
    if name == "legislature":
        return NetworkPlot(data.layout_for(model), target, size)
    if name == "salience":
        return SaliencePlot(names, target, size)
    return {"capture_index": CapturePlot, "opposition": OppositionPlot, "spending_by_race": SpendingPlot, "bill_pipeline": PipelinePlot}[
        name
    ](size)


def _update(plot, name: str, model):
    if name == "legislature":
        return plot.update(data.node_state(model))
    if name == "spending_by_race":
        return plot.update(data.race_money(model))
    if name == "bill_pipeline":
        return plot.update(data.bill_pipeline(model.recorder.bills))
    steps = data.steps_frame(model)
    marks = (data.election_steps(steps), data.shock_steps(model))
    if name == "salience":
        return plot.update(data.salience_series(steps, model.electorate.issue_names), *marks)
    if name == "capture_index":
        return plot.update(data.capture_series(steps), *marks)
    return plot.update(data.stance_series(steps), *marks)


class PagePlots:
    """One page's figures at the size its browser shows them, kept across steps and Resets.

    A figure is built once per size and per what its construction depends on (the
    network's layout, the issue names), so a Reset to the same settings, which gives the
    same layout, reuses the network's drawn background; everything else is redrawn from
    the model each time it is asked for.
    """

    def __init__(self) -> None:
        self._plots: dict[str, tuple[tuple, object]] = {}

    def plot(self, name: str, model, size: Size):
        """The named plot at this size, updated to the model's current state."""
        key = (size, _setup_key(name, model))
        held = self._plots.get(name)
        if held is None or held[0] != key:
            held = self._plots[name] = (key, _build(name, model, size))
        return _update(held[1], name, model)

    def png(self, name: str, model, size: Size) -> bytes:
        """The named plot as PNG at this size."""
        plot = self.plot(name, model, size)
        if isinstance(plot, NetworkPlot):
            return plot.screen_png()
        return figure_png(plot.fig)


def figure(name: str, model, size: Size = EXPORT) -> Figure:
    """The named figure for the model's current state, freshly built; a note in place of axes while it has nothing to draw."""
    text = note(name, model)
    if text is not None:
        return note_figure(TITLES[name], text, size)
    return _update(_build(name, model, size), name, model).fig


def model_figures(model) -> dict[str, Callable[[], Figure]]:
    """Every figure of the page for a model's current state, by name, each freshly built at export size when called."""
    return {name: functools.partial(figure, name, model) for name in NAMES}


def warm_up() -> None:
    """Draw a small figure with text, so that matplotlib's font cache is ready before a page's first figures."""
    fig, ax = _axes(Size(120, 80))
    ax.set_title("warm-up", fontsize=FONT["title"])
    figure_png(fig)


def figure_png(fig: Figure) -> bytes:
    """A figure as PNG bytes at its own resolution, quickly compressed."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi, pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


def figures_zip(builders: dict[str, Callable[[], Figure]]) -> bytes:
    """Each named figure as ``<name>.png`` in one zip archive."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, build in builders.items():
            archive.writestr(f"{name}.png", figure_png(build()))
    return buffer.getvalue()


def grid(
    width: float, height: float, n: int = len(NAMES), gap: int = 12, min_width: int = 360, min_height: int = 220, max_aspect: float = 2.4
) -> tuple[int, Size]:
    """Columns and plot size for ``n`` plots in a ``width`` x ``height`` pixel area: all in view when they fit legibly.

    Each column count whose plots are at least ``min_width`` x ``min_height`` pixels when
    every row fits the height is a candidate; the largest plots win. When none fits (a
    small window) the plots keep a legible size, as many columns as are at least
    ``min_width`` wide, and the page scrolls. Plots are never wider than ``max_aspect``
    times their height.
    """
    best: tuple[float, int, Size] | None = None
    for cols in range(1, n + 1):
        w = (width - (cols - 1) * gap) / cols
        if w < min_width and cols > 1:
            break
        rows = math.ceil(n / cols)
        h = min((height - (rows - 1) * gap) / rows, w * 0.8)
        if h < min_height:
            continue
        w_used = min(w, h * max_aspect)
        area = w_used * h
        if best is None or area > best[0]:
            best = (area, cols, Size(int(w), int(h)))
    if best is not None:
        return best[1], best[2]
    cols = max(1, int((width + gap) // (min_width + gap)))
    w = (width - (cols - 1) * gap) / cols
    return cols, Size(int(w), int(min(max(min_height, w * 0.5), 340)))
