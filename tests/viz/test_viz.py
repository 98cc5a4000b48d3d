"""The live view's display data, settings, CLI command and page, tested without a browser."""

from __future__ import annotations

import io
import json
import math
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("solara")

from pacsim.model.params import FIELDS, ParameterError
from pacsim.model.scenarios import load_scenario
from pacsim.viz import data, plots
from pacsim.viz.command import DEFAULT_HOST, register, solara_command, viz_environment
from pacsim.viz.live import MAIN_CONTROLS, OVERRIDES_ENV, LiveModel, LiveSettings, env_overrides, live_params

SMALL = {
    "electorate.n_voters": 2000,
    "legislature.house_seats": 40,
    "legislature.senate_seats": 20,
    "run.steps_per_cycle": 20,
    "run.campaign_steps": 4,
}
"""A small world for quick tests: 60 seats, a 20-week cycle with a 4-week campaign."""


def small_model(**chosen) -> LiveModel:
    """A LiveModel of the small world with the given choices (dotted paths as keyword names with __)."""
    return LiveModel(LiveSettings(base=dict(SMALL), chosen={k.replace("__", "."): v for k, v in chosen.items()}))


# ----------------------------------------------------------------- settings
def test_settings_resolve_through_the_schema_without_defaults_of_their_own():
    """With nothing chosen, the live params are exactly the scenario's: the app adds no default."""
    _, ground_truth = load_scenario("default", SMALL)
    assert live_params(LiveSettings(base=dict(SMALL))) == ground_truth


def test_choose_validates_and_names_the_value():
    """A choice outside the schema's range fails with the schema's one-line message."""
    with pytest.raises(ParameterError, match=r"target\.salience.*1\.5"):
        LiveSettings(base=dict(SMALL)).choose("target.salience", 1.5)


def test_picking_a_scenario_keeps_the_seed_and_drops_other_choices():
    """The seed a user chose carries over to another scenario; slider choices start from that scenario."""
    settings = LiveSettings(base=dict(SMALL)).choose("run.seed", 7).choose("target.salience", 0.5)
    other = settings.pick_scenario("default")
    assert other.chosen == {"run.seed": 7}
    assert live_params(other).run.seed == 7


def test_environment_overrides_are_json_and_bad_json_is_a_clear_error():
    """PACSIM_VIZ_OVERRIDES is a JSON object of dotted paths; anything else is a ParameterError."""
    assert env_overrides({OVERRIDES_ENV: json.dumps(SMALL)}) == SMALL
    assert env_overrides({}) == {}
    with pytest.raises(ParameterError, match=OVERRIDES_ENV):
        env_overrides({OVERRIDES_ENV: "[1, 2]"})
    with pytest.raises(ParameterError, match=r"target\.salience"):
        LiveSettings.from_environment({OVERRIDES_ENV: json.dumps({"target.salience": 9})})


def test_live_model_replays_the_plain_model_for_the_same_seed():
    """A LiveModel is a PacsimModel built from the settings: same params and seed give the same run."""
    from pacsim.model.model import PacsimModel

    live = small_model(run__seed=3)
    _, params = load_scenario("default", {**SMALL, "run.seed": 3})
    plain = PacsimModel(params, rng=3)
    for _ in range(25):
        live.step()
        plain.step()
    pd.testing.assert_frame_equal(data.steps_frame(live), data.steps_frame(plain))


def test_main_controls_are_schema_fields_and_the_app_copies_no_default():
    """Every control is a schema field, and no control's default value appears as a literal in the app or its settings."""
    assert all(path in FIELDS for path in MAIN_CONTROLS)
    source = "\n".join((Path(data.__file__).parent / name).read_text() for name in ("app.py", "live.py", "command.py"))
    for path in MAIN_CONTROLS:
        default = FIELDS[path].default
        if isinstance(default, float) and default not in (0.0, 1.0):
            literals = {repr(default), f"{default:g}", f"{default:.0e}"} | ({f"{default:_.0f}"} if default >= 1 else set())
            found = [lit for lit in literals if re.search(rf"(?<![\w.]){re.escape(lit)}(?![\w.])", source)]
            assert not found, f"{path}'s default {default} is written into viz/: {found}"


