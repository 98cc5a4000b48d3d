"""Matplotlib figures of the live view, drawn from the display data in :mod:`viz.data`.

Each plot is a small class that builds its figure once and redraws only what a new frame
changes (line data, node colours and sizes, markers): building a figure costs more than
drawing it, and the page redraws every step. ``Plot().update(...)`` on a fresh instance
is the pure form used for export. Figures are ``matplotlib.figure.Figure`` objects, never
pyplot's global state, so they are safe in Solara's render threads.
"""

from __future__ import annotations

import io
import weakref
import zipfile
from collections.abc import Callable

import matplotlib

matplotlib.use("Agg")

import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from PIL import Image  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullFormatter  # noqa: E402

from pacsim.agents.enums import Chamber, Party  # noqa: E402
from pacsim.viz import data  # noqa: E402
from pacsim.viz.data import Layout, NodeState, format_dollars, node_sizes  # noqa: E402

PARTY_COLOURS = {Party.DEM.value: "#2b6cb0", Party.REP.value: "#c53030"}
STANCE_CMAP = "PuOr"
"""Orange for stances against the industry (regulation), purple for the industry's side."""
DONOR_COLOURS = {"industry": "#6b46c1", "opposing": "#dd6b20"}
TARGET_COLOUR = "#6b46c1"
ELECTION_STYLE = {"color": "#a0aec0", "lw": 0.8, "ls": ":"}
SHOCK_STYLE = {"color": "#e53e3e", "lw": 1.2, "ls": "--"}
FIGSIZE = (6.0, 3.6)
DPI = 90


def _figure(size: tuple[float, float] = FIGSIZE, left: float = 0.13, bottom: float = 0.15) -> tuple[Figure, object]:
    fig = Figure(figsize=size, dpi=DPI)
    fig.subplots_adjust(left=left, right=0.97, top=0.9, bottom=bottom)
    ax = fig.add_subplot()
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _legend_below(ax, handles: list) -> None:
    """A legend under the x axis, so that it never hides a line."""
    ax.legend(handles=handles, fontsize=7, frameon=False, ncols=4, loc="upper center", bbox_to_anchor=(0.5, -0.24))


def _marker_handles() -> list[Line2D]:
    return [Line2D([], [], **ELECTION_STYLE, label="election"), Line2D([], [], **SHOCK_STYLE, label="salience shock")]


class _Markers:
    """Vertical lines at elections and shocks, redrawn only when their list changes."""

    def __init__(self, ax) -> None:
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


