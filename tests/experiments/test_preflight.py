"""What is checked before work starts, on inputs that are right.

Bases found where they are named, designs counted exactly, memory estimated from the schema, and output folders
claimed and given back.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from worlds import GOOD, RUN, write

from pacsim.experiments import preflight
from pacsim.experiments.cli import main
from pacsim.experiments.design import Design, count_points, design_points
from pacsim.experiments.errors import OutputError, ResourceError
from pacsim.experiments.results import FolderKind
from pacsim.experiments.spec import load_experiment
from pacsim.model.scenarios import load_scenario


# ------------------------------------------------------------------ scenario bases
def test_a_file_may_build_on_the_shipped_scenario_of_its_own_name(tmp_path: Path) -> None:
    """A user's ai_2026.toml with base "ai_2026" takes the shipped ai_2026 and changes only what it says."""
    (tmp_path / "ai_2026.toml").write_text('[scenario]\nbase = "ai_2026"\n[target]\nsalience = 0.2\n')
    _, shipped = load_scenario("ai_2026")
    name, mine = load_scenario(tmp_path / "ai_2026.toml")
    assert name == "ai_2026" and mine.target.salience == 0.2
    assert mine.with_overrides({"target.salience": shipped.target.salience}) == shipped


def test_a_base_path_is_taken_from_the_naming_file_not_the_working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`base = "parent.toml"` finds the file beside the one that names it, from whatever folder pacsim runs in."""
    (tmp_path / "scen").mkdir()
    (tmp_path / "scen" / "parent.toml").write_text("[industry]\nbudget = 5e6\n")
    (tmp_path / "scen" / "child.toml").write_text('[scenario]\nbase = "parent.toml"\n[target]\nsalience = 0.1\n')
    (tmp_path / "parent.toml").write_text("[industry]\nbudget = 9e9\n")  # a decoy in the working folder
    monkeypatch.chdir(tmp_path)
    _, params = load_scenario("scen/child.toml")
    assert (params.industry.budget, params.target.salience) == (5e6, 0.1)


def test_an_experiment_finds_its_scenario_beside_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An experiment file's `scenario = "mine.toml"` is the file in the experiment's folder."""
    (tmp_path / "exp").mkdir()
    (tmp_path / "exp" / "mine.toml").write_text("[industry]\nbudget = 7e6\n")
    path = write(tmp_path / "exp", GOOD.replace('scenario = "default"', 'scenario = "mine.toml"'))
    monkeypatch.chdir(tmp_path)
    spec = load_experiment(path)
    assert Path(spec.scenario) == (tmp_path / "exp" / "mine.toml")
    assert spec.params_for(design_points(spec)[0], 1)[1].industry.budget == pytest.approx(1e6)  # varied over the base


# ------------------------------------------------------------------ design sizes
DESIGNS = {
    "factorial": 'design = "factorial"',
    "latin": 'design = "latin"\nsamples = 7',
    "sobol": 'design = "sobol"\nsamples = 8',
    "sobol, second order": 'design = "sobol"\nsamples = 8\nsecond_order = true',
    "morris": 'design = "morris"\nsamples = 3\nlevels = 4',
}


@pytest.mark.parametrize("kind", list(DESIGNS))
def test_design_size_by_arithmetic_is_the_size_of_the_design(kind: str, tmp_path: Path) -> None:
    """count_points, which builds nothing, equals the number of points the design (SALib's samplers included) builds."""
    text = GOOD.replace('design = "factorial"', DESIGNS[kind])
    if kind != "factorial":
        text = text.replace('"target.salience" = [0.02, 0.3]', '"target.salience" = {lo = 0.01, hi = 0.4}').replace(", steps = 2", "")
    text += '"opposing.budget" = {lo = 0.0, hi = 1e7, steps = 3}\n' if kind == "factorial" else '"opposing.budget" = {lo = 0.0, hi = 1e7}\n'
    spec = load_experiment(write(tmp_path, text))
    assert count_points(spec.design, spec.factors, spec.samples, spec.second_order) == len(design_points(spec))
    assert spec.design is Design(DESIGNS[kind].split('"')[1])


