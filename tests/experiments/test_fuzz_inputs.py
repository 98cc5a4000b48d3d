"""Malformed input of every kind is refused before any work: exit code 2, one line naming the field, nothing written.

A table of cases across the command line, ``--set``, scenario files, experiment files,
output folders, executors and servers. Each runs ``pacsim`` in-process inside a sandbox
folder whose whole tree (names, sizes, modification times, bytes) is snapshotted before
and compared after. A handful of cases go through the real entry point as a subprocess,
and a hypothesis test throws arbitrary ``--set`` values at ``pacsim run --check``.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from worlds import GOOD, RUN

from pacsim.experiments import preflight
from pacsim.experiments.cli import main
from pacsim.experiments.results import PART_SUFFIX
from pacsim.model.params import FIELDS

SWEEP = ["sweep", "exp.toml", "--no-progress", "--workers", "1"]

NOT_UTF8 = '[target]\nname = "caf\xe9"\n'.encode("latin-1")


def scenario(text: str | bytes, name: str = "scen.toml") -> dict[str, str | bytes]:
    """Files for a case: one scenario file."""
    return {name: text}


def experiment(text: str | bytes) -> dict[str, str | bytes]:
    """Files for a case: the experiment file exp.toml."""
    return {"exp.toml": text}


def good_with(old: str, new: str) -> str:
    """GOOD with one substring replaced (which must be there)."""
    assert old in GOOD, old
    return GOOD.replace(old, new)


@dataclass(frozen=True)
class Case:
    """One malformed input: the arguments, the files it needs, and what the one line must say."""

    argv: list[str]
    needles: tuple[str, ...]
    files: dict[str, str | bytes] = field(default_factory=dict)
    setup: Callable[[Path], None] | None = None


def _sweep_manifest(root: Path, name: str, sha: str = "0" * 64, status: str = "complete") -> Path:
    folder = root / name
    folder.mkdir()
    manifest = {"kind": "sweep", "experiment": {"name": "x", "sha256": sha}, "n_runs": 4, "status": status}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def _corrupt_outcomes(root: Path) -> None:
    folder = _sweep_manifest(root, "sweepdir")
    (folder / "tables").mkdir()
    (folder / "tables" / "outcomes.parquet").write_bytes(b"PAR1 this is not parquet")
    (folder / "tables" / "runs.parquet").write_bytes(b"PAR1 nor is this")


def _corrupt_part(root: Path) -> None:
    """An unfinished sweep, whose report reads the parts, with one damaged outcomes part."""
    folder = _sweep_manifest(root, "sweepdir", status="running")
    for table in ("outcomes", "runs"):
        (folder / ".parts" / table).mkdir(parents=True)
        (folder / ".parts" / table / f"run-0000000{PART_SUFFIX}").write_bytes(b"PAR1 this is not parquet")


def _listening(root: Path) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    _OPEN.append(sock)
    (root / "port").write_text(str(sock.getsockname()[1]))


_OPEN: list[socket.socket] = []

CASES: dict[str, Case] = {
    # ------------------------------------------------------------ the command line
    "seed not an integer": Case([*RUN, "--seed", "x"], ("--seed", "allowed: an integer")),
    "cycles not an integer": Case([*RUN, "--cycles", "1.5"], ("--cycles", "allowed: an integer")),
    "seed negative": Case([*RUN, "--seed", "-1"], ("run.seed", "an integer in [0, ")),
    "cycles zero": Case([*RUN, "--cycles", "0"], ("run.n_cycles", "[1, 200]")),
    "unknown subcommand": Case(["fly"], ("command", "choose from")),
    "unknown option": Case([*RUN, "--bogus"], ("unrecognized arguments: --bogus",)),
    "sweep without a file": Case(["sweep"], ("file", "required")),
    "workers not an integer": Case([*SWEEP, "--workers", "two"], ("--workers", "allowed: an integer"), experiment(GOOD)),
    "unknown executor": Case([*SWEEP, "--executor", "slurm"], ("--executor", "choose from")),
    # ------------------------------------------------------------ --set
    "salience above 1": Case([*RUN, "--set", "target.salience=1.5"], ("target.salience", "[0, 1]")),
    "salience negative": Case([*RUN, "--set", "target.salience=-0.1"], ("target.salience", "[0, 1]")),
    "salience empty": Case([*RUN, "--set", "target.salience="], ("target.salience", "[0, 1]")),
    "salience a list": Case([*RUN, "--set", "target.salience=[0.1]"], ("target.salience", "a number")),
    "budget a word": Case([*RUN, "--set", "industry.budget=lots"], ("industry.budget", "a number")),
    "budget negative": Case([*RUN, "--set", "industry.budget=-5"], ("industry.budget", "[0, 1e+11]")),
    "budget infinite": Case([*RUN, "--set", "industry.budget=inf"], ("industry.budget", "[0, 1e+11]")),
    "shock size nan": Case([*RUN, "--set", "events.shock_size=nan"], ("events.shock_size", "[-10, 10]")),
    "unknown key": Case([*RUN, "--set", "target.colour=red"], ("target.colour", "section 'target' has")),
    "unknown section": Case([*RUN, "--set", "nosuch.key=1"], ("nosuch.key", "sections are")),
    "three-part key": Case([*RUN, "--set", "target.salience.x=1"], ("target.salience.x", "section 'target' has")),
    "no equals sign": Case([*RUN, "--set", "noequals"], ("--set", "KEY=VALUE")),
    "no key": Case([*RUN, "--set", "=5"], ("--set", "KEY=VALUE")),
    "empty target name": Case([*RUN, "--set", 'target.name=""'], ("target.name", "allowed: an issue name")),
    "target name with a space": Case([*RUN, "--set", 'target.name="a b"'], ("target.name", "allowed: an issue name")),
    "target name a number": Case([*RUN, "--set", "target.name=1"], ("target.name", "a string")),
    "target name is a background issue": Case(
        [*RUN, "--set", "target.name=economy"], ("target.name", "distinct from every background issue")
    ),
    "duplicate background issue": Case(
        [*RUN, "--set", 'salience.background_issues=["a","a","b","c"]'], ("salience.background_issues", "distinct issue names")
    ),
    "empty background issue": Case(
        [*RUN, "--set", 'salience.background_issues=["a","","b","c"]'], ("salience.background_issues", "allowed: an issue name")
    ),
    "weights and issues differ": Case(
        [*RUN, "--set", 'salience.background_issues=["a","b"]'], ("salience.background_weights", "salience.background_issues")
    ),
    "negative weight": Case([*RUN, "--set", "salience.background_weights=[1,1,1,-1]"], ("salience.background_weights", "> 0")),
    "odd senate": Case([*RUN, "--set", "legislature.senate_seats=3"], ("legislature.senate_seats", "must be even")),
    "zero house seats": Case([*RUN, "--set", "legislature.house_seats=0"], ("legislature.house_seats", "[1, 2000]")),
    "seats fractional": Case([*RUN, "--set", "legislature.house_seats=20.5"], ("legislature.house_seats", "an integer")),
    "campaign as long as the cycle": Case([*RUN, "--set", "run.campaign_steps=8"], ("run.campaign_steps", "must be less than")),
    "bad strategy": Case([*RUN, "--set", "industry.strategy=clever"], ("industry.strategy", "one of savvy, naive")),
    "gate not a boolean": Case([*RUN, "--set", "legislature.leadership_gate=maybe"], ("legislature.leadership_gate", "true or false")),
    "voters above the maximum": Case([*RUN, "--set", "electorate.n_voters=20000001"], ("electorate.n_voters", "[2, 20000000]")),
    "too few voters per district": Case(
        [*RUN, "--set", "electorate.n_voters=10"], ("electorate.n_voters", "at least 2 per House district")
    ),
    "more champions than seats": Case([*RUN, "--set", "politicians.champions=100"], ("politicians.champions", "at most the 24 seats")),
    # ------------------------------------------------------------ scenario files
    "unknown scenario": Case(["run", "atlantis"], ("atlantis", "shipped scenarios are")),
    "missing scenario file": Case(["run", "nothere.toml"], ("nothere.toml", "does not exist")),
    "scenario is a folder": Case(["run", "adir.toml"], ("adir.toml", "a .toml file"), setup=lambda r: (r / "adir.toml").mkdir()),
    "scenario not UTF-8": Case(
        [*RUN[:1], "scen.toml", *RUN[1:]], ("scen.toml", "not UTF-8", "allowed: a TOML file saved as UTF-8"), scenario(NOT_UTF8)
    ),
    "scenario not TOML": Case(["run", "scen.toml"], ("scen.toml", "not valid TOML"), scenario("[target\n")),
    "scenario unknown parameter": Case(["run", "scen.toml"], ("target.colour", "section 'target' has"), scenario("[target]\ncolour = 1\n")),
    "scenario value out of range": Case(["run", "scen.toml"], ("industry.budget", "[0, 1e+11]"), scenario("[industry]\nbudget = -1.0\n")),
    "scenario table not a table": Case(["run", "scen.toml"], ("[scenario]", "must be a table"), scenario("scenario = 1\n")),
    "scenario unknown meta key": Case(
        ["run", "scen.toml"], ("[scenario] colour", "allowed: base, description"), scenario('[scenario]\ncolour = "red"\n')
    ),
    "scenario base not a string": Case(
        ["run", "scen.toml"], ("[scenario] base", "allowed: a shipped scenario"), scenario("[scenario]\nbase = 3\n")
    ),
    "scenario base is itself": Case(["run", "scen.toml"], ("base 'scen.toml'", "leads back"), scenario('[scenario]\nbase = "scen.toml"\n')),
    "scenario bases loop": Case(
        ["run", "a.toml"],
        ("leads back", "a.toml -> ", "b.toml"),
        {"a.toml": '[scenario]\nbase = "b.toml"\n', "b.toml": '[scenario]\nbase = "./a.toml"\n'},
    ),
    "scenario base unknown name": Case(
        ["run", "scen.toml"], ("unknown scenario 'sibling'", "sibling.toml"), scenario('[scenario]\nbase = "sibling"\n')
    ),
    "scenario base missing file": Case(
        ["run", "scen.toml"], ("nothere.toml", "does not exist"), scenario('[scenario]\nbase = "../nothere.toml"\n')
    ),
    "scenario chain too long": Case(
        ["run", "s0.toml"],
        ("makes a chain of more than 32 files", "allowed: at most 32"),
        {f"s{i}.toml": f'[scenario]\nbase = "s{i + 1}.toml"\n' for i in range(40)} | {"s40.toml": ""},
    ),
    "scenario description not text": Case(
        ["run", "scen.toml"], ("[scenario] description", "a string"), scenario("[scenario]\ndescription = 5\n")
    ),
    # ------------------------------------------------------------ experiment files
    "experiment not found": Case(["sweep", "nothere.toml"], ("nothere.toml", "does not exist")),
    "experiment not UTF-8": Case(SWEEP, ("exp.toml", "not UTF-8"), experiment(GOOD.encode() + b"\n# \xff\n")),
    "experiment not TOML": Case(SWEEP, ("exp.toml", "not valid TOML"), experiment("[experiment\nname = 1")),
    "experiment unknown table": Case(
        SWEEP, ("exp.toml", "'extras'", "allowed: experiment, fixed, vary"), experiment(GOOD + "\n[extras]\nx = 1\n")
    ),
    "experiment unknown key": Case(
        SWEEP, ("exp.toml", "workers", "allowed:"), experiment(good_with('design = "factorial"', 'design = "factorial"\nworkers = 2'))
    ),
    "experiment billion points": Case(
        SWEEP,
        ("exp.toml", "1,000,000,000 design points", "2,000,000,000 runs", "at most 100,000 runs"),
        experiment(
            GOOD.split("[vary]")[0] + '[vary]\n"target.salience" = {lo = 0.01, hi = 0.4, steps = 1000}\n'
            '"industry.budget" = {lo = 1e6, hi = 1e8, steps = 1000}\n'
            '"opposing.budget" = {lo = 0, hi = 1e8, steps = 1000}\n'
        ),
    ),
    "experiment sobol too large": Case(
        SWEEP,
        ("exp.toml", "[experiment] samples", "600,000 runs", "at most 100,000 runs"),
        experiment(
            '[experiment]\nname = "s"\ndesign = "sobol"\nsamples = 100000\nsecond_order = true\nmaster_seed = 1\n'
            '[vary]\n"target.salience" = {lo = 0.01, hi = 0.4}\n"industry.budget" = {lo = 1e6, hi = 1e8}\n'
        ),
    ),
    "experiment zero replicates": Case(
        SWEEP, ("exp.toml", "replicates", "[1, 10000]"), experiment(good_with("replicates = 2", "replicates = 0"))
    ),
    "experiment missing master seed": Case(SWEEP, ("exp.toml", "master_seed"), experiment(good_with("master_seed = 11\n", ""))),
    "experiment varies nothing": Case(SWEEP, ("exp.toml", "nothing is varied"), experiment(GOOD.split("[vary]")[0])),
    "experiment bad design": Case(
        SWEEP, ("exp.toml", "fractional", "one of factorial"), experiment(good_with('design = "factorial"', 'design = "fractional"'))
    ),
    "experiment varies the seed": Case(SWEEP, ("exp.toml", "run.seed", "master_seed"), experiment(GOOD + '"run.seed" = [1, 2]\n')),
    "experiment unknown outcome": Case(
        SWEEP, ("exp.toml", "happiness", "allowed:"), experiment(good_with('"passage_rate"]', '"happiness"]'))
    ),
    "experiment fixed unknown parameter": Case(
        SWEEP, ("exp.toml", "electorate.colour"), experiment(good_with("[fixed]", '[fixed]\n"electorate.colour" = 1'))
    ),
    "experiment scenario loops": Case(
        SWEEP,
        ("exp.toml", "[experiment] scenario", "leads back"),
        {**experiment(good_with('scenario = "default"', 'scenario = "a.toml"')), "a.toml": '[scenario]\nbase = "a.toml"\n'},
    ),
    "experiment varied scenario missing": Case(
        SWEEP, ("exp.toml", "[vary] scenario", "nothere.toml"), experiment(GOOD + 'scenario = ["default", "nothere.toml"]\n')
    ),
    "experiment scenario not UTF-8": Case(
        SWEEP,
        ("exp.toml", "scen.toml", "not UTF-8"),
        {**experiment(good_with('scenario = "default"', 'scenario = "scen.toml"')), "scen.toml": NOT_UTF8},
    ),
    # ------------------------------------------------------------ output folders
    "run into a file": Case([*RUN, "--out", "afile"], ("--out 'afile'", "is a file", "allowed: a folder")),
    "run under a file": Case([*RUN, "--out", "afile/sub"], ("--out 'afile/sub'", "is a file", "allowed:")),
    "run under /proc": Case(
        [*RUN, "--out", "/proc/pacsim-fuzz"], ("--out '/proc/pacsim-fuzz'", "pseudo file system", "allowed: a folder on a disk")
    ),
    "run into a non-empty folder": Case([*RUN, "--out", "full"], ("--out 'full'", "not empty", "--force")),
    "run over an earlier run": Case([*RUN, "--out", "rundir"], ("--out 'rundir'", "an earlier run", "--force")),
    "run into a sweep": Case(
        [*RUN, "--out", "sweepdir"],
        ("--out 'sweepdir'", "holds a pacsim sweep", "allowed:"),
        setup=lambda r: _sweep_manifest(r, "sweepdir"),
    ),
    "run into a sweep, forced": Case(
        [*RUN, "--out", "sweepdir", "--force"], ("--out 'sweepdir'", "holds a pacsim sweep"), setup=lambda r: _sweep_manifest(r, "sweepdir")
    ),
    "run needs more memory than there is": Case(
        ["run", "--check", "--set", "electorate.n_voters=2000000"], ("electorate.n_voters=2,000,000", "is available", "--force")
    ),
    "sweep into a file": Case([*SWEEP, "--out", "afile"], ("--out 'afile'", "is a file"), experiment(GOOD)),
    "sweep into a non-empty folder": Case([*SWEEP, "--out", "full"], ("--out 'full'", "holds no sweep", "allowed:"), experiment(GOOD)),
    "sweep into a run": Case([*SWEEP, "--out", "rundir"], ("--out 'rundir'", "holds a pacsim run", "allowed:"), experiment(GOOD)),
    "sweep over a sweep": Case(
        [*SWEEP, "--out", "sweepdir"],
        ("--out 'sweepdir'", "already holds a sweep", "--resume"),
        experiment(GOOD),
        lambda r: _sweep_manifest(r, "sweepdir"),
    ),
    "resume another file's sweep": Case(
        [*SWEEP, "--out", "sweepdir", "--resume"],
        ("sweepdir", "different experiment file"),
        experiment(GOOD),
        lambda r: _sweep_manifest(r, "sweepdir"),
    ),
    "resume a truncated manifest": Case(
        [*SWEEP, "--out", "trunc", "--resume"], ("trunc/manifest.json", "not a readable manifest", "allowed:"), experiment(GOOD)
    ),
    "resume a manifest that is a list": Case(
        [*SWEEP, "--out", "listed", "--resume"], ("listed/manifest.json", "JSON list", "allowed:"), experiment(GOOD)
    ),
    "sweep needs more memory than there is": Case(
        [*SWEEP, "--workers", "8"], ("8 workers", "is available", "fewer --workers"), experiment(GOOD)
    ),
    "report on a truncated manifest": Case(["report", "trunc"], ("trunc/manifest.json", "not a readable manifest")),
    "report on a list manifest": Case(["report", "listed"], ("listed/manifest.json", "JSON list")),
    "report on a run": Case(["report", "rundir"], ("rundir", "single pacsim run", "allowed: a run folder written by pacsim sweep")),
    "report without a manifest": Case(["report", "full"], ("full", "no manifest.json")),
    "report on corrupt parquet": Case(["report", "sweepdir"], ("sweepdir", "'outcomes' cannot be read"), setup=_corrupt_outcomes),
    "report on a corrupt part": Case(["report", "sweepdir"], ("sweepdir", "'outcomes' cannot be read"), setup=_corrupt_part),
    "report into a file": Case(["report", "sweepdir", "--out", "afile"], ("--out 'afile'", "is a file"), setup=_corrupt_outcomes),
    "report into a non-empty folder": Case(
        ["report", "sweepdir", "--out", "full"], ("--out 'full'", "holds no report"), setup=_corrupt_outcomes
    ),
    "report into a sweep": Case(
        ["report", "sweepdir", "--out", "sweepdir"], ("--out 'sweepdir'", "holds a pacsim run or sweep"), setup=_corrupt_outcomes
    ),
    # ------------------------------------------------------------ executors and servers
    "zero workers": Case([*SWEEP, "--workers", "0"], ("--workers=0", "[1, 256]"), experiment(GOOD)),
    "too many workers": Case([*SWEEP, "--workers", "100000"], ("--workers=100000", "[1, 256]"), experiment(GOOD)),
    "scheduler not an address": Case(
        [*SWEEP, "--executor", "dask", "--scheduler", "not a url"], ("--scheduler 'not a url'", "tcp://127.0.0.1:8786"), experiment(GOOD)
    ),
    "scheduler port out of range": Case(
        [*SWEEP, "--executor", "dask", "--scheduler", "tcp://127.0.0.1:99999"], ("--scheduler", "[1, 65535]"), experiment(GOOD)
    ),
    "scheduler unknown scheme": Case(
        [*SWEEP, "--executor", "dask", "--scheduler", "http://127.0.0.1:8786"], ("--scheduler", "unknown scheme 'http'"), experiment(GOOD)
    ),
    "scheduler without dask": Case([*SWEEP, "--scheduler", "tcp://127.0.0.1:8786"], ("--scheduler", "--executor dask"), experiment(GOOD)),
    "viz port negative": Case(["viz", "--port", "-1"], ("--port", "[1, 65535]")),
    "viz port too large": Case(["viz", "--port", "70000"], ("--port", "[1, 65535]")),
    "viz port a word": Case(["viz", "--port", "http"], ("--port", "[1, 65535]")),
    "viz host unknown": Case(["viz", "--host", "no such host"], ("--host 'no such host'", "allowed: 127.0.0.1")),
    "viz port in use": Case(["viz", "--port", "PORT"], ("cannot serve on 127.0.0.1", "a free --port"), setup=_listening),
    "viz bad parameter": Case(["viz", "--set", "target.salience=2"], ("target.salience", "[0, 1]")),
    "viz unknown scenario": Case(["viz", "atlantis"], ("atlantis", "shipped scenarios are")),
    # ------------------------------------------------------------ benchmarks and measures
    "bench sizes a word": Case(["bench", "model", "--sizes", "many"], ("--sizes", "'many'", "integers in [2, ")),
    "bench sizes one below 2": Case(["bench", "model", "--sizes", "100000,1"], ("--sizes", "'100000,1'", "integers in [2, ")),
    "bench size too small a world": Case(["bench", "model", "--sizes", "100"], ("electorate.n_voters=100", "at least")),
    "bench agent world too small": Case(["bench", "model", "--agent-voters", "100"], ("electorate.n_voters=100", "at least")),
    "bench reps zero": Case(["bench", "model", "--reps", "0"], ("--reps", "'0'", "an integer in [1, ")),
    "bench steps a fraction": Case(["bench", "model", "--steps", "1.5"], ("--steps", "'1.5'", "an integer in [1, ")),
    "bench default runs zero": Case(["bench", "model", "--default-runs", "0"], ("--default-runs", "'0'", "an integer in [1, ")),
    "bench sweep pairs too many": Case(["bench", "model", "--sweep-pairs", "101"], ("--sweep-pairs", "'101'", "an integer in [1, ")),
    "bench out under a file": Case(["bench", "model", "--out", "afile/bench.json"], ("--out 'afile/bench.json'", "is not a folder")),
    "bench out a folder": Case(["bench", "model", "--out", "full"], ("--out 'full'", "is a folder")),
    "bench sweep samples zero": Case(["bench", "sweep", "--samples", "0"], ("--samples", "'0'", "an integer in [1, ")),
    "bench sweep out in a missing folder": Case(["bench", "sweep", "--out", "gone/b.json"], ("--out 'gone/b.json'", "is not a folder")),
    "bench memory out a folder": Case(["bench", "memory", "--out", "full"], ("--out 'full'", "is a folder")),
    "bench viz repeats zero": Case(["bench", "viz", "--repeats", "0"], ("--repeats", "'0'", "an integer in [1, ")),
    "measure seed negative": Case(["measure", "--seeds", "1", "-1"], ("--seeds", "'-1'", "an integer in [0, ")),
    "measure workers zero": Case(["measure", "--workers", "0"], ("--workers", "'0'", "an integer in [1, 256]")),
    "measure worlds too small": Case(["measure", "--voters", "5"], ("electorate.n_voters=5", "at least")),
    "measure out under a file": Case(["measure", "--out", "afile/m.json"], ("--out 'afile/m.json'", "is not a folder")),
}


def build_sandbox(root: Path, case: Case) -> None:
    """The folders every case may point at, then the case's own files."""
    (root / "afile").write_text("not a folder\n")
    (root / "full").mkdir()
    (root / "full" / "notes.txt").write_text("someone's notes\n")
    (root / "rundir").mkdir()
    (root / "rundir" / "manifest.json").write_text(json.dumps({"kind": "run", "scenario": "default", "params": {}}))
    (root / "trunc").mkdir()
    (root / "trunc" / "manifest.json").write_text('{"kind": "sweep", "experim')
    (root / "listed").mkdir()
    (root / "listed" / "manifest.json").write_text("[1, 2, 3]\n")
    for name, content in case.files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    if case.setup:
        case.setup(root)


