"""``pacsim report RUN_DIR``: figures, a Markdown summary with citations, and a Gilens & Page-style regression.

Everything is read from the run folder's files (:class:`experiments.results.RunFolder`),
never from live objects, so a report can be rebuilt from a sweep at any later time. Each
number in the summary carries what a reader needs to trace it: the experiment file's hash,
the git commit, the master seed and the run ids behind it.
"""

from __future__ import annotations

import math
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy import stats

from pacsim.experiments.cli.common import plural
from pacsim.experiments.errors import ManifestError, OutputError, ReportError
from pacsim.experiments.figures import citation, markdown_table, pyplot, save_figure
from pacsim.experiments.preflight import check_creatable, claim_folder
from pacsim.experiments.results import FolderKind, RunFolder, RunStatus, SweepStatus, folder_kind
from pacsim.model.outcomes import target_bills

_META = ("run_id", "point_id", "replicate", "seed", "scenario")
_MAX_LEVELS = 12


class _MissingError(ValueError):
    """A run folder without what a report needs."""


def _error(message: str) -> Exception:
    return ReportError(message)


# ------------------------------------------------------------------ numbers
def mean_ci(values: pd.Series, level: float = 0.95) -> tuple[float, float, float, int]:
    """(mean, lower, upper, n) of a sample, with a Student-t confidence interval; NaNs are dropped."""
    x = values.dropna().astype(float)
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(x.mean())
    if n == 1 or float(x.std(ddof=1)) == 0.0:
        return mean, mean, mean, n
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half, n


def _id_ranges(ids: list[int]) -> str:
    ids = sorted(ids)
    out, start = [], None
    for i, current in enumerate(ids):
        if start is None:
            start = current
        if i + 1 == len(ids) or ids[i + 1] != current + 1:
            out.append(f"{start}" if start == current else f"{start}-{current}")
            start = None
    return ", ".join(out)


def point_table(outcomes: pd.DataFrame, varied: list[str], outcome: str) -> pd.DataFrame:
    """Mean, 95% CI, number of runs and run ids of one outcome at each design point."""
    keys = varied or ["point_id"]
    rows = []
    for values, group in outcomes.groupby(keys, sort=True, dropna=False):
        values = values if isinstance(values, tuple) else (values,)
        mean, lo, hi, n = mean_ci(group[outcome])
        rows.append(
            {
                **dict(zip(keys, values, strict=True)),
                "mean": mean,
                "ci_low": lo,
                "ci_high": hi,
                "n": n,
                "run_ids": _id_ranges(group["run_id"].tolist()),
            }
        )
    return pd.DataFrame(rows)


def _coarsen(series: pd.Series) -> pd.Series:
    """Bin a continuous sampled parameter into quantile bins (labelled by bin midpoints) so replicates pool."""
    if series.nunique() <= _MAX_LEVELS or not pd.api.types.is_numeric_dtype(series):
        return series
    bins = pd.qcut(series, 10, duplicates="drop")
    return bins.map(lambda interval: float(interval.mid)).astype(float)


# ------------------------------------------------------------------ figures
def _label(path: str) -> str:
    from pacsim.model.params import FIELDS

    spec = FIELDS.get(path)
    return f"{path} ({spec.units})" if spec and spec.units else path


def _is_log(values: pd.Series) -> bool:
    x = pd.to_numeric(values, errors="coerce").dropna()
    return bool(len(x) and (x > 0).all() and x.max() / x.min() >= 100)


