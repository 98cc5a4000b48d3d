"""Benchmark: how long one step of the live view takes, model step plus rendering, at a given scenario.

``pacsim bench viz`` renders the page in-process (Solara's render tree, no browser)
and times what a click on Step costs the server: one model step and the redraw of every
monitor and plot, batched as Solara batches an event. ``--browser`` serves the page and
times the round trip in Chromium instead: click Step, wait until the week shown changes.
Both report mean, median, 95th percentile and maximum over the steps; ``--set`` and
``--steps`` shrink or lengthen the run (the default is one whole cycle of the default
scenario, session, campaign and election).
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
    """Mean, median, 95th percentile and maximum of per-step seconds."""
    t = np.asarray(times)
    return {
        "steps": float(t.size),
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


def in_browser(steps: int, chromium: str) -> list[float]:
    """Seconds per Step in Chromium: click, then wait until the page shows the next week."""
    from playwright.sync_api import sync_playwright

    from pacsim.viz.command import solara_command

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
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            page.goto(url)
            page.wait_for_selector('[data-testid="monitor-step"]', timeout=180_000)
            button = page.get_by_role("button", name="Step", exact=True)
            times = []
            for i in range(1, steps + 1):
                start = time.perf_counter()
                button.click()
                page.wait_for_function(
                    "n => document.querySelector('[data-testid=\"monitor-step\"]').textContent === String(n)", arg=i, timeout=60_000
                )
                times.append(time.perf_counter() - start)
            browser.close()
        return times
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """This benchmark's options on its ``pacsim`` subcommand."""
    parser.add_argument("--steps", type=int, help="steps to time (default: one cycle of the scenario)")
    parser.add_argument(
        "--set", action="append", metavar="KEY=VALUE", default=[], help="parameter override, e.g. electorate.n_voters=20000"
    )
    parser.add_argument("--browser", action="store_true", help="time the round trip in Chromium instead of in-process")
    parser.add_argument("--chromium", default="/usr/bin/chromium", help="Chromium executable (default: %(default)s)")


def run(args: argparse.Namespace) -> int:
    """Run the benchmark and print one line of results."""
    overrides = {k: parse_value(v) for k, _, v in (s.partition("=") for s in args.set)}
    os.environ["PACSIM_VIZ_OVERRIDES"] = json.dumps(overrides)
    from pacsim.viz.live import LiveSettings, live_params

    steps = args.steps or live_params(LiveSettings.from_environment()).run.steps_per_cycle
    times = in_browser(steps, args.chromium) if args.browser else in_process(steps)
    result = summarise(times)
    mode = "browser round trip" if args.browser else "server step + render"
    print(
        f"{mode}, overrides {overrides or 'none'}: "
        + ", ".join(f"{k} {v:.3f} s" if k != "steps" else f"{int(v)} steps" for k, v in result.items())
    )
    return 0
