"""The live view in a real browser: Debian's Chromium, driven by Playwright, against ``solara run viz/app.py``.

The server runs a small world (``PACSIM_VIZ_OVERRIDES``) on 127.0.0.1 at a free port.
After each action the numbers on the page are compared with a model run in this process
from the same settings and seed, so the page must show what the model does. Set
``PACSIM_REQUIRE_BROWSER=1`` (as CI does) to fail instead of skipping when Chromium or
Playwright is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from pacsim.viz import data
from pacsim.viz.command import solara_command
from pacsim.viz.live import OVERRIDES_ENV, LiveModel, LiveSettings

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
SMALL = {
    "electorate.n_voters": 3000,
    "legislature.house_seats": 60,
    "legislature.senate_seats": 20,
    "run.steps_per_cycle": 20,
    "run.campaign_steps": 4,
}
"""A small world: 80 seats and a 20-week cycle whose campaign starts in week 16."""

pytestmark = pytest.mark.slow


def _chromium() -> str:
    """Path of Chromium, or skip (fail when PACSIM_REQUIRE_BROWSER is set)."""
    path = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        path = None
    if path is None:
        message = "Chromium (apt-get install chromium) and the playwright package are needed for the browser test"
        if os.environ.get("PACSIM_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    """``solara run viz/app.py`` on 127.0.0.1 with the small world; stopped by its PID afterwards."""
    port = _free_port()
    env = {**os.environ, OVERRIDES_ENV: json.dumps(SMALL)}
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / "viz-server.log", "w")
    proc = subprocess.Popen(solara_command("127.0.0.1", port, open_browser=False), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the Solara server did not come up at {url}; see {log.name}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        log.close()


def reference(**chosen) -> LiveModel:
    """The model the page should be running: the small world with the user's choices."""
    return LiveModel(LiveSettings(base=dict(SMALL), chosen=chosen))


def expected(model: LiveModel) -> dict[str, str]:
    """The monitor texts the page should show for this model."""
    return data.monitor_texts(data.monitors(model))


def test_the_page_follows_the_model_through_step_shock_slider_and_reset(server):
    """Step, fire a shock, move a slider and reset in Chromium; the monitors match the model each time."""
    from playwright.sync_api import sync_playwright

    chromium = _chromium()
    failed: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1150})
            page.on("requestfailed", lambda r: failed.append(f"failed {r.url}"))
            page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
            page.goto(server)

            def shown() -> dict[str, str]:
                return {key: page.locator(f'[data-testid="monitor-{key}"]').inner_text() for key in expected(reference())}

            def wait_for(key: str, value: str) -> None:
                page.wait_for_function(
                    "([k, v]) => { const e = document.querySelector(`[data-testid=\"${k}\"]`); return e && e.textContent === v; }",
                    arg=[key, value], timeout=60_000,
                )

            step_button = page.get_by_role("button", name="Step", exact=True)

            def step(times: int) -> float:
                start = time.perf_counter()
                for _ in range(times):
                    now = int(page.locator('[data-testid="monitor-step"]').inner_text())
                    step_button.click()
                    wait_for("monitor-step", str(now + 1))
                return (time.perf_counter() - start) / times

            wait_for("monitor-step", "0")
            model = reference()
            assert shown() == expected(model)

            # Step: the week advances and every monitor matches the model after the same steps.
            per_step = step(5)
            for _ in range(5):
                model.step()
            assert shown() == expected(model)

            # Into the campaign: donor money starts to flow, exactly as the model spends it.
            before = shown()["spent"]
            step(13)
            for _ in range(13):
                model.step()
            assert shown()["phase"] == "campaign"
            assert shown()["spent"] != before
            assert shown() == expected(model)

            # Shock: target salience rises over the next weeks, as in the model given the same shock.
            salience_before = float(shown()["salience"].rstrip("%"))
            page.get_by_role("button", name="Fire a shock").click()
            step(2)
            model.fire_shock()
            for _ in range(2):
                model.step()
            assert float(shown()["salience"].rstrip("%")) > salience_before
            assert shown() == expected(model)

            # Slider: target salience up ten notches; it applies at Reset and survives it.
            chosen = page.locator('[data-testid="control-target.salience"]')
            start = chosen.inner_text()
            assert float(start) == model.params.target.salience
            thumb = page.locator('[data-testid="field-target.salience"] [role="slider"]')
            thumb.focus()
            for _ in range(10):
                thumb.press("ArrowRight")
            readings = [start]
            for _ in range(40):  # until the ten key presses have all reached the server
                page.wait_for_timeout(250)
                readings.append(chosen.inner_text())
                if len(readings) > 3 and readings[-1] == readings[-2] == readings[-3] != start:
                    break
            value = float(readings[-1])
            assert value > float(start)
            page.get_by_text("Press Reset to run with these settings").wait_for()
            page.get_by_role("button", name="Reset", exact=True).click()
            wait_for("monitor-step", "0")
            assert chosen.inner_text() == f"{value:.3f}"
            model = reference(**{"target.salience": value})
            assert shown() == expected(model)
            step(3)
            for _ in range(3):
                model.step()
            assert shown() == expected(model)

            step(19)
            page.wait_for_timeout(500)
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "viz-browser.png"), full_page=True)
            print(f"browser round trip per step (small world): {per_step:.3f} s")
        finally:
            browser.close()
    assert not failed, f"requests failed (assets must load offline): {failed[:5]}"