def line_figure(outcomes: pd.DataFrame, x: str, outcome: str, by: str | None, out: Path, title: str) -> list[Path]:
    """Mean outcome against ``x`` with a 95% confidence band across replicates, one line per level of ``by``."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    groups = [(None, outcomes)] if by is None else list(outcomes.groupby(by, sort=True))
    colours = plt.get_cmap("viridis")(np.linspace(0.1, 0.85, max(len(groups), 1)))
    for colour, (level, frame) in zip(colours, groups, strict=False):
        table = point_table(frame.assign(**{x: _coarsen(frame[x])}), [x], outcome).sort_values(x)
        label = None if by is None else f"{by} = {level!s}"
        ax.plot(table[x], table["mean"], marker="o", color=colour, label=label, lw=2)
        ax.fill_between(table[x], table["ci_low"], table["ci_high"], color=colour, alpha=0.2, lw=0)
    if _is_log(outcomes[x]):
        ax.set_xscale("log")
    ax.set_xlabel(_label(x))
    ax.set_ylabel(outcome.replace("_", " "))
    ax.set_title(title, loc="left", fontsize=11)
    if by is not None:
        ax.legend(frameon=False, fontsize=9)
    ax.text(1.0, 1.02, "bands: 95% CI across replicates", transform=ax.transAxes, ha="right", va="bottom", fontsize=8, color="0.4")
    return save_figure(fig, out, f"{outcome}_vs_{x}")


def bar_figure(outcomes: pd.DataFrame, x: str, outcome: str, out: Path, title: str) -> list[Path]:
    """Mean outcome for each level of a categorical parameter, with 95% confidence intervals."""
    plt = pyplot()
    table = point_table(outcomes, [x], outcome)
    fig, ax = plt.subplots(figsize=(max(4.0, 1.2 * len(table) + 1.5), 4.2))
    positions = np.arange(len(table))
    errors = np.vstack([table["mean"] - table["ci_low"], table["ci_high"] - table["mean"]])
    ax.bar(positions, table["mean"], yerr=errors, capsize=4, color=plt.get_cmap("viridis")(0.35), alpha=0.85)
    ax.set_xticks(positions, [str(v) for v in table[x]], rotation=20 if len(table) > 4 else 0)
    ax.set_xlabel(_label(x))
    ax.set_ylabel(outcome.replace("_", " "))
    ax.set_title(title, loc="left", fontsize=11)
    return save_figure(fig, out, f"{outcome}_by_{x}")


def heatmap_figure(outcomes: pd.DataFrame, x: str, y: str, outcome: str, out: Path, title: str) -> list[Path]:
    """Mean outcome over two varied parameters."""
    plt = pyplot()
    frame = outcomes.assign(**{x: _coarsen(outcomes[x]), y: _coarsen(outcomes[y])})
    grid = frame.groupby([y, x])[outcome].mean().unstack(x).sort_index(ascending=False)
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    image = ax.imshow(grid.to_numpy(dtype=float), cmap="magma", aspect="auto")
    ax.set_xticks(range(grid.shape[1]), [f"{v:.3g}" if isinstance(v, float) else str(v) for v in grid.columns], rotation=30)
    ax.set_yticks(range(grid.shape[0]), [f"{v:.3g}" if isinstance(v, float) else str(v) for v in grid.index])
    for (i, j), value in np.ndenumerate(grid.to_numpy(dtype=float)):
        if not math.isnan(value):
            ax.text(
                j,
                i,
                f"{value:.2f}",
                ha="center",
                va="center",
                fontsize=8,
                color="white" if value < np.nanmean(grid.to_numpy(dtype=float)) else "black",
            )
    ax.set_xlabel(_label(x))
    ax.set_ylabel(_label(y))
    ax.grid(False)
    fig.colorbar(image, ax=ax, label=f"mean {outcome.replace('_', ' ')}")
    ax.set_title(title, loc="left", fontsize=11)
    return save_figure(fig, out, f"{outcome}_heatmap_{x}_{y}")


def _numeric(frame: pd.DataFrame, column: str) -> bool:
    return pd.api.types.is_numeric_dtype(frame[column]) and not pd.api.types.is_bool_dtype(frame[column])


def figures(outcomes: pd.DataFrame, varied: list[str], wanted: list[str], out: Path, name: str) -> list[Path]:
    """Every figure the design calls for: a curve (or bars) per varied parameter and outcome, and heatmaps for pairs."""
    written: list[Path] = []
    varying = [v for v in varied if outcomes[v].nunique() > 1]
    for outcome in wanted:
        if outcomes[outcome].notna().sum() == 0:
            continue
        for x in varying:
            others = [v for v in varying if v != x and outcomes[v].nunique() <= 6]
            if _numeric(outcomes, x):
                written += line_figure(outcomes, x, outcome, others[0] if others else None, out, f"{name}: {outcome.replace('_', ' ')}")
            else:
                written += bar_figure(outcomes, x, outcome, out, f"{name}: {outcome.replace('_', ' ')}")
        numeric = [v for v in varying if _numeric(outcomes, v)]
        if len(numeric) >= 2:
            written += heatmap_figure(outcomes, numeric[0], numeric[1], outcome, out, f"{name}: mean {outcome.replace('_', ' ')}")
    return written


# ------------------------------------------------------------------ regression
def gilens_page_data(folder: RunFolder, outcomes: pd.DataFrame) -> tuple[pd.DataFrame, str] | None:
    """Bills (or, without a bills table, floor votes) with average-voter preference, donor preference and salience.

    Gilens & Page (2014) regress whether a policy change happened on the preferences of
    average citizens and of organised interests. Here the unit is a bill; average-voter
    preference is the national share of voters for it; donor preference is the net share of
    PAC money on the bill's side, from -1 (all against) to +1 (all for); salience is the
    run's mean measured attention to the target issue.
    """
    money = (
        outcomes[["run_id", "target_salience_mean", "spent_industry", "spent_opposing"]].copy()
        if {"spent_industry", "spent_opposing"} <= set(outcomes.columns)
        else None
    )
    if money is None or not folder.has("bills"):
        return None
    bills = target_bills(folder.read("bills")).merge(money, on="run_id", how="inner")
    if not len(bills):
        return None
    total = bills["spent_industry"] + bills["spent_opposing"]
    net = np.where(total > 0, (bills["spent_industry"] - bills["spent_opposing"]) / total.where(total > 0, 1.0), 0.0)
    sign = np.where(bills["industry_side_yea"].astype(bool), 1.0, -1.0)
    data = pd.DataFrame(
        {
            "run_id": bills["run_id"],
            "policy_change": bills["passed"].astype(float),
            "voter_pref": bills["national_support"].astype(float),
            "donor_pref": sign * net,
            "salience": bills["target_salience_mean"].astype(float),
        }
    ).dropna()
    return data, "bill passes (0/1)"


def gilens_page_regression(data: pd.DataFrame) -> tuple[Any, list[str]]:
    """OLS of policy change on voter and donor preference, each interacted with salience, clustered by run.

    A linear probability model, as in Gilens & Page (2014). Terms whose variable does not
    vary across the runs are left out, and named in the returned notes.
    """
    import statsmodels.formula.api as smf

    if data["policy_change"].nunique() < 2:
        outcome = "passed" if data["policy_change"].iloc[0] else "failed"
        raise _MissingError(f"every one of the {plural(len(data), 'bill')} {outcome}, so there is no variation to explain")
    notes = []
    terms = []
    for var in ("voter_pref", "donor_pref"):
        if data[var].nunique() > 1:
            terms.append(var)
        else:
            notes.append(f"{var} is {data[var].iloc[0]:+.2f} in every bill of this sweep, so its terms are left out")
    if data["salience"].nunique() > 1:
        formula_terms = [f"{t} * salience" for t in terms] or ["salience"]
    else:
        notes.append("salience does not vary across runs, so its interactions are left out")
        formula_terms = terms
    if not formula_terms:
        raise _MissingError("neither preference nor salience varies")
    formula = "policy_change ~ " + " + ".join(formula_terms)
    model = smf.ols(formula, data=data)
    groups = data["run_id"].to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if len(np.unique(groups)) > 1:
            return model.fit(cov_type="cluster", cov_kwds={"groups": groups}), notes
        return model.fit(cov_type="HC1"), notes


def check_report(run_dir: Path, out: Path | None = None) -> tuple[dict[str, Any], Path]:
    """(manifest, report folder) of a sweep's run folder, after checking both; writes nothing.

    ``run_dir`` must hold a sweep (not a single run) with at least one finished run; the
    report folder must be a folder that can be written, and not another run or sweep.
    """
    folder = RunFolder(run_dir)
    try:
        manifest = folder.read_manifest()
    except ManifestError as exc:
        raise _error(f"run folder '{run_dir}' cannot be reported on: {exc}") from None
    if manifest is None:
        raise _error(f"'{run_dir}' is not a sweep's run folder (no manifest.json); run pacsim sweep first")
    kind = folder_kind(manifest)
    if kind is FolderKind.RUN:
        raise _error(f"'{run_dir}' holds a single pacsim run, not a sweep; allowed: a run folder written by pacsim sweep")
    if kind is not FolderKind.SWEEP:
        raise _error(
            f"'{run_dir}/manifest.json' is not a sweep's manifest (no 'experiment' table); allowed: a run folder written by pacsim sweep"
        )
    if not folder.has("outcomes"):
        raise _error(f"run folder '{run_dir}' has no finished runs yet (sweep {manifest.get('status', 'status unknown')})")
    out = out or run_dir / "report"
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out '{out}' is a file; allowed: a folder for the report")
    if (out / "manifest.json").exists():
        raise OutputError(f"--out '{out}' holds a pacsim run or sweep; allowed: a folder of its own for the report")
    if out.is_dir() and any(out.iterdir()) and not (out / "summary.md").is_file():
        raise OutputError(f"--out '{out}' is not empty and holds no report; allowed: a new or empty folder, or an earlier report's")
    if not out.exists():
        check_creatable(out)
    elif not os.access(out, os.W_OK | os.X_OK):
        raise OutputError(f"--out '{out}' is not writable; allowed: a folder you can write to")
    return manifest, out


def progress_note(manifest: dict[str, Any], runs: pd.DataFrame) -> str | None:
    """A sentence saying that a sweep is unfinished, or None when every planned run has a record."""
    n_runs = manifest.get("n_runs")
    status = manifest.get("status", "")
    done = len(runs)
    if finished(manifest) and isinstance(n_runs, int) and done >= n_runs:
        return None
    planned = f"{done} of {n_runs}" if isinstance(n_runs, int) else f"{done}"
    return (
        f"the sweep is not finished (status '{status or 'unknown'}', {planned} {'run' if done == 1 else 'runs'} recorded); "
        "this report covers the runs recorded so far, and pacsim sweep --resume finishes it"
    )


def finished(manifest: dict[str, Any]) -> bool:
    """Whether a sweep's manifest says that every planned run was attempted and the tables consolidated."""
    return manifest.get("status") in (SweepStatus.COMPLETE.value, SweepStatus.COMPLETE_WITH_FAILURES.value)