# ------------------------------------------------------------- display data
def test_monitors_read_the_models_numbers():
    """After steps into the campaign, the monitors equal the model's steps table, donors and bills."""
    model = small_model()
    for _ in range(18):
        model.step()
    steps = model.tables()["steps"]
    last = steps.iloc[-1]
    m = data.monitors(model)
    assert m.step == 18 and m.cycle == int(last["cycle"]) and m.phase == last["phase"] == "campaign"
    assert m.house == {"D": last["house_dem"], "R": last["house_rep"]}
    assert m.senate == {"D": last["senate_dem"], "R": last["senate_rep"]}
    assert m.spent["industry"] == pytest.approx(last["spent_industry"]) and m.spent["industry"] > 0
    assert m.bills_passed == sum(b["fate"] == "passed" for b in model.recorder.bills)
    assert m.capture_index == pytest.approx(last["capture_index"], nan_ok=True)
    texts = data.monitor_texts(m)
    assert texts["step"] == "18" and texts["cycle"] == "1 of 4"
    assert texts["spent"].startswith("industry $")


def test_capture_series_is_nan_until_a_contested_decision():
    """The capture index is undefined before any contested decision, then with / contested."""
    steps = pd.DataFrame({"contested_votes": [0, 0, 4, 10], "contested_votes_with_industry": [0, 0, 3, 5]})
    ground_truth = [math.nan, math.nan, 0.75, 0.5]
    np.testing.assert_allclose(data.capture_series(steps).to_numpy(), ground_truth)


def test_bill_pipeline_counts_each_stage():
    """A gated bill, one gated in the Senate after a House vote, one failed and one passed."""

    def bill(fate, house, senate):
        return {"fate": fate, "house_yea": house[0], "house_nay": house[1], "senate_yea": senate[0], "senate_nay": senate[1]}

    bills = [
        bill("gated", (0, 0), (0, 0)),
        bill("gated", (300, 135), (0, 0)),
        bill("failed", (100, 335), (0, 0)),
        bill("passed", (300, 135), (70, 30)),
    ]
    assert data.bill_pipeline(bills) == {"introduced": 4, "gated": 2, "on the floor": 3, "passed": 1}


def test_race_money_lists_the_largest_races_with_the_models_amounts():
    """In the campaign, race money sums per race to the model's money array, largest race first."""
    model = small_model()
    for _ in range(18):
        model.step()
    frame = data.race_money(model, top=5)
    per_seat = frame.groupby("seat", sort=False)["amount"].sum()
    ground_truth = model.money.for_incumbent.sum(axis=1) + model.money.against_incumbent.sum(axis=1)
    np.testing.assert_allclose(per_seat.to_numpy(), np.sort(ground_truth)[::-1][: len(per_seat)])
    np.testing.assert_allclose(per_seat.to_numpy(), ground_truth[per_seat.index])
    assert frame.attrs["n_races"] == int((ground_truth > 0).sum())


def test_layout_is_computed_once_per_model_and_groups_chamber_and_party():
    """Frames reuse a model's layout; a new model (a Reset) gets a new one; discs hold one chamber and party each."""
    model = small_model()
    before = data.layout_computations
    first = data.layout_for(model)
    for _ in range(5):
        model.step()
        assert data.layout_for(model) is first
    assert data.layout_computations == before + 1
    data.layout_for(small_model())
    assert data.layout_computations == before + 2
    centres = np.array([c[:2] for c in first.group_centres.values()])
    radii = np.array([c[2] for c in first.group_centres.values()])
    nearest = np.argmin(np.linalg.norm(first.xy[:, None, :] - centres[None, :, :], axis=2), axis=1)
    np.testing.assert_array_equal(nearest, first.group_of)
    distance = np.linalg.norm(first.xy - centres[first.group_of], axis=1)
    assert (distance <= radii[first.group_of] + 1e-9).all()
    assert first.segments.shape == (model.observation.number_of_edges(), 2, 2)


def test_network_plot_colours_nodes_by_stance_and_sizes_them_by_money():
    """Node colours carry each seat holder's stance; the largest node is the seat with the most donor money."""
    model = small_model()
    for _ in range(18):
        model.step()
    plot = plots.PagePlots().plot("legislature", model, plots.Size(500, 300))
    nodes = plot.nodes
    state = data.node_state(model)
    np.testing.assert_array_equal(nodes.get_array(), state.stance)
    assert int(np.argmax(nodes.get_sizes())) == int(np.argmax(state.money))
    assert plot.screen_png()[:8] == b"\x89PNG\r\n\x1a\n"