# ---------------------------------------------------------------- the network
class NetworkPlot:
    """Legislators as nodes in four discs (chamber × party at reset): colour is stance, size donor money, edges who observes whom."""

    def __init__(self, layout: Layout, target_name: str) -> None:
        self.fig = Figure(figsize=FIGSIZE, dpi=DPI)
        ax = self.fig.add_axes((0.0, 0.0, 0.84, 0.86))
        ax.set_axis_off()
        ax.add_collection(LineCollection(layout.segments, colors="#a0aec0", linewidths=0.3, alpha=0.35, zorder=1))
        n = layout.xy.shape[0]
        self.nodes = nx.draw_networkx_nodes(
            nx.empty_graph(n), dict(enumerate(layout.xy)), ax=ax, node_size=np.full(n, 6.0),
            node_color=np.zeros(n), cmap=STANCE_CMAP, vmin=-1.0, vmax=1.0, linewidths=0.7,
        )
        self.nodes.set_zorder(2)
        for (chamber, party), (cx, cy, radius) in layout.group_centres.items():
            name = f"{'House' if chamber is Chamber.HOUSE else 'Senate'} · {'Democrats' if party is Party.DEM else 'Republicans'}"
            ax.text(cx, cy + radius + 0.06, name, ha="center", va="bottom", fontsize=8.5, color=PARTY_COLOURS[party.value])
        ax.set_xlim(-1.75, 1.75)
        ax.set_ylim(-1.25, 1.35)
        ax.set_aspect("equal")
        bar = self.fig.colorbar(self.nodes, cax=self.fig.add_axes((0.85, 0.15, 0.025, 0.6)), ticks=[-1, 0, 1])
        bar.ax.set_yticklabels(["against\nindustry", "neutral", "industry"], fontsize=7.5)
        bar.set_label(f"stance on {target_name}", fontsize=8)
        self.title = self.fig.text(0.42, 0.985, "", ha="center", va="top", fontsize=8.5, color="#4a5568")
        self._background = None

    def screen_png(self) -> bytes:
        """The figure as PNG at screen resolution, redrawing only nodes and title over a cached background.

        Edges, labels and the colour bar do not change within a model's run, so they are
        drawn once; a frame then costs drawing the nodes rather than every edge.
        """
        canvas = self.fig.canvas if isinstance(self.fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(self.fig)
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

    def update(self, state: NodeState) -> NetworkPlot:
        """Recolour and resize the nodes for the seat holders' current stance, party and money."""
        self.nodes.set_array(state.stance)
        self.nodes.set_sizes(node_sizes(state.money))
        self.nodes.set_edgecolor([PARTY_COLOURS[int(p)] for p in state.party])
        self.nodes.set_linewidths(np.where(state.champion, 1.8, 0.7))
        top = float(state.money.max()) if state.money.size else 0.0
        money = f"largest {format_dollars(top)}" if top > 0 else "none yet"
        self.title.set_text(f"The legislature: outline = party now, thick outline = champion\nnode size = donor money this cycle ({money})")
        return self


# ----------------------------------------------------------------- time series
class SaliencePlot:
    """Each issue's mean salience per step on a log scale; the target issue drawn heavy."""

    def __init__(self, issue_names: list[str], target: str) -> None:
        self.fig, self.ax = _figure(bottom=0.3)
        ax = self.ax
        self.lines = {}
        for name in issue_names:
            heavy = name == target
            (self.lines[name],) = ax.plot([], [], lw=2.4 if heavy else 1.1, color=TARGET_COLOUR if heavy else None,
                                          alpha=1.0 if heavy else 0.75, zorder=3 if heavy else 2,
                                          label=f"{name} (target)" if heavy else name)
        self.markers = _Markers(ax)
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(FixedLocator([0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0]))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:g}%"))
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("week")
        ax.set_ylabel("mean share of attention")
        ax.set_title("Issue salience", fontsize=10)
        _legend_below(ax, [*self.lines.values(), *_marker_handles()])

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

    def __init__(self) -> None:
        self.fig, self.ax = _figure(bottom=0.27)
        ax = self.ax
        (self.line,) = ax.plot([], [], color=TARGET_COLOUR, lw=2, label="capture index")
        ax.axhline(0.5, color="#718096", lw=0.8, ls="--")
        ax.text(0.01, 0.51, "even split", fontsize=7, color="#718096", va="bottom", transform=ax.get_yaxis_transform())
        self.markers = _Markers(ax)
        self.note = ax.text(0.5, 0.75, "", ha="center", va="center", transform=ax.transAxes, color="#718096")
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("week")
        ax.set_ylabel("share with industry")
        ax.set_title("Capture index: contested decisions won by the industry", fontsize=10)
        _legend_below(ax, [self.line, *_marker_handles()])

    def update(self, capture: pd.Series, elections: list[int], shocks: list[int]) -> CapturePlot:
        """Show the capture index so far."""
        self.line.set_data(np.arange(len(capture)), capture.to_numpy())
        self.markers.update(elections, shocks)
        self.note.set_text("" if capture.notna().any() else "No contested roll calls yet")
        self.ax.set_xlim(0, max(len(capture) - 1, 1))
        return self


class OppositionPlot:
    """Legislators opposing the industry donor per step, with the muted and supporting counts for scale."""

    def __init__(self) -> None:
        self.fig, self.ax = _figure(bottom=0.27)
        ax = self.ax
        self.lines = {
            "opposing_industry": ax.plot([], [], color="#dd6b20", lw=2.4, label="opposing")[0],
            "muted": ax.plot([], [], color="#a0aec0", lw=1.1, label="muted")[0],
            "supporting_industry": ax.plot([], [], color=TARGET_COLOUR, lw=1.1, label="supporting")[0],
        }
        self.markers = _Markers(ax)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("week")
        ax.set_ylabel("legislators")
        self.title = ax.set_title("", fontsize=10)
        _legend_below(ax, [*self.lines.values(), *_marker_handles()])

    def update(self, stances: pd.DataFrame, elections: list[int], shocks: list[int]) -> OppositionPlot:
        """Show the stance counts so far."""
        steps = np.arange(len(stances))
        for column, line in self.lines.items():
            line.set_data(steps, stances[column].to_numpy())
        self.markers.update(elections, shocks)
        self.ax.set_xlim(0, max(len(stances) - 1, 1))
        self.ax.set_ylim(0, max(float(stances.to_numpy().max()) * 1.08, 1.0))
        self.title.set_text(f"Legislators opposing the industry: {int(stances['opposing_industry'].iloc[-1])} now")
        return self


# --------------------------------------------------------------- bar charts
class SpendingPlot:
    """Stacked horizontal bars of donor money per race, for and against each incumbent."""

    def __init__(self) -> None:
        self.fig, self.ax = _figure(left=0.1)

    def update(self, money: pd.DataFrame) -> SpendingPlot:
        """Redraw the bars for these races."""
        ax = self.ax
        ax.clear()
        period = money.attrs.get("period", "")
        if money.empty:
            ax.text(0.5, 0.5, "No donor money yet: donors spend during the campaign", ha="center", va="center",
                    transform=ax.transAxes, color="#718096")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title("Donor spending by race", fontsize=10)
            return self
        races = list(dict.fromkeys(money["race"]))
        row = {race: i for i, race in enumerate(races)}
        left = np.zeros(len(races))
        for (donor, side), part in money.groupby(["donor", "side"], sort=True):
            values = np.zeros(len(races))
            np.add.at(values, [row[r] for r in part["race"]], part["amount"].to_numpy())
            attack = side == "against incumbent"
            ax.barh(np.arange(len(races)), values, left=left, color=DONOR_COLOURS.get(donor, "#718096"),
                    alpha=1.0 if attack else 0.45, hatch=None if attack else "//", edgecolor="white", lw=0.4,
                    label=f"{donor}: {side}")
            left += values
        ax.set_yticks(np.arange(len(races)), races, fontsize=8)
        ax.invert_yaxis()
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: format_dollars(v)))
        ax.legend(fontsize=7, frameon=False, loc="lower right")
        total = money.attrs.get("n_races", len(races))
        ax.set_title(f"Donor spending by race ({period}; top {len(races)} of {total})", fontsize=10)
        return self