def _count(n: Any, word: str) -> str:
    """``plural`` for a manifest's count, which may be missing."""
    return plural(n, word) if isinstance(n, int) else f"{n} {word}s"


def _read(folder: RunFolder, table: str, columns: list[str] | None = None, from_parts: bool = False) -> pd.DataFrame:
    try:
        return folder.read(table, columns=columns, from_parts=from_parts)
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise _error(
            f"run folder '{folder.root}': table '{table}' cannot be read ({' '.join(str(exc).split())}); "
            "pacsim sweep --resume writes it again"
        ) from None


def write_report(run_dir: Path, out: Path | None = None) -> list[Path]:
    """Write the report of a sweep's run folder under ``out`` (default ``RUN_DIR/report``); returns the files.

    Everything is checked (:func:`check_report`) and read before the report folder is made.
    """
    folder = RunFolder(run_dir)
    manifest, out = check_report(run_dir, out)
    exp = manifest.get("experiment", {})
    exp = exp if isinstance(exp, dict) else {}
    varied = [v for v in exp.get("varied", []) if isinstance(v, str)]
    partial = not finished(manifest)  # consolidated tables, if any, predate the runs since
    outcomes = _read(folder, "outcomes", from_parts=partial)
    runs = _read(folder, "runs", columns=["run_id", "status"], from_parts=partial)
    note = progress_note(manifest, runs)
    if note:
        print(f"pacsim report: note: {note}", flush=True)
    with claim_folder(out):
        return _write(folder, manifest, exp, varied, outcomes, runs, note, out, run_dir)