def test_exports_hold_every_table_and_every_plot():
    """The CSV zip has one file per table with the model's rows; the PNG zip one image per plot."""
    model = small_model()
    for _ in range(21):
        model.step()
    tables = model.tables()
    with zipfile.ZipFile(io.BytesIO(data.tables_zip(model))) as archive:
        assert sorted(archive.namelist()) == sorted(f"{name}.csv" for name in tables)
        for name, frame in tables.items():
            assert len(pd.read_csv(archive.open(f"{name}.csv"))) == len(frame)
    with zipfile.ZipFile(io.BytesIO(plots.figures_zip(plots.model_figures(model)))) as archive:
        assert sorted(archive.namelist()) == sorted(f"{name}.png" for name in plots.NAMES)
        assert all(archive.read(n)[:4] == b"\x89PNG" for n in archive.namelist())


# -------------------------------------------------------------------- command
def test_viz_command_binds_localhost_and_checks_parameters_first():
    """``pacsim viz`` defaults to 127.0.0.1, passes the overrides as JSON, and rejects a bad value before starting."""
    import argparse

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["viz", "--set", "electorate.n_voters=5000"])
    assert args.host == DEFAULT_HOST == "127.0.0.1"
    command = solara_command(args.host, args.port, args.open)
    assert command[command.index("--host") + 1] == "127.0.0.1" and command[-1] == "--no-open"
    env = viz_environment(args.scenario, args.set, environ={})
    assert json.loads(env[OVERRIDES_ENV]) == {"electorate.n_voters": 5000}
    with pytest.raises(ParameterError, match=r"target\.salience"):
        viz_environment("default", ["target.salience=2"], environ={})


def test_cli_rejects_a_bad_viz_parameter_with_exit_code_2(capsys):
    """The pacsim entry point reports a bad --set for viz in one line, exit code 2."""
    from pacsim.experiments.cli import main

    assert main(["viz", "--set", "target.salience=2"]) == 2
    assert "target.salience" in capsys.readouterr().err


# ------------------------------------------------------------------- the page
def test_page_steps_resets_and_fires_a_shock_in_process(monkeypatch):
    """The page rendered in-process: Step advances the monitors, a shock raises salience, Reset keeps a choice."""
    import ipyvuetify as v
    import ipywidgets as widgets
    import solara

    monkeypatch.setenv(OVERRIDES_ENV, json.dumps(SMALL))
    from pacsim.viz import app

    _, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)

    def text(key):
        return rc.find(v.Html, attributes={"data-testid": f"monitor-{key}"}).widget.children[0]

    def click(label):
        rc.find(v.Btn, children=[label]).widget.click()

    assert text("step") == "0"
    assert rc.find(v.Html, attributes={"data-testid": "note-salience"}).widgets
    for _ in range(3):
        click("Step")
    assert text("step") == "3"
    assert not rc.find(v.Html, attributes={"data-testid": "note-salience"}).widgets
    image = rc.find(v.Html, attributes={"data-testid": "plot-salience"}).find(widgets.Image).widget
    assert image.value[:4] == b"\x89PNG"
    reference = small_model()
    for _ in range(3):
        reference.step()
    assert text("salience") == data.monitor_texts(data.monitors(reference))["salience"]

    shock = next(b for b in rc.find(v.Btn).widgets if str(b.children[0]).startswith("Fire a shock"))
    before = float(text("salience").rstrip("%"))
    shock.click()
    click("Step")
    click("Step")
    assert float(text("salience").rstrip("%")) > before

    slider = rc.find(v.Html, attributes={"data-testid": "field-target.salience"}).find(v.Slider).widget
    slider.v_model = 0.3
    assert rc.find(v.Html, attributes={"data-testid": "control-target.salience"}).widget.children[0] == "0.300"
    click("Reset")
    assert text("step") == "0"
    assert rc.find(v.Html, attributes={"data-testid": "control-target.salience"}).widget.children[0] == "0.300"
    chosen = small_model(target__salience=0.3)
    assert text("salience") == data.monitor_texts(data.monitors(chosen))["salience"]
    rc.close()


