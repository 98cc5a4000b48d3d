"""Running one model to the end and storing what it produced."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from tqdm import tqdm

from pacsim.experiments.errors import ManifestError
from pacsim.experiments.preflight import check_folder, check_memory, claim_folder, params_bytes
from pacsim.experiments.provenance import now, provenance
from pacsim.experiments.results import FolderKind, folder_kind, read_manifest_file
from pacsim.experiments.store import write_json, write_tables
from pacsim.model.model import PacsimModel
from pacsim.model.outcomes import summarise
from pacsim.model.params import Params
from pacsim.model.schemas import run_schemas


def simulate(params: Params, progress: bool = False, desc: str = "pacsim") -> dict[str, pd.DataFrame]:
    """Build a model from ``params``, run every step, return its tables."""
    model = PacsimModel(params)
    total = params.run.n_cycles * params.run.steps_per_cycle
    with tqdm(total=total, desc=desc, unit="wk", disable=None if progress else True, leave=False) as bar:
        while model.running:
            model.step()
            bar.update(1)
    return model.tables()


def check_run(params: Params, out: Path, *, force: bool = False, replace: bool = False) -> None:
    """Every check a run makes before it starts: its output folder and its memory; writes nothing.

    ``out`` must be new or empty, or hold an earlier run (or anything but a sweep) with
    ``force`` or ``replace``; the run's estimated memory must fit what is available,
    unless ``force``.
    """
    check_folder(out, FolderKind.RUN, force=force or replace)
    check_memory(params_bytes(params), params.electorate.n_voters, force=force)


def holds_run(out: Path) -> bool:
    """Whether ``out`` holds a single run's tables (its manifest says so)."""
    try:
        manifest = read_manifest_file(out / "manifest.json")
    except ManifestError:
        return False
    return manifest is not None and folder_kind(manifest) is FolderKind.RUN


def run_scenario(
    name: str, params: Params, out: Path, csv: bool = False, progress: bool = True, force: bool = False, replace: bool = False
) -> dict[str, float]:
    """Run a scenario, write its tables and a manifest under ``out``, return the summary.

    Everything is checked (:func:`check_run`) before the model is built; the folder is
    created only then, and removed again if the run fails before writing anything.
    ``replace`` writes over an earlier run's folder (and only a run's) without ``force``.
    """
    if replace and not holds_run(out):
        replace = False
    check_run(params, out, force=force, replace=replace)
    force = force or replace
    started = now()
    with claim_folder(out):
        tables = simulate(params, progress=progress, desc=f"{name} seed {params.run.seed}")
        summary = summarise(tables)
        if force:
            _remove_earlier_tables(out, tables, csv)
        write_tables(out, tables, run_schemas(params), csv=csv)
        write_json(
            out / "manifest.json",
            {
                "kind": FolderKind.RUN.value,
                "scenario": name,
                "seed": params.run.seed,
                "params": params.to_flat(),
                "started": started,
                "finished": now(),
                "summary": summary,
                **provenance(),
            },
        )
    return summary


def _remove_earlier_tables(out: Path, tables: dict[str, pd.DataFrame], csv: bool) -> None:
    """Before a forced run writes over an earlier one, drop that run's CSV copies this run will not replace."""
    if not csv:
        for name in tables:
            (out / f"{name}.csv").unlink(missing_ok=True)