def _write(
    folder: RunFolder,
    manifest: dict[str, Any],
    exp: dict[str, Any],
    varied: list[str],
    outcomes: pd.DataFrame,
    runs: pd.DataFrame,
    note: str | None,
    out: Path,
    run_dir: Path,
) -> list[Path]:
    wanted = [o for o in exp.get("outcomes", ["capture_index"]) if o in outcomes.columns]
    name = exp.get("name", run_dir.name)

    written = figures(outcomes, varied, wanted, out, name)
    cite = citation(manifest, run_dir)
    lines = [f"# {name}", ""]
    if note:
        lines += [f"**Note: {note}.**", ""]
    if exp.get("claim"):
        lines += [
            f"Claim {exp['claim']}. Design: {exp.get('design')}, {_count(manifest.get('n_points'), 'design point')} x "
            f"{_count(manifest.get('replicates'), 'replicate')} = {_count(manifest.get('n_runs'), 'run')} "
            f"({int((runs['status'] == RunStatus.OK.value).sum())} finished, {int((runs['status'] != RunStatus.OK.value).sum())} failed).",
            "",
        ]
    lines += [
        "## How to cite these numbers",
        "",
        f"Cite as: {cite}. Each row below lists the run ids it pools; "
        "`tables/runs.parquet` in the run folder gives each run's seed and parameters.",
        "",
    ]
    for outcome in wanted:
        table = point_table(outcomes, [v for v in varied if v in outcomes.columns], outcome)
        table = table.rename(columns={"mean": f"mean {outcome}", "ci_low": "95% CI low", "ci_high": "95% CI high"})
        lines += [f"## {outcome}", "", markdown_table(table), ""]
    regression = _regression_section(folder, outcomes, out, written)
    lines += regression
    lines += ["## Figures", ""] + [f"![{p.stem}]({p.name})" for p in written if p.suffix == ".png"] + [""]
    summary = out / "summary.md"
    summary.write_text("\n".join(lines))
    return [*written, summary, *[p for p in out.glob("regression*") if p not in written]]