def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry under ``root``: kind, size, modification time and a hash of the bytes of each file."""
    out = {}
    for path in sorted(root.rglob("*")):
        stat = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
        out[str(path.relative_to(root))] = (path.is_dir(), stat.st_size, stat.st_mtime_ns, digest)
    return out


@pytest.fixture
def small_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine with 1 GiB available, whatever this one has."""
    monkeypatch.setattr(preflight, "available_bytes", lambda: (2**30, "a test's 1 GiB"))


def test_enough_cases() -> None:
    """The table covers at least 60 kinds of malformed input."""
    assert len(CASES) >= 60


@pytest.mark.parametrize("name", list(CASES))
def test_malformed_input_is_refused_cleanly(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], small_memory: None
) -> None:
    """Exit code 2, exactly one line on stderr naming the field and what is allowed, no traceback, nothing written."""
    case = CASES[name]
    build_sandbox(tmp_path, case)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(subprocess, "call", lambda *a, **k: pytest.fail("a server was started"))
    port = (tmp_path / "port").read_text() if (tmp_path / "port").exists() else None
    argv = [port if a == "PORT" and port else a for a in case.argv]
    before = snapshot(tmp_path)
    try:
        code = main(argv)
    finally:
        while _OPEN:
            _OPEN.pop().close()
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert code == 2, (code, captured.err, captured.out)
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err + captured.out
    assert lines[0].startswith("pacsim"), lines[0]
    for needle in case.needles:
        assert needle in lines[0], (needle, lines[0])
    assert snapshot(tmp_path) == before


