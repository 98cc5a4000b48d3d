"""Shared pieces of reports: a configured pyplot, figure saving, Markdown tables and citation lines."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd


def pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend, styled for reports."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {"figure.dpi": 110, "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3, "font.size": 10}
    )
    return plt


def save_figure(fig: Any, out: Path, stem: str) -> list[Path]:
    """Save a figure as PNG and SVG under ``out``, close it, and return the two paths."""
    paths = [out / f"{stem}.png", out / f"{stem}.svg"]
    fig.tight_layout()
    for path in paths:
        fig.savefig(path, bbox_inches="tight")
    pyplot().close(fig)
    return paths


def markdown_table(frame: pd.DataFrame) -> str:
    """A DataFrame as a Markdown table, numbers rounded for reading."""

    def cell(v: Any) -> str:
        if isinstance(v, float):
            return "n/a" if math.isnan(v) else (f"{v:,.0f}" if abs(v) >= 1e4 else f"{v:.3g}")
        return str(v)

    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def citation(manifest: dict[str, Any], run_dir: Path) -> str:
    """The line a writeup cites a run folder by: version, experiment hash, commit, master seed, folder."""
    exp = manifest.get("experiment", {})
    return (
        f"pacsim {manifest.get('pacsim_version', '?')}, experiment `{exp.get('name', '?')}` "
        f"(file sha256 `{exp.get('sha256', '?')[:16]}`), git commit `{str(manifest.get('git_commit', '?'))[:12]}`"
        f"{' (dirty work tree)' if manifest.get('git_dirty') else ''}, master seed {manifest.get('master_seed')}, "
        f"run folder `{run_dir}`"
    )