def _regression_section(folder: RunFolder, outcomes: pd.DataFrame, out: Path, written: list[Path]) -> list[str]:
    lines = ["## Regression (Gilens & Page 2014 style)", ""]
    for stale in ("regression.csv", "regression.txt"):
        (out / stale).unlink(missing_ok=True)
    prepared = gilens_page_data(folder, outcomes)
    if prepared is None:
        return [*lines, 'No bills table in this run folder (add "bills" to the experiment\'s `tables`).', ""]
    data, outcome_label = prepared
    try:
        result, notes = gilens_page_regression(data)
    except (_MissingError, ValueError, np.linalg.LinAlgError) as exc:
        return [*lines, f"Not estimable on these runs: {exc}.", ""]
    coefs = pd.DataFrame(
        {
            "term": result.params.index,
            "coef": result.params.to_numpy(),
            "std_err": result.bse.to_numpy(),
            "p_value": result.pvalues.to_numpy(),
            "ci_low": result.conf_int()[0].to_numpy(),
            "ci_high": result.conf_int()[1].to_numpy(),
        }
    )
    coefs.to_csv(out / "regression.csv", index=False)
    (out / "regression.txt").write_text(str(result.summary()) + "\n")
    lines += [
        f"Linear probability model of *{outcome_label}* on average-voter preference (national share for the bill), "
        "donor preference (net share of PAC money on the bill's side) and the run's measured target-issue salience, "
        f"with standard errors clustered by run. {plural(int(result.nobs), 'bill')}, R² = {result.rsquared:.3f}.",
        "",
    ]
    lines += [f"- {note}" for note in notes] + ([""] if notes else [])
    lines += [markdown_table(coefs), ""]
    return lines