#: Cases run through the real ``python -m pacsim`` entry point, one process each.
SUBPROCESS_CASES = [
    "empty target name",
    "scenario not UTF-8",
    "sweep into a run",
    "viz port too large",
    "report on a list manifest",
    "scheduler not an address",
]


@pytest.mark.parametrize("name", SUBPROCESS_CASES)
def test_entry_point_refuses_cleanly(name: str, tmp_path: Path) -> None:
    """The installed command behaves as the in-process one: exit code 2, one line, no traceback, nothing written."""
    case = CASES[name]
    build_sandbox(tmp_path, case)
    before = snapshot(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    proc = subprocess.run([sys.executable, "-m", "pacsim", *case.argv], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stderr
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    for needle in case.needles:
        assert needle in lines[0], (needle, lines[0])
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    ("argv", "option"),
    [(["bench", "model"], "--sizes"), (["bench", "sweep"], "--samples"), (["bench", "viz"], "--repeats"), (["measure"], "--seeds")],
)
def test_a_subcommand_loaded_on_use_lists_its_options(argv: list[str], option: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A subcommand whose module is imported only when it runs still shows its own options in its --help."""
    assert main([*argv, "--help"]) == 0
    assert option in capsys.readouterr().out


#: Values a user might type after ``KEY=``: TOML literals, numbers at and past the bounds, words, junk.
SET_VALUES = st.one_of(
    st.text(max_size=12),
    st.integers(-(10**20), 10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["true", "false", "[]", "[1, 2]", '["a", "a"]', '""', "{}", "nan", "-inf", "1e400", "0x10", "'x'", "savvy", "naive"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.one_of(st.sampled_from(sorted(FIELDS)), st.text(max_size=20)), value=SET_VALUES)
def test_any_set_value_is_accepted_or_refused_in_one_line(key: str, value: str, tmp_path: Path) -> None:
    """`pacsim run --check --set KEY=VALUE`: exit 0 with nothing run, or exit 2 with one line; never a traceback, never a file."""
    out = tmp_path / "never"
    err, std = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(std):
        code = main([*RUN, "--check", "--out", str(out), "--set", f"{key}={value}"])
    assert code in (0, 2), (code, err.getvalue())
    assert "Traceback" not in err.getvalue()
    if code == 2:
        lines = err.getvalue().strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("pacsim"), err.getvalue()
    else:
        assert "nothing run" in std.getvalue()
    assert not out.exists()
