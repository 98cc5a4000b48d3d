"""Experiment files, designs, seeds, failed runs and reports, on miniature worlds."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from worlds import GOOD, write

from pacsim.experiments.cli import main
from pacsim.experiments.design import design_points, plan_runs, run_seeds
from pacsim.experiments.report import mean_ci
from pacsim.experiments.results import RunFolder
from pacsim.experiments.spec import ExperimentError, list_experiments, load_experiment
from pacsim.experiments.sweep import RunResult, RunTask, execute_run, make_task, run_sweep

#: A miniature world, as the [fixed] table of an experiment file.


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished two-worker sweep of GOOD: 4 design points x 2 replicates."""
    root = tmp_path_factory.mktemp("sweep")
    spec = load_experiment(write(root, GOOD))
    run_sweep(spec, root / "out", workers=2, progress=False)
    return root / "out"


# --------------------------------------------------------------- declaration
def test_good_file_declares_a_factorial_design(tmp_path: Path) -> None:
    """Two values x two log-spaced budget levels give four design points in a fixed order."""
    spec = load_experiment(write(tmp_path, GOOD))
    points = design_points(spec)
    ground_truth = [
        {"target.salience": 0.02, "industry.budget": 1e6},
        {"target.salience": 0.02, "industry.budget": 1e8},
        {"target.salience": 0.3, "industry.budget": 1e6},
        {"target.salience": 0.3, "industry.budget": 1e8},
    ]
    assert points == [{k: pytest.approx(v) for k, v in p.items()} for p in ground_truth]
    assert spec.fixed["run.n_cycles"] == 1
    assert len(plan_runs(spec)) == 8


MALFORMED = {
    "not TOML": ("[experiment\nname = 1", "not valid TOML"),
    "unknown table": (GOOD + "\n[extras]\nx = 1\n", "'extras'"),
    "unknown experiment key": (GOOD.replace('design = "factorial"', 'design = "factorial"\nworkers = 2'), "workers"),
    "unknown parameter": (GOOD.replace('"target.salience" = [', '"target.salince" = ['), "target.salince"),
    "value out of range": (GOOD.replace("[0.02, 0.3]", "[0.02, 1.5]"), "1.5"),
    "bad design": (GOOD.replace('design = "factorial"', 'design = "fractional"'), "fractional"),
    "zero replicates": (GOOD.replace("replicates = 2", "replicates = 0"), "replicates"),
    "replicates not an integer": (GOOD.replace("replicates = 2", 'replicates = "two"'), "replicates"),
    "missing scenario": (GOOD.replace('scenario = "default"', 'scenario = "crypto_1999"'), "crypto_1999"),
    "missing master seed": (GOOD.replace("master_seed = 11\n", ""), "master_seed"),
    "unknown outcome": (GOOD.replace('"passage_rate"]', '"happiness"]'), "happiness"),
    "empty range": (GOOD.replace("lo = 1e6, hi = 1e8", "lo = 1e8, hi = 1e6"), "must be less than"),
    "factorial range without steps": (GOOD.replace(", steps = 2", ""), "steps"),
    "bad choice": (GOOD + '"industry.strategy" = ["savvy", "clever"]\n', "clever"),
    "seed varied": (GOOD + '"run.seed" = [1, 2]\n', "master_seed"),
    "unknown table to keep": (GOOD.replace('"votes"]', '"ballots"]'), "ballots"),
    "list in a Sobol design": (GOOD.replace('design = "factorial"', 'design = "sobol"'), "range"),
    "inconsistent fixed values": (GOOD.replace('"legislature.house_seats" = 60', '"legislature.house_seats" = 3'), "house_seats"),
}


