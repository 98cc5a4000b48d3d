"""The README's examples with Mesa's own tools run as written: a user's SolaraViz page and a ``mesa.batch_run`` call."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("solara")

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def block(name: str) -> str:
    """The README's Python block labelled with this file name (```python NAME)."""
    (code,) = re.findall(rf"```python {re.escape(name)}\n(.*?)```", README, flags=re.S)
    return code


@pytest.mark.slow
def test_readme_solaraviz_page_steps_resets_and_steps_again():
    """The README's page, rendered in-process: Step redraws Mesa's plots, Reset rebuilds the model, Step redraws again."""
    import ipyvuetify as v
    import ipywidgets as widgets
    import solara

    namespace: dict = {}
    exec(compile(block("my_page.py"), "my_page.py", "exec"), namespace)
    _, rc = solara.render(solara.AppLayout(children=[namespace["page"]]), handle_error=False)
    try:

        def click(label: str) -> None:
            rc.find(v.Btn, children=[label]).widget.click()

        def images() -> list[bytes]:
            return [w.value for w in rc.find(widgets.Image).widgets]

        def shown_time() -> str:
            shown = [
                c.children[0]
                for card in rc.find(v.CardText).widgets
                for c in card.children
                if getattr(c, "children", None) and str(c.children[0]).startswith("Time: ")
            ]
            (text,) = shown
            return text

        assert len(images()) == 2 and shown_time() == "Time: 0.0"
        before = images()
        click("Step")
        click("Step")
        assert shown_time() == "Time: 2.0"
        assert images()[1] != before[1]  # legislators opposing the industry, drawn over two weeks
        click("Reset")
        assert shown_time() == "Time: 0.0"
        after_reset = images()
        click("Step")
        assert shown_time() == "Time: 1.0" and images()[1] != after_reset[1]
    finally:
        rc.close()


@pytest.mark.slow
def test_readme_batch_run_gives_a_capture_index_per_run():
    """The README's ``mesa.batch_run`` call prints the schema's parameters and one capture index per salience and seed."""
    proc = subprocess.run([sys.executable, "-c", block("batch_run.py")], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.strip().splitlines()
    assert lines[0].startswith("target.salience 0.02 0.0 1.0") and lines[1].startswith("industry.budget")
    rows = [line.split() for line in lines[3:]]
    assert sorted((float(r[1]), int(r[2])) for r in rows) == [(0.02, 1), (0.02, 2), (0.3, 1), (0.3, 2)]
    assert all(0.0 <= float(r[3]) <= 1.0 for r in rows)
