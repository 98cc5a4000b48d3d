"""``pacsim sensitivity FILE``: Sobol first- and total-order indices, or Morris mu* and sigma, with a plot.

The sample comes from SALib (:func:`experiments.design.sample_matrix`), the runs from the
ordinary sweep machinery, and the analysis from ``SALib.analyze.sobol`` or
``SALib.analyze.morris`` on the outcomes read back from the run folder. Replicates of a
design point are averaged before the analysis, so the indices describe the mean outcome.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pacsim.experiments.cli.common import plural
from pacsim.experiments.design import Design, ExperimentSpec, salib_problem, sample_matrix
from pacsim.experiments.figures import citation, markdown_table, pyplot, save_figure
from pacsim.experiments.results import RunFolder
from pacsim.experiments.spec import ExperimentError, known_outcomes


def check_design(spec: ExperimentSpec, outcomes: list[str] | None) -> None:
    """Refuse, before anything runs, an experiment whose design or outcomes a sensitivity analysis cannot use."""
    if spec.design not in (Design.SOBOL, Design.MORRIS):
        raise ExperimentError(
            f"experiment file '{spec.path}': key '[experiment] design': sensitivity needs design 'sobol' or 'morris', "
            f"got {spec.design.value!r}"
        )
    for outcome in outcomes or []:
        if outcome not in known_outcomes():
            raise ExperimentError(f"--outcome {outcome!r} is not an outcome; allowed: {', '.join(known_outcomes())}")


def point_means(folder: RunFolder, n_points: int, outcome: str) -> np.ndarray:
    """Mean of an outcome over each design point's replicates, in design order; NaN where no run finished."""
    outcomes = folder.read("outcomes", columns=["point_id", outcome])
    means = outcomes.groupby("point_id")[outcome].mean()
    return means.reindex(range(n_points)).to_numpy(dtype=float)


def analyse(spec: ExperimentSpec, folder: RunFolder, outcome: str) -> pd.DataFrame:
    """Sensitivity indices of one outcome: one row per varied parameter."""
    problem = salib_problem(spec)
    x = sample_matrix(spec)
    y = point_means(folder, len(x), outcome)
    missing = int(np.isnan(y).sum())
    if missing:
        # A run with an undefined outcome (no contested votes, say) has no value to attribute;
        # SALib needs a complete sample, so the design mean stands in and the count is reported.
        y = np.where(np.isnan(y), np.nanmean(y) if missing < len(y) else 0.0, y)
    seed = int(np.random.SeedSequence(spec.master_seed).generate_state(2)[1])
    if spec.design is Design.SOBOL:
        from SALib.analyze import sobol

        res = sobol.analyze(problem, y, calc_second_order=spec.second_order, seed=seed)
        table = pd.DataFrame(
            {"parameter": problem["names"], "S1": res["S1"], "S1_conf": res["S1_conf"], "ST": res["ST"], "ST_conf": res["ST_conf"]}
        )
    else:
        from SALib.analyze import morris

        res = morris.analyze(problem, x, y, num_levels=spec.levels, seed=seed)
        table = pd.DataFrame(
            {"parameter": problem["names"], "mu_star": res["mu_star"], "mu_star_conf": res["mu_star_conf"], "sigma": res["sigma"]}
        )
    table.insert(0, "outcome", outcome)
    table["points_imputed"] = missing
    return table


def plot(table: pd.DataFrame, design: Design, out: Path, stem: str) -> list[Path]:
    """Bar chart of S1 and ST per parameter (Sobol), or mu* against sigma (Morris), one panel per outcome."""
    plt = pyplot()
    outcomes = list(dict.fromkeys(table["outcome"]))
    fig, axes = plt.subplots(1, len(outcomes), figsize=(5.2 * len(outcomes), 4.2), squeeze=False)
    for ax, outcome in zip(axes[0], outcomes, strict=True):
        rows = table[table["outcome"] == outcome]
        if design is Design.SOBOL:
            pos = np.arange(len(rows))
            ax.barh(pos - 0.2, rows["S1"], 0.4, xerr=rows["S1_conf"], label="first order S1", color="#3b528b", capsize=3)
            ax.barh(pos + 0.2, rows["ST"], 0.4, xerr=rows["ST_conf"], label="total order ST", color="#5ec962", capsize=3)
            ax.set_yticks(pos, rows["parameter"])
            ax.set_xlabel("Sobol index (share of variance)")
            ax.legend(frameon=False, fontsize=8)
        else:
            ax.scatter(rows["mu_star"], rows["sigma"], s=50, color="#3b528b")
            for _, row in rows.iterrows():
                ax.annotate(row["parameter"], (row["mu_star"], row["sigma"]), textcoords="offset points", xytext=(5, 4), fontsize=8)
            ax.set_xlabel("mu* (mean absolute elementary effect)")
            ax.set_ylabel("sigma (interaction / non-linearity)")
        ax.set_title(outcome.replace("_", " "), loc="left", fontsize=11)
    return save_figure(fig, out, stem)


def sensitivity_report(spec: ExperimentSpec, run_dir: Path, outcomes: list[str] | None = None) -> tuple[pd.DataFrame, list[Path]]:
    """Indices for each outcome, written as CSV and Markdown, and their plot, under ``RUN_DIR/sensitivity``."""
    check_design(spec, outcomes)
    folder = RunFolder(run_dir)
    wanted = outcomes or list(spec.outcomes)
    table = pd.concat([analyse(spec, folder, o) for o in wanted], ignore_index=True)
    out = run_dir / "sensitivity"
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "indices.csv", index=False)
    method = "Sobol first-order (S1) and total-order (ST) indices" if spec.design is Design.SOBOL else "Morris mu* and sigma"
    manifest = folder.read_manifest() or {}
    md = [
        f"# Sensitivity of {spec.name}",
        "",
        f"{method}, SALib, {plural(len(sample_matrix(spec)), 'design point')} x "
        f"{plural(spec.replicates, 'replicate')} (replicates averaged).",
        "",
        f"Cite as: {citation(manifest, run_dir)}.",
        "",
        markdown_table(table),
        "",
    ]
    (out / "indices.md").write_text("\n".join(md))
    written = plot(table, spec.design, out, f"sensitivity_{spec.design.value}")
    return table, [out / "indices.csv", out / "indices.md", *written]