# ------------------------------------------------------------------ memory
def test_memory_estimate_grows_with_voters_and_ties() -> None:
    """The estimate is the measured base plus bytes per voter and per tie, from the schema's electorate."""
    base = preflight.run_bytes(0, 10)
    assert base == preflight.BASE_BYTES
    assert preflight.run_bytes(1_000_000, 10) - base == 1_000_000 * (preflight.BYTES_PER_VOTER + 10 * preflight.BYTES_PER_TIE)
    assert preflight.run_bytes(1_000, 40) > preflight.run_bytes(1_000, 10)
    assert 1_000 < preflight.BYTES_PER_VOTER + 10 * preflight.BYTES_PER_TIE < 1_500  # about 1.2 KB a voter, as measured


def test_memory_check_refuses_unless_forced(monkeypatch: pytest.MonkeyPatch) -> None:
    """Work that needs more than 80% of what is available is refused in one line saying both figures; --force lets it through."""
    monkeypatch.setattr(preflight, "available_bytes", lambda: (4 * 2**30, "MemAvailable"))
    preflight.check_memory(preflight.run_bytes(1_000_000, 10), 1_000_000)
    with pytest.raises(ResourceError, match=r"n_voters=3,000,000 needs about 3\.6 GiB .* but 4\.0 GiB is available") as err:
        preflight.check_memory(preflight.run_bytes(3_000_000, 10), 3_000_000)
    assert "\n" not in str(err.value)
    preflight.check_memory(preflight.run_bytes(3_000_000, 10), 3_000_000, force=True)
    with pytest.raises(ResourceError, match="fewer --workers"):
        preflight.check_memory(preflight.run_bytes(1_000_000, 10), 1_000_000, workers=4)


def test_cgroup_limit_lowers_what_is_available(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cgroup limit below MemAvailable is what a run may use."""
    monkeypatch.setattr(preflight, "_meminfo_available", lambda: 8 * 2**30)
    monkeypatch.setattr(preflight, "_cgroup_available", lambda: 2**30)
    assert preflight.available_bytes() == (2**30, "the cgroup memory limit")
    monkeypatch.setattr(preflight, "_cgroup_available", lambda: None)
    assert preflight.available_bytes() == (8 * 2**30, "MemAvailable")


# ------------------------------------------------------------------ output folders
def test_run_force_writes_over_an_earlier_run(tmp_path: Path) -> None:
    """A second run into a run's folder needs --force; then it replaces the tables and drops the earlier CSVs."""
    out = tmp_path / "out"
    assert main([*RUN, "--out", str(out), "--csv"]) == 0
    assert (out / "steps.csv").is_file() and json.loads((out / "manifest.json").read_text())["kind"] == FolderKind.RUN.value
    assert main([*RUN, "--out", str(out), "--seed", "5"]) == 2
    assert json.loads((out / "manifest.json").read_text())["seed"] == 0
    assert main([*RUN, "--out", str(out), "--seed", "5", "--force"]) == 0
    assert json.loads((out / "manifest.json").read_text())["seed"] == 5
    assert not (out / "steps.csv").exists() and (out / "steps.parquet").is_file()


def test_check_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--check` validates a run and a sweep and stops, creating no folder."""
    assert main([*RUN, "--check", "--out", str(tmp_path / "run")]) == 0
    assert main(["sweep", str(write(tmp_path, GOOD)), "--check", "--out", str(tmp_path / "sweep")]) == 0
    assert capsys.readouterr().out.count("nothing run") == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exp.toml"]


def test_a_claimed_folder_is_given_back_when_the_work_fails(tmp_path: Path) -> None:
    """claim_folder makes the folder and its missing parents, and removes them again if the work inside raises."""
    target = tmp_path / "a" / "b" / "c"
    with pytest.raises(KeyboardInterrupt), preflight.claim_folder(target):
        assert target.is_dir()
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(OutputError, match="is a file"):
        (tmp_path / "f").write_text("x")
        preflight.check_folder(tmp_path / "f", FolderKind.RUN)


def test_the_default_folder_replaces_the_same_run_but_nothing_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --out, a second run of the same scenario and seed replaces the first, saying so; a sweep there is refused."""
    monkeypatch.chdir(tmp_path)
    assert main(RUN) == 0
    assert main(RUN) == 0
    assert "replacing the earlier run in runs/default-seed0/" in capsys.readouterr().out
    (tmp_path / "runs" / "default-seed1").mkdir()
    (tmp_path / "runs" / "default-seed1" / "manifest.json").write_text(json.dumps({"kind": "sweep", "experiment": {}}))
    assert main([*RUN, "--seed", "1"]) == 2
    assert "holds a pacsim sweep" in capsys.readouterr().err
