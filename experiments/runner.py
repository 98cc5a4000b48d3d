"""Running one model to the end and storing what it produced."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from tqdm import tqdm

from pacsim.experiments.provenance import now, provenance
from pacsim.experiments.store import write_json, write_tables
from pacsim.model.model import PacsimModel
from pacsim.model.outcomes import summarise
from pacsim.model.params import Params


def simulate(params: Params, progress: bool = False, desc: str = "pacsim") -> dict[str, pd.DataFrame]:
    """Build a model from ``params``, run every step, return its tables."""
    model = PacsimModel(params)
    total = params.run.n_cycles * params.run.steps_per_cycle
    with tqdm(total=total, desc=desc, unit="wk", disable=not progress, leave=False) as bar:
        while model.running:
            model.step()
            bar.update(1)
    return model.tables()


def run_scenario(name: str, params: Params, out: Path, csv: bool = False, progress: bool = True) -> dict[str, float]:
    """Run a scenario, write its tables and a manifest under ``out``, return the summary."""
    started = now()
    tables = simulate(params, progress=progress, desc=f"{name} seed {params.run.seed}")
    summary = summarise(tables)
    write_tables(out, tables, csv=csv)
    write_json(out / "manifest.json", {
        "scenario": name,
        "seed": params.run.seed,
        "params": params.to_flat(),
        "started": started,
        "finished": now(),
        "summary": summary,
        **provenance(),
    })
    return summary