def test_solaras_front_end_assets_are_installed_for_offline_use():
    """Every CDN package the Solara page loads (at the version it asks for) is in the local asset cache."""
    import sys

    import solara.server.settings as server_settings

    solara_dir = Path(__import__("solara").__file__).parent
    sources = [
        (solara_dir / "server/templates/solara.html.j2").read_text(),
        (solara_dir / "widgets/vue/gridlayout.vue").read_text(),
        server_settings.assets.fontawesome_path,
    ]
    wanted = set()
    for text in sources:
        wanted |= set(re.findall(r"/((?:@[\w-]+/)?[\w.-]+@\d[\w.-]*)/", text))
    wanted = {w for w in wanted if "vuetify3" not in w}
    assert any(w.startswith("@widgetti/solara-vuetify-app@") for w in wanted)
    cache = Path(sys.prefix) / "share/solara/cdn"
    missing = sorted(w for w in wanted if not (cache / w).is_dir())
    assert not missing, f"not in {cache}: {missing} (install solara-assets matching solara)"


@pytest.mark.parametrize("name", __import__("pacsim.model.scenarios", fromlist=["list_scenarios"]).list_scenarios())
def test_every_shipped_scenario_opens_in_the_live_view(name):
    """Picking a shipped scenario builds its params exactly, and its model steps with monitors and plots."""
    settings = LiveSettings(base=dict(SMALL)).pick_scenario(name)
    _, ground_truth = load_scenario(name, SMALL)
    assert live_params(settings) == ground_truth
    model = LiveModel(settings)
    for _ in range(3):
        model.step()
    assert data.monitor_texts(data.monitors(model))["step"] == "3"
    assert plots.PagePlots().png("legislature", model, plots.Size(500, 300))[:4] == b"\x89PNG"


# ------------------------------------------------------------ plots at a size
def test_grid_puts_every_plot_in_view_when_they_fit_legibly_and_keeps_them_legible_when_not():
    """In a 1400 x 1000 window's plot area all six plots fit; in a 1024 x 768 one they keep a legible size and scroll."""
    cols, size = plots.grid(1004, 749)  # what Chromium reports at 1400 x 1000, less the main area's padding
    rows = math.ceil(len(plots.NAMES) / cols)
    assert cols >= 2
    assert cols * size.width + (cols - 1) * 12 <= 1004 and rows * size.height + (rows - 1) * 12 <= 749
    assert size.width >= 360 and size.height >= 220
    cols, size = plots.grid(628, 470)
    assert (cols, size.width) == (1, 628) and size.height >= 220


def test_plots_are_drawn_at_the_size_shown_with_text_of_at_least_eleven_pixels():
    """Each figure's PNG has the pixel size asked for (times the pixel ratio), and no text on it is under 11 CSS pixels."""
    from matplotlib.text import Text

    model = small_model()
    for _ in range(18):
        model.step()
    page_plots = plots.PagePlots()
    for size in (plots.Size(501, 244), plots.Size(628, 314), plots.Size(400, 260, 2.0)):
        for name in plots.NAMES:
            png = page_plots.png(name, model, size)
            from PIL import Image

            assert Image.open(io.BytesIO(png)).size == (round(size.width * size.ratio), round(size.height * size.ratio)), name
            fig = page_plots.plot(name, model, size).fig
            texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
            assert texts, name
            smallest = min(t.get_fontsize() for t in texts) * plots.PX_PER_INCH / 72
            assert smallest >= 11, (name, smallest)


def test_time_series_have_integer_week_ticks_and_legends_outside_the_axes():
    """Three steps in, the week axis ticks only whole weeks; each legend sits beside or below the axes, never on them."""
    model = small_model()
    for _ in range(3):
        model.step()
    page_plots = plots.PagePlots()
    for size in (plots.Size(501, 244), plots.Size(380, 300)):
        for name in ("salience", "capture_index", "opposition"):
            fig = page_plots.plot(name, model, size).fig
            fig.canvas.draw()
            ax = fig.axes[0]
            lo, hi = ax.get_xlim()
            ticks = [t for t in ax.get_xticks() if lo <= t <= hi]
            assert len(ticks) >= 2 and all(float(t).is_integer() for t in ticks), (name, ticks)
            legend = ax.get_legend() or fig.legends[0]
            box, axes_box = legend.get_window_extent(), ax.get_window_extent()
            assert not box.overlaps(axes_box), (name, size)
            assert box.x0 >= 0 and box.x1 <= fig.bbox.width + 1 and box.y0 >= 0, (name, size)


