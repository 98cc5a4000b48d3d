"""The live view in a real browser: Debian's Chromium, driven by Playwright, against ``solara run viz/app.py``.

The server runs a small world (``PACSIM_VIZ_OVERRIDES``) on 127.0.0.1 at a free port.
After each action the numbers on the page are compared with a model run in this process
from the same settings and seed, so the page must show what the model does. Set
``PACSIM_REQUIRE_BROWSER=1`` (as CI does) to fail instead of skipping when Chromium or
Playwright is missing.
"""

from __future__ import annotations

import contextlib
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
from pacsim.viz.command import APP
from pacsim.viz.live import OVERRIDES_ENV, LiveModel, LiveSettings

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
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


@contextlib.contextmanager
def _serve(app: Path, env: dict[str, str], log_name: str):
    """``solara run APP`` on 127.0.0.1 at a free port until the block ends; stopped by its PID."""
    port = _free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    command = [sys.executable, "-m", "solara", "run", str(app), "--host", "127.0.0.1", "--port", str(port), "--production", "--no-open"]
    url = f"http://127.0.0.1:{port}/"
    with open(ARTIFACTS / log_name, "w") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
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


@pytest.fixture(scope="module")
def server():
    """The live view, ``solara run viz/app.py`` as ``pacsim viz`` runs it, with the small world."""
    with _serve(APP, {**os.environ, OVERRIDES_ENV: json.dumps(SMALL)}, "viz-server.log") as url:
        yield url


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
                    '([k, v]) => { const e = document.querySelector(`[data-testid="${k}"]`); return e && e.textContent === v; }',
                    arg=[key, value],
                    timeout=60_000,
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


LAYOUT_JS = """() => {
  const inView = (r) => r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0
                        && r.right <= window.innerWidth + 0.5 && r.bottom <= window.innerHeight + 0.5;
  const meets = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const shown = (e) => {  // the part of an element not clipped by a scrolling or clipping ancestor
    const r = e.getBoundingClientRect();
    let [left, top, right, bottom] = [r.left, r.top, r.right, r.bottom];
    for (let p = e.parentElement; p; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (s.overflowX !== 'visible' || s.overflowY !== 'visible') {
        const q = p.getBoundingClientRect();
        [left, top, right, bottom] = [Math.max(left, q.left), Math.max(top, q.top), Math.min(right, q.right), Math.min(bottom, q.bottom)];
      }
    }
    return {left, top, right, bottom};
  };
  const scrollers = [...document.querySelectorAll('*')].filter(e => {
    const s = getComputedStyle(e);
    return (['auto', 'scroll'].includes(s.overflowY) && e.scrollHeight > e.clientHeight + 1)
        || (['auto', 'scroll'].includes(s.overflowX) && e.scrollWidth > e.clientWidth + 1);
  }).map(e => ({cls: e.className, vertical: e.scrollHeight > e.clientHeight + 1, horizontal: e.scrollWidth > e.clientWidth + 1}));
  const badgeText = [...document.querySelectorAll('b')].find(b => b.textContent.includes('This website runs on'));
  const badge = badgeText ? badgeText.parentElement.getBoundingClientRect() : null;
  const parts = [
    ...[...document.querySelectorAll('.v-navigation-drawer .v-card')].filter(e => e.offsetParent !== null)
        .map(e => ({name: 'card ' + e.querySelector('.v-card__title')?.textContent, el: e})),
    ...[...document.querySelectorAll('.v-navigation-drawer button, .v-navigation-drawer .v-input')]
        .filter(e => e.offsetParent !== null).map(e => ({name: 'control ' + e.textContent.trim().slice(0, 30), el: e})),
    {name: 'monitors', el: document.querySelector('[data-testid=monitors]')},
    ...[...document.querySelectorAll('[data-testid^=plot-]')].map(e => ({name: e.dataset.testid, el: e})),
  ];
  const images = [...document.querySelectorAll('[data-testid^=plot-] img')].map(i => ({
    natural: [i.naturalWidth, i.naturalHeight], shown: [i.clientWidth, i.clientHeight]}));
  return {
    scrollers,
    badge: badge && {left: badge.left, top: badge.top},
    outOfView: parts.filter(p => !inView(p.el.getBoundingClientRect())).map(p => p.name),
    underBadge: badge ? parts.filter(p => meets(shown(p.el), badge)).map(p => p.name) : null,
    images,
    columns: Number(document.querySelector('[data-testid=plots]').dataset.columns),
    plotsRight: Math.max(...[...document.querySelectorAll('[data-testid^=plot-]')].map(e => e.getBoundingClientRect().right)),
  };
}"""


