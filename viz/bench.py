"""Benchmark: how long the live view takes to open, to step and to reset, model plus rendering, at a given scenario.

``pacsim bench viz`` renders the page in-process (Solara's render tree, no browser)
and times what a click on Step costs the server: one model step and the redraw of every
monitor and plot, batched as Solara batches an event. ``--browser`` serves the page and
times round trips in Chromium instead: the first render, Step (click, wait until the
week shown changes), and Reset both straight after stepping (the model built on demand)
and once the page's stock has had time to build a spare (see :func:`in_browser`).
Each reports mean, median, 95th percentile and maximum; ``--set`` and ``--steps``
shrink or lengthen the run (the default is one whole cycle of the default scenario,
session, campaign and election), ``--repeats`` how many first renders and Resets of
each kind.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np

from pacsim.experiments.cli.common import integer_in
from pacsim.model.params import parse_value

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def summarise(times: list[float]) -> dict[str, float]:
    """How many times were taken, and their mean, median, 95th percentile and maximum in seconds."""
    t = np.asarray(times)
    return {
        "count": float(t.size),
        "mean": float(t.mean()),
        "median": float(np.median(t)),
        "p95": float(np.percentile(t, 95)),
        "max": float(t.max()),
    }


def in_process(steps: int) -> list[float]:
    """Seconds per Step as the server spends them: model step plus a batched re-render of the page."""
    import solara
    from mesa.visualization.utils import force_update

    from pacsim.viz import app

    holder: dict[str, Any] = {}
    original = app.LiveModel.__init__

    def remember(self: Any, settings: Any) -> None:
        original(self, settings)
        holder["model"] = self

    with mock.patch.object(app.LiveModel, "__init__", remember):
        _, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    model = holder["model"]
    times, model_times = [], []
    for _ in range(steps):
        start = time.perf_counter()
        with rc:
            model.step()
            model_times.append(time.perf_counter() - start)
            force_update()
        times.append(time.perf_counter() - start)
    rc.close()
    print(f"model step alone: mean {np.mean(model_times):.3f} s, p95 {np.percentile(model_times, 95):.3f} s")
    return times


def _shows_week(page: Any, week: int) -> None:
    """Wait until the page's week monitor reads ``week``."""
    page.wait_for_function(
        "n => { const e = document.querySelector('[data-testid=\"monitor-step\"]'); return e && e.textContent === String(n); }",
        arg=week,
        timeout=120_000,
    )


def in_browser(steps: int, chromium: str, repeats: int = 3) -> dict[str, list[float]]:
    """Seconds in Chromium for the first render, each Step, and Reset with and without a model built ahead.

    First render: from opening the page, in a fresh browser context each time, to the week
    monitor showing 0 (the first visit takes the model the server built as it started, the
    later ones the one its stock built meanwhile); page load is the part of it up to the
    browser's load event, Solara's own front end, for reference. Step: click, then wait
    until the page shows the next week. Reset on demand: two Steps, then Reset at once, so the page's stock
    has had no quiet moment to build a spare and the Reset builds its model itself. Reset
    with a spare: a Step, a pause long enough for the stock to build one (its quiet time plus
    the on-demand Reset's time, twice over), then Reset. Each Reset is timed from the click to
    the week monitor showing 0.
    """
    from playwright.sync_api import sync_playwright

    from pacsim.viz.command import solara_command
    from pacsim.viz.live import STOCK

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        solara_command("127.0.0.1", port, open_browser=False),
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=Path(__file__).resolve().parents[1],
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the Solara server did not come up at {url}") from None
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
            times: dict[str, list[float]] = {"page load": [], "first render": [], "step": []}
            for visit in range(repeats):
                context = browser.new_context(viewport={"width": 1500, "height": 1100})
                page = context.new_page()
                start = time.perf_counter()
                page.goto(url)
                times["page load"].append(time.perf_counter() - start)
                _shows_week(page, 0)
                times["first render"].append(time.perf_counter() - start)
                if visit < repeats - 1:
                    context.close()
                    time.sleep(STOCK.quiet + 3.0)  # the stock builds the next visit's model
            button = page.get_by_role("button", name="Step", exact=True)
            reset = page.get_by_role("button", name="Reset", exact=True)
            week = 0

            def step() -> None:
                nonlocal week
                week += 1
                start = time.perf_counter()
                button.click()
                _shows_week(page, week)
                times["step"].append(time.perf_counter() - start)

            def reset_now(case: str) -> None:
                nonlocal week
                start = time.perf_counter()
                reset.click()
                _shows_week(page, 0)
                times.setdefault(case, []).append(time.perf_counter() - start)
                week = 0

            for _ in range(steps):
                step()
            for _ in range(repeats):
                step()
                step()
                reset_now("reset on demand")
            for _ in range(repeats):
                step()
                page.wait_for_timeout(1000 * (STOCK.quiet + 2 * max(times["reset on demand"])))
                reset_now("reset with a spare")
            browser.close()
        return times
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """This benchmark's options on its ``pacsim`` subcommand."""
    parser.add_argument("--steps", type=integer_in(1, 100_000), help="steps to time (default: one cycle of the scenario)")
    parser.add_argument(
        "--set", action="append", metavar="KEY=VALUE", default=[], help="parameter override, e.g. electorate.n_voters=20000"
    )
    parser.add_argument("--browser", action="store_true", help="time the round trip in Chromium instead of in-process")
    parser.add_argument("--chromium", default="/usr/bin/chromium", help="Chromium executable (default: %(default)s)")
    parser.add_argument(
        "--repeats",
        type=integer_in(1, 1_000),
        default=3,
        help="with --browser: first renders, and Resets of each kind, to time (default: %(default)s)",
    )


def run(args: argparse.Namespace) -> int:
    """Run the benchmark and print one line of results."""
    overrides = {k: parse_value(v) for k, _, v in (s.partition("=") for s in args.set)}
    os.environ["PACSIM_VIZ_OVERRIDES"] = json.dumps(overrides)
    from pacsim.viz.live import LiveSettings, live_params

    steps = args.steps or live_params(LiveSettings.from_environment()).run.steps_per_cycle
    if not args.browser:
        result = summarise(in_process(steps))
        print(f"server step + render, overrides {overrides or 'none'}: {_line(result)}")
        return 0
    print(f"browser round trips, overrides {overrides or 'none'}:")
    for what, times in in_browser(steps, args.chromium, repeats=args.repeats).items():
        print(f"  {what:>18}: {_line(summarise(times))}")
    return 0


def _line(result: dict[str, float]) -> str:
    count = int(result["count"])
    return f"{count} {'time' if count == 1 else 'times'}, " + ", ".join(f"{k} {v:.3f} s" for k, v in result.items() if k != "count")