class PipelinePlot:
    """The bill pipeline as a funnel of bars: introduced, gated, given a floor vote, passed."""

    def __init__(self) -> None:
        self.fig, self.ax = _figure((6.0, 2.6), left=0.2, bottom=0.22)

    def update(self, pipeline: dict[str, int]) -> PipelinePlot:
        """Redraw the funnel for these counts."""
        ax = self.ax
        ax.clear()
        stages = list(pipeline)
        values = [pipeline[s] for s in stages]
        ax.barh(np.arange(len(stages)), values, color=["#4a5568", "#c05621", "#2b6cb0", "#2f855a"][: len(stages)])
        for i, v in enumerate(values):
            ax.text(v, i, f" {v}", va="center", fontsize=9)
        ax.set_yticks(np.arange(len(stages)), stages)
        ax.invert_yaxis()
        ax.set_xlim(0, max(max(values, default=0), 1) * 1.15)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("target-issue bills")
        ax.set_title("Bill pipeline", fontsize=10)
        return self


# ----------------------------------------------------------- model to figures
class ModelPlots:
    """Every plot of the page for one model, built on first use and updated from the model's current state."""

    NAMES = ("legislature", "salience", "capture_index", "opposition", "spending_by_race", "bill_pipeline")

    def __init__(self, model) -> None:
        self.model = model
        self._plots: dict[str, object] = {}

    def _plot(self, name: str):
        plot = self._plots.get(name)
        if plot is None:
            m = self.model
            names = m.electorate.issue_names
            target = names[m.electorate.target]
            plot = {
                "legislature": lambda: NetworkPlot(data.layout_for(m), target),
                "salience": lambda: SaliencePlot(names, target),
                "capture_index": CapturePlot,
                "opposition": OppositionPlot,
                "spending_by_race": SpendingPlot,
                "bill_pipeline": PipelinePlot,
            }[name]()
            self._plots[name] = plot
        return plot

    def screen_png(self, name: str) -> bytes:
        """The named figure, updated, as PNG at screen resolution (the page's image)."""
        fig = self.figure(name)
        if name == "legislature":
            return self._plots[name].screen_png()
        return figure_png(fig, dpi=DPI)

    def figure(self, name: str) -> Figure:
        """The named figure, updated to the model's current state."""
        m = self.model
        plot = self._plot(name)
        if name == "legislature":
            return plot.update(data.node_state(m)).fig
        if name == "spending_by_race":
            return plot.update(data.race_money(m)).fig
        if name == "bill_pipeline":
            return plot.update(data.bill_pipeline(m.recorder.bills)).fig
        steps = data.steps_frame(m)
        marks = (data.election_steps(steps), data.shock_steps(m))
        if name == "salience":
            return plot.update(data.salience_series(steps, m.electorate.issue_names), *marks).fig
        if name == "capture_index":
            return plot.update(data.capture_series(steps), *marks).fig
        return plot.update(data.stance_series(steps), *marks).fig


_LIVE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def live_plots(model) -> ModelPlots:
    """The page's plots for a model, kept for the model's lifetime (one set per Reset)."""
    plots = _LIVE.get(model)
    if plots is None:
        plots = _LIVE[model] = ModelPlots(model)
    return plots


def model_figures(model) -> dict[str, Callable[[], Figure]]:
    """Every figure of the page for a model's current state, by name, each freshly built when called."""
    return {name: (lambda name=name: ModelPlots(model).figure(name)) for name in ModelPlots.NAMES}


def figure_png(fig: Figure, dpi: float | None = None) -> bytes:
    """A figure as PNG bytes: for export at twice the screen resolution, for the screen (``dpi`` given) quickly compressed."""
    buffer = io.BytesIO()
    fast = {"pil_kwargs": {"compress_level": 1}} if dpi is not None else {}
    fig.savefig(buffer, format="png", dpi=dpi or 2 * DPI, **fast)
    return buffer.getvalue()


def figures_zip(builders: dict[str, Callable[[], Figure]]) -> bytes:
    """Each named figure as ``<name>.png`` in one zip archive."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, build in builders.items():
            archive.writestr(f"{name}.png", figure_png(build()))
    return buffer.getvalue()