def test_plots_with_nothing_to_draw_yet_say_so_instead_of_showing_empty_axes():
    """At week 0 the time series wait for the first step; money and bills name the week they start, from the calendar."""
    model = small_model()
    assert plots.note("legislature", model) is None
    for name in ("salience", "capture_index", "opposition"):
        assert plots.note(name, model) == "Waiting for the first step."
    campaign_opens = SMALL["run.steps_per_cycle"] - SMALL["run.campaign_steps"]  # week 16 of a 20-week cycle, counted from 1
    assert data.next_week(model, lambda w: w.campaigning) == campaign_opens
    assert f"from week {campaign_opens}." in plots.note("spending_by_race", model)
    first_bill = data.next_week(model, lambda w: w.bill_due)
    assert f"week {first_bill}" in plots.note("bill_pipeline", model)
    for _ in range(first_bill):
        model.step()
    assert model.recorder.bills and plots.note("bill_pipeline", model) is None
    assert all(plots.note(name, model) is None for name in ("salience", "opposition"))
    for _ in range(campaign_opens - first_bill):
        model.step()
    assert plots.note("spending_by_race", model) is None
    fig = plots.figure("spending_by_race", small_model())
    assert not fig.axes and any("No donor money yet" in t.get_text() for t in fig.texts)


def test_a_reset_to_the_same_settings_reuses_the_drawn_network():
    """Two models from the same settings have the same layout, so the page keeps the network plot and its background."""
    page_plots = plots.PagePlots()
    size = plots.Size(501, 244)
    first = page_plots.plot("legislature", small_model(), size)
    first.screen_png()
    assert page_plots.plot("legislature", small_model(), size) is first and first._background is not None
    assert page_plots.plot("legislature", small_model(run__seed=5), size) is not first


def test_the_network_is_drawn_once_at_week_0_at_the_size_the_browser_reports(monkeypatch):
    """Until the browser reports its room the network shows a note; then it is drawn once, at the reported room's plot size."""
    import ipyvuetify as v
    import ipywidgets as widgets
    import solara

    monkeypatch.setenv(OVERRIDES_ENV, json.dumps(SMALL))
    from pacsim.viz import app

    drawn: list[tuple[str, plots.Size]] = []
    original = plots.PagePlots.png

    def counted(self, name, model, size):
        drawn.append((name, size))
        return original(self, name, model, size)

    monkeypatch.setattr(plots.PagePlots, "png", counted)
    _, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    cell = rc.find(v.Html, attributes={"data-testid": "plot-legislature"})
    assert cell.find(v.Html, attributes={"data-testid": "note-legislature"}).widget.children == [app.WAITING_FOR_ROOM]
    assert drawn == []
    rc.find(app.SizeProbe).widget.size = {"width": 900, "height": 700, "ratio": 1}
    _, size = plots.grid(900, 700 - app.MAIN_PADDING, gap=app.GAP)
    assert drawn == [("legislature", plots.Size(size.width, size.height, 1.0))]
    assert cell.find(widgets.Image).widget.value[:4] == b"\x89PNG"
    rc.close()


# ------------------------------------------------------------ models built ahead
def test_the_stock_hands_out_once_a_model_built_exactly_as_on_demand():
    """A model from the stock steps exactly as one built now from the same settings, and is handed out only once."""
    from pacsim.viz.live import ModelStock

    stock = ModelStock(quiet=0.0)
    settings = LiveSettings(base=dict(SMALL))
    stock.prepare(LiveModel, settings)
    stock.wait()
    ahead = stock.take(LiveModel, settings)
    assert ahead is not None and ahead.steps == 0
    assert stock.take(LiveModel, settings) is None
    built_now = small_model()
    for _ in range(19):
        ahead.step()
        built_now.step()
    pd.testing.assert_frame_equal(data.steps_frame(ahead), data.steps_frame(built_now))
    assert stock.take(LiveModel, settings.choose("target.salience", 0.3)) is None


def test_a_stocked_reset_takes_the_model_built_ahead_and_orders_the_next():
    """LiveModel(Stocked(...)), as Mesa's Reset calls it, returns the stock's model for the current settings and orders another."""
    from pacsim.viz.live import ModelStock, Stocked

    stock = ModelStock(quiet=0.0)
    settings = LiveSettings(base=dict(SMALL))
    stock.prepare(LiveModel, settings)
    stock.wait()
    (ahead,) = stock._ready.values()
    model = LiveModel(Stocked(lambda: settings, stock))
    assert model is ahead and model.steps == 0 and model.settings == settings
    stock.wait()
    assert stock.built == 2
    following = stock.take(LiveModel, settings)
    assert following is not None and following is not model