@pytest.mark.parametrize("kind", sorted(MALFORMED))
def test_malformed_file_gives_one_line_error_and_writes_nothing(kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Each kind of malformed file ends `pacsim sweep` with exit code 2, one line naming file and key, and no output folder."""
    text, needle = MALFORMED[kind]
    path = write(tmp_path, text)
    out = tmp_path / "out"
    code = main(["sweep", str(path), "--out", str(out), "--no-progress"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1, err
    assert str(path) in err and needle in err, err
    assert not out.exists()


def test_error_names_the_line(tmp_path: Path) -> None:
    """An out-of-range value is reported at the line of the file where it is set."""
    path = write(tmp_path, GOOD.replace("[0.02, 0.3]", "[0.02, 1.5]"))
    line = next(i for i, s in enumerate(path.read_text().splitlines(), start=1) if s.startswith('"target.salience"'))
    with pytest.raises(ExperimentError, match=rf"line {line}\b.*target\.salience.*allowed: a number in \[0, 1\]"):
        load_experiment(path)


def test_every_shipped_experiment_is_valid() -> None:
    """Every experiment file in experiments/ loads against the schema, names its claim and says what it expects."""
    names = list_experiments()
    assert len(names) >= 10
    claims = set()
    for name in names:
        spec = load_experiment(name)
        assert spec.claim and spec.expected, name
        claims.add(spec.claim)
    assert {f"C{i}" for i in range(1, 11)} <= claims


# --------------------------------------------------------------- seeds
def test_seeds_are_spawned_from_the_master_and_recorded(swept: Path) -> None:
    """Each run's seed is its SeedSequence child of the master seed, and every table row records it."""
    folder = RunFolder(swept)
    runs = folder.read("runs")
    assert runs["seed"].tolist() == run_seeds(11, 8)
    assert runs["seed"].is_unique
    steps = folder.read("steps")
    recorded = steps.groupby("run_id")["seed"].unique().map(lambda s: int(s[0]))
    assert recorded.to_dict() == dict(zip(runs["run_id"], runs["seed"], strict=True))
    outcomes = folder.read("outcomes")
    assert outcomes["seed"].tolist() == runs["seed"].tolist()


def test_outcomes_respond_to_salience(swept: Path) -> None:
    """In the tiny sweep, the capture index at salience 0.02 exceeds that at 0.3 (the crossover, emerging)."""
    outcomes = RunFolder(swept).read("outcomes")
    means = outcomes.groupby("target.salience")["capture_index"].mean()
    assert means.loc[0.02] > means.loc[0.3]


# --------------------------------------------------------------- failures
def _raise(params: object) -> dict[str, pd.DataFrame]:
    raise FloatingPointError("the model blew up")


class FaultyExecutor(ThreadPoolExecutor):
    """A thread pool on which run 1's model raises and run 2's worker is lost."""

    def submit(self, fn, task: RunTask, /) -> Future:  # type: ignore[override]
        """Submit ``fn(task)``, sabotaging runs 1 and 2."""
        if task.plan.run_id == 1:
            return super().submit(execute_run, task, _raise)
        if task.plan.run_id == 2:
            future: Future = Future()
            future.set_exception(BrokenPipeError("worker lost"))
            return future
        return super().submit(fn, task)


def test_failed_run_is_recorded_and_the_sweep_carries_on(tmp_path: Path) -> None:
    """A run that raises, and a run whose worker is lost, are recorded as failed; the others finish; resume retries them."""
    spec = load_experiment(write(tmp_path, GOOD))
    with FaultyExecutor(max_workers=2) as pool:
        summary = run_sweep(spec, tmp_path / "out", executor=pool, progress=False)
    assert (summary.ok, summary.failed) == (6, 2)
    runs = RunFolder(tmp_path / "out").read("runs").set_index("run_id")
    assert runs.loc[1, "status"] == "failed" and "FloatingPointError: the model blew up" in runs.loc[1, "error"]
    assert "_raise" in runs.loc[1, "traceback"]
    assert runs.loc[2, "status"] == "failed" and "worker lost" in runs.loc[2, "error"]
    assert (runs.drop(index=[1, 2])["status"] == "ok").all()
    assert sorted(RunFolder(tmp_path / "out").read("outcomes")["run_id"]) == [0, 3, 4, 5, 6, 7]
    resumed = run_sweep(spec, tmp_path / "out", workers=1, resume=True, progress=False)
    assert (resumed.ok, resumed.failed, resumed.skipped) == (2, 0, 6)
    assert RunFolder(tmp_path / "out").read("outcomes")["run_id"].tolist() == list(range(8))


def test_execute_run_never_raises(tmp_path: Path) -> None:
    """execute_run turns an exception into a failed result with its traceback."""
    spec = load_experiment(write(tmp_path, GOOD))

    result = execute_run(make_task(spec, plan_runs(spec)[0]), _raise)
    assert isinstance(result, RunResult) and result.status == "failed" and not result.parts


# --------------------------------------------------------------- run folder
def test_run_folder_is_tidy(swept: Path) -> None:
    """Runs, outcomes and kept tables exist as Parquet and CSV, sorted by run id, with the manifest's provenance."""
    folder = RunFolder(swept)
    for table in ("runs", "outcomes", "steps", "bills", "votes"):
        assert RunFolder(swept).table_path(table).is_file() and (swept / "csv" / f"{table}.csv").is_file()
        ids = folder.read(table)["run_id"]
        assert ids.is_monotonic_increasing
    runs = folder.read("runs")
    assert {"run_id", "point_id", "replicate", "seed", "target.salience", "industry.budget", "status", "duration_s"} <= set(runs.columns)
    assert len(pd.read_csv(swept / "csv" / "outcomes.csv")) == 8
    manifest = folder.read_manifest()
    text = (swept / "experiment.toml").read_text()
    assert manifest["experiment"]["text"] == text
    assert manifest["experiment"]["sha256"] == __import__("hashlib").sha256(text.encode()).hexdigest()
    for key in (
        "pacsim_version",
        "git_commit",
        "git_dirty",
        "python",
        "packages",
        "platform",
        "started",
        "finished",
        "workers",
        "executor",
        "master_seed",
    ):
        assert key in manifest, key
    assert manifest["executor"] == "local" and manifest["workers"] == 2 and manifest["status"] == "complete"


def test_sweep_refuses_to_overwrite_or_mix(tmp_path: Path, swept: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A second sweep into a finished folder needs --resume; a different file cannot resume it."""
    before = {p: p.stat().st_mtime_ns for p in swept.rglob("*") if p.is_file() and "report" not in p.parts}
    assert main(["sweep", str(swept / "experiment.toml"), "--out", str(swept), "--no-progress"]) == 2
    other = write(tmp_path, GOOD.replace("master_seed = 11", "master_seed = 12"))
    assert main(["sweep", str(other), "--out", str(swept), "--resume", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "--resume" in err and "different experiment file" in err
    assert before == {p: p.stat().st_mtime_ns for p in before}


# --------------------------------------------------------------- report
def test_mean_ci_matches_student_t() -> None:
    """Mean and 95% CI of [1, 2, 3]: 2 +- t(0.975, 2) * 1 / sqrt(3)."""
    mean, lo, hi, n = mean_ci(pd.Series([1.0, 2.0, 3.0, np.nan]))
    assert (mean, n) == (2.0, 3)
    assert hi - mean == pytest.approx(4.302652729911275 / np.sqrt(3))
    assert mean - lo == pytest.approx(hi - mean)


def test_report_writes_figures_summary_and_regression(swept: Path, tmp_path: Path) -> None:
    """`pacsim report` writes PNG and SVG figures, a cited Markdown summary and a regression table."""
    out = tmp_path / "report"
    assert main(["report", str(swept), "--out", str(out)]) == 0
    assert (out / "capture_index_vs_target.salience.png").stat().st_size > 1000
    assert (out / "capture_index_vs_target.salience.svg").is_file()
    assert (out / "capture_index_heatmap_target.salience_industry.budget.png").is_file()
    summary = (out / "summary.md").read_text()
    manifest = RunFolder(swept).read_manifest()
    assert manifest["experiment"]["sha256"][:16] in summary and str(manifest["git_commit"])[:12] in summary
    assert "95% CI" in summary and "0-1" in summary
    coefs = pd.read_csv(out / "regression.csv")
    assert "voter_pref:salience" in set(coefs["term"])
    assert "Gilens & Page" in summary


def test_report_on_a_folder_without_a_sweep(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`pacsim report` on a folder that holds no sweep exits 2 with one line."""
    assert main(["report", str(tmp_path)]) == 2
    assert "no manifest.json" in capsys.readouterr().err


def test_sensitivity_morris(tmp_path: Path) -> None:
    """`pacsim sensitivity` on a Morris file writes mu* and sigma for every varied parameter, and a plot."""
    text = GOOD.replace('design = "factorial"', 'design = "morris"\nsamples = 2').replace("replicates = 2", "replicates = 1")
    text = text.replace('"target.salience" = [0.02, 0.3]', '"target.salience" = {lo = 0.01, hi = 0.4}').replace(", steps = 2", "")
    path = write(tmp_path, text)
    assert main(["sensitivity", str(path), "--out", str(tmp_path / "out"), "--workers", "2", "--no-progress"]) == 0
    indices = pd.read_csv(tmp_path / "out" / "sensitivity" / "indices.csv")
    assert set(indices["parameter"]) == {"target.salience", "industry.budget"}
    assert indices["mu_star"].notna().all() and (indices["mu_star"] >= 0).all()
    assert (tmp_path / "out" / "sensitivity" / "sensitivity_morris.png").is_file()