def test_the_page_fits_1400x1000_and_stays_legible_at_1024x768(server):
    """At 1400 x 1000 everything is in view with no inner scrolling; at 1024 x 768 the plots take one legible column.

    At 1400 x 1000 every sidebar card and control, the monitors and all six plots are
    inside the window and nothing scrolls; at 1024 x 768 the plots take one column at the
    size they were drawn at and nothing scrolls sideways. At both, nothing lies under
    Solara's badge. Screenshots of both are saved to test-artifacts/.
    """
    from playwright.sync_api import sync_playwright

    chromium = _chromium()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(server)
            page.wait_for_selector('[data-testid="monitor-step"]', timeout=60_000)
            assert page.locator('[data-testid="note-salience"]').inner_text() == "Waiting for the first step."
            step_button = page.get_by_role("button", name="Step", exact=True)
            for week in range(1, 19):  # into the campaign: every plot has something to draw
                step_button.click()
                page.wait_for_function(
                    "n => document.querySelector('[data-testid=\"monitor-step\"]').textContent === String(n)", arg=week, timeout=60_000
                )

            def settled(columns: int | None = None) -> dict:
                page.wait_for_function(
                    """c => { const p = document.querySelector('[data-testid=plots]');
                              const im = [...p.querySelectorAll('img')];
                              return (c === null || Number(p.dataset.columns) === c) && im.length === 6
                                     && im.every(i => i.complete && i.naturalWidth === i.clientWidth); }""",
                    arg=columns,
                    timeout=30_000,
                )
                page.wait_for_timeout(300)
                return page.evaluate(LAYOUT_JS)

            wide = settled()
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "viz-1400x1000.png"))
            assert wide["scrollers"] == [], wide["scrollers"]
            assert wide["outOfView"] == [], wide["outOfView"]
            assert wide["badge"] is not None and wide["underBadge"] == [], wide["underBadge"]
            assert wide["columns"] >= 2
            assert all(i["natural"] == i["shown"] for i in wide["images"]), wide["images"]

            page.set_viewport_size({"width": 1024, "height": 768})
            narrow = settled(columns=1)
            page.screenshot(path=str(ARTIFACTS / "viz-1024x768.png"))
            assert all(i["natural"] == i["shown"] and i["shown"][0] >= 560 for i in narrow["images"]), narrow["images"]
            assert narrow["plotsRight"] <= 1024
            assert not any(s["horizontal"] for s in narrow["scrollers"]), narrow["scrollers"]
            assert narrow["badge"] is not None and narrow["underBadge"] == [], narrow["underBadge"]
            main = page.locator(".v-content__wrap > div")
            main.evaluate("e => e.scrollTo(0, e.scrollHeight)")
            page.wait_for_timeout(300)
            bottom = page.evaluate(LAYOUT_JS)
            assert bottom["underBadge"] == [], bottom["underBadge"]
            page.screenshot(path=str(ARTIFACTS / "viz-1024x768-scrolled.png"))
        finally:
            browser.close()


@pytest.fixture(scope="module")
def user_server():
    """A user's own SolaraViz page around PacsimModel (``tests/viz/user_page.py``), served as Solara serves any app."""
    with _serve(Path(__file__).with_name("user_page.py"), dict(os.environ), "viz-user-page-server.log") as url:
        yield url


def test_a_users_own_solaraviz_page_steps_resets_and_steps_again(user_server):
    """A user's SolaraViz page around PacsimModel: Step redraws its plots, Reset works, and Step redraws them again.

    The page uses Mesa's public components only (tests/viz/user_page.py); Reset rebuilds
    the model through Mesa's own keyword arguments, scenario included, without an error.
    """
    from playwright.sync_api import sync_playwright

    chromium = _chromium()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(user_server)
            page.get_by_text("Time: 0.0", exact=True).wait_for(timeout=60_000)
            plots = page.locator(".vue-grid-item img")

            def images() -> list[str]:
                page.wait_for_function("() => document.querySelectorAll('.vue-grid-item img').length === 2", timeout=30_000)
                return [plots.nth(i).get_attribute("src") for i in range(2)]

            def step(week: int) -> None:
                page.get_by_role("button", name="Step", exact=True).click()
                page.get_by_text(f"Time: {week}.0", exact=True).wait_for(timeout=60_000)

            def run_steps(weeks: int) -> None:
                """Step and check the plots redraw: the stance counts every week, the capture index once it has data."""
                before = images()
                capture_redrawn = False
                for week in range(1, weeks + 1):
                    step(week)
                    page.wait_for_function(
                        "b => { const im = document.querySelectorAll('.vue-grid-item img');"
                        " return im.length === 2 && im[1].getAttribute('src') !== b; }",
                        arg=before[1],
                        timeout=30_000,
                    )
                    now = images()
                    capture_redrawn |= now[0] != before[0]
                    before = now
                assert capture_redrawn, "the capture index plot never redrew"

            run_steps(8)  # past the first bills (weeks 3 and 5 of this 20-week cycle), so the capture index has values
            page.get_by_role("button", name="Reset", exact=True).click()
            page.get_by_text("Time: 0.0", exact=True).or_(page.get_by_text("Traceback")).first.wait_for(timeout=60_000)
            assert page.get_by_text("Traceback").count() == 0, page.locator("body").inner_text()[-2000:]
            assert page.locator(".v-alert.error").count() == 0, page.locator(".v-alert.error").all_inner_texts()
            run_steps(8)
            assert page.get_by_text("Traceback").count() == 0
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "viz-user-page.png"))
        finally:
            browser.close()
    log = (ARTIFACTS / "viz-user-page-server.log").read_text()
    assert "Traceback" not in log, log[-3000:]
    assert not errors, errors
