"""Experiment files: a TOML declaration of what varies, over which design, and what is measured.

An experiment file is data. It names the scenario a sweep starts from, the parameters it
holds fixed and the ones it varies (a list of values, or a range), the design (full
factorial, Latin hypercube, Sobol/Saltelli or Morris), the replicates, the master seed,
the cycles to run and the outcomes wanted. :func:`load_experiment` validates all of it
against the one parameter schema (:mod:`model.params`) and the shipped scenarios, and
raises :class:`ExperimentError` with one line naming the file, the line, the key, the
value and what is allowed. Nothing runs and nothing is written until a file is valid.

EMA Workbench's split between uncertainties and outcomes on one side and evaluators on the
other is the model: this module only declares; :mod:`experiments.sweep` executes.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from pacsim.experiments.design import SCENARIO_KEY, Design, ExperimentSpec, Factor, count_points, design_points
from pacsim.experiments.errors import ExperimentError
from pacsim.model.params import FIELDS, ParameterError, Params, build_params, flatten
from pacsim.model.scenarios import ScenarioError, is_path, list_scenarios, load_scenario, read_text, resolve_file, scenario_path

EXPERIMENT_DIR = Path(__file__).parent

#: Per-run tables a sweep may keep besides its outcomes; ``steps`` is the model time series.
TABLE_CHOICES = ("steps", "legislators", "votes", "bills", "races", "spending", "events")

_TOP_KEYS = {"experiment", "fixed", "vary"}
_EXPERIMENT_KEYS = {
    "name",
    "description",
    "claim",
    "scenario",
    "design",
    "replicates",
    "master_seed",
    "n_cycles",
    "outcomes",
    "tables",
    "samples",
    "levels",
    "second_order",
    "expected",
}
_RANGE_KEYS = {"lo", "hi", "log", "steps"}
#: Most runs (design points x replicates) one experiment file may declare. At 0.1-1 s per
#: miniature run this is hours to days on one machine; the cap also bounds the checks made
#: before a sweep starts (each distinct design point is validated once, about 50 us each).
MAX_RUNS = 100_000


# ------------------------------------------------------------------ locating keys
def _strip_key(raw: str) -> str:
    return ".".join(part.strip().strip('"').strip("'") for part in re.split(r"\.(?=(?:[^\"']*[\"'][^\"']*[\"'])*[^\"']*$)", raw))


def line_of(text: str, table: str, key: str | None) -> int | None:
    """Line (1-based) where ``key`` is set inside ``[table]`` (``""`` for the top level), or the table's header."""
    wanted = ".".join(part for part in (table, key) if part)
    current = ""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.split("#", 1)[0].strip() if not line.strip().startswith(("'", '"')) else line.strip()
        header = re.fullmatch(r"\[\s*([^\[\]]+?)\s*\]", stripped)
        if header:
            current = _strip_key(header.group(1))
            if current == wanted:
                return number
            continue
        lhs, eq, _ = stripped.partition("=")
        if eq and ".".join(part for part in (current, _strip_key(lhs)) if part) == wanted:
            return number
    return None


class _Reader:
    """Turns problems found while reading one file into :class:`ExperimentError` with file, line and key."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text

    def fail(self, table: str, key: str | None, message: str) -> ExperimentError:
        """An error located at ``[table] key`` of the file (or at the table when the key is absent)."""
        line = line_of(self.text, table, key) or (line_of(self.text, table, None) if table else None)
        where = f"'{self.path}'" + (f", line {line}" if line else "")
        what = f"[{table}] {key}" if table and key else (f"[{table}]" if table else str(key))
        return ExperimentError(f"experiment file {where}: key '{what}': {message}")


# ------------------------------------------------------------------ reading
@lru_cache(maxsize=1)
def known_outcomes() -> tuple[str, ...]:
    """Every outcome a run reports: the model's summary keys plus the sweep's derived measures.

    Read from a miniature run of the default scenario, so that new summary keys added to
    :func:`model.outcomes.summarise` become valid outcomes without a list kept here. The run
    is made in a forked child (:func:`~pacsim.experiments.executors.call_forked`): its
    kernel threads would otherwise keep this process from forking a sweep's workers.
    """
    from pacsim.experiments.executors import call_forked
    from pacsim.experiments.measures import run_outcomes
    from pacsim.experiments.runner import simulate

    tiny = build_params(
        {
            "electorate.n_voters": 200,
            "legislature.house_seats": 10,
            "legislature.senate_seats": 4,
            "run.n_cycles": 1,
            "run.steps_per_cycle": 8,
            "run.campaign_steps": 2,
        }
    )

    def outcomes_of_a_miniature_run() -> tuple[str, ...]:
        return tuple(run_outcomes(simulate(tiny), tiny))

    return call_forked(outcomes_of_a_miniature_run)


def resolve_experiment(name_or_path: str | Path) -> Path:
    """The file behind an experiment name (a shipped file in ``experiments/``) or a path."""
    return resolve_file(name_or_path, EXPERIMENT_DIR, "experiment", ExperimentError)


def list_experiments() -> list[str]:
    """Names of the experiment files shipped in ``experiments/``."""
    return sorted(p.stem for p in EXPERIMENT_DIR.glob("*.toml"))


def scenario_ref_of(ref: str, experiment: Path) -> str:
    """How an experiment file's scenario reference is loaded: a path is taken from the file's folder, a bare name is shipped."""
    found = scenario_path(ref, relative_to=experiment.parent)
    return str(found) if is_path(ref) else ref


def _expect(reader: _Reader, table: str, key: str, value: Any, kind: type | tuple[type, ...], allowed: str) -> Any:
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise reader.fail(table, key, f"{value!r} is not allowed; allowed: {allowed}")
    if not isinstance(value, kind):
        raise reader.fail(table, key, f"{value!r} is not allowed; allowed: {allowed}")
    return value


def _check_value(reader: _Reader, table: str, key: str, base: Params, path: str, value: Any) -> None:
    """Validate one value of one parameter against the schema, on top of the scenario."""
    try:
        base.with_overrides({path: value})
    except ParameterError as exc:
        raise reader.fail(table, key, str(exc)) from None


def _read_factor(reader: _Reader, path: str, raw: Any, base: Params, design: Design) -> Factor:
    if path == SCENARIO_KEY:
        if not isinstance(raw, list) or not raw or not all(isinstance(v, str) for v in raw):
            raise reader.fail(
                "vary", path, f"{raw!r} is not allowed; allowed: a non-empty list of scenario names ({', '.join(list_scenarios())})"
            )
        refs = []
        for name in raw:
            try:
                refs.append(scenario_ref_of(name, reader.path))
                load_scenario(refs[-1])
            except (ScenarioError, ParameterError) as exc:
                raise reader.fail("vary", path, str(exc)) from None
        if design in (Design.SOBOL, Design.MORRIS):
            raise reader.fail(
                "vary", path, f"a {design.value} design needs numeric ranges; vary the scenario with design 'factorial' or 'latin'"
            )
        return Factor(path, values=tuple(refs))
    if path not in FIELDS:
        try:
            build_params({path: None})
        except ParameterError as exc:
            raise reader.fail("vary", path, str(exc)) from None
    if path == "run.seed":
        raise reader.fail("vary", path, "run seeds come from [experiment] master_seed and cannot be varied")
    spec = FIELDS[path]
    if isinstance(raw, list):
        if not raw:
            raise reader.fail("vary", path, f"an empty list; allowed: a non-empty list of values, each {spec.allowed()}")
        if len(raw) > MAX_RUNS:
            raise reader.fail("vary", path, f"a list of {len(raw):,} values; allowed: at most {MAX_RUNS:,} runs per experiment file")
        for value in raw:
            _check_value(reader, "vary", path, base, path, value)
        if design in (Design.SOBOL, Design.MORRIS):
            raise reader.fail("vary", path, f"a {design.value} design needs a range {{lo = ..., hi = ...}}, not a list of values")
        return Factor(path, values=tuple(raw))
    if not isinstance(raw, dict):
        raise reader.fail(
            "vary", path, f"{raw!r} is not allowed; allowed: a list of values or a range {{lo = ..., hi = ..., log = false, steps = 5}}"
        )
    unknown = set(raw) - _RANGE_KEYS
    if unknown:
        raise reader.fail("vary", path, f"unknown range key '{sorted(unknown)[0]}'; allowed: {', '.join(sorted(_RANGE_KEYS))}")
    if spec.type not in (int, float):
        raise reader.fail("vary", path, f"a range needs a numeric parameter; '{path}' is {spec.allowed()}, so give a list of values")
    if "lo" not in raw or "hi" not in raw:
        raise reader.fail("vary", path, "a range needs both 'lo' and 'hi'")
    lo, hi = raw["lo"], raw["hi"]
    for bound in (lo, hi):
        if isinstance(bound, bool) or not isinstance(bound, int | float):
            raise reader.fail("vary", path, f"range bound {bound!r} is not a number; allowed: {spec.allowed()}")
        _check_value(reader, "vary", path, base, path, int(bound) if spec.type is int else float(bound))
    if not lo < hi:
        raise reader.fail("vary", path, f"range lo={lo!r} must be less than hi={hi!r}")
    log = raw.get("log", False)
    if not isinstance(log, bool):
        raise reader.fail("vary", path, f"log={log!r}; allowed: true or false")
    if log and lo <= 0:
        raise reader.fail("vary", path, f"a log range needs lo > 0, got lo={lo!r}")
    steps = raw.get("steps")
    if design is Design.FACTORIAL:
        if steps is None:
            raise reader.fail("vary", path, "a range in a factorial design needs 'steps' (the number of levels, at least 2)")
        if isinstance(steps, bool) or not isinstance(steps, int) or not 2 <= steps <= 1000:
            raise reader.fail("vary", path, f"steps={steps!r}; allowed: an integer in [2, 1000]")
    return Factor(path, lo=float(lo), hi=float(hi), log=log, steps=steps, integer=spec.type is int)


def read_experiment(path: Path, text: str) -> ExperimentSpec:
    """Validate the text of an experiment file; every problem is one :class:`ExperimentError` line."""
    reader = _Reader(path, text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ExperimentError(f"experiment file '{path}': not valid TOML: {exc}") from None
    for key in data:
        if key not in _TOP_KEYS:
            raise reader.fail("", key, f"unknown table; allowed: {', '.join(sorted(_TOP_KEYS))}")
    exp = data.get("experiment")
    if not isinstance(exp, dict):
        raise ExperimentError(
            f"experiment file '{path}': missing the [experiment] table "
            "(name, scenario, design, replicates, master_seed, n_cycles, outcomes)"
        )
    for key in exp:
        if key not in _EXPERIMENT_KEYS:
            raise reader.fail("experiment", key, f"unknown key; allowed: {', '.join(sorted(_EXPERIMENT_KEYS))}")

    name = _expect(reader, "experiment", "name", exp.get("name", path.stem), str, "a string")
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise reader.fail("experiment", "name", f"{name!r}; allowed: letters, digits, '_', '-', '.'")
    design_raw = exp.get("design", Design.FACTORIAL.value)
    if design_raw not in {d.value for d in Design}:
        raise reader.fail("experiment", "design", f"{design_raw!r} is not a design; allowed: one of {', '.join(d.value for d in Design)}")
    design = Design(design_raw)
    replicates = _expect(reader, "experiment", "replicates", exp.get("replicates", 1), int, "an integer in [1, 10000]")
    if not 1 <= replicates <= 10_000:
        raise reader.fail("experiment", "replicates", f"{replicates!r}; allowed: an integer in [1, 10000]")
    if "master_seed" not in exp:
        raise reader.fail("experiment", None, "missing 'master_seed'; allowed: an integer in [0, 2**63-1]")
    master_seed = _expect(reader, "experiment", "master_seed", exp["master_seed"], int, "an integer in [0, 2**63-1]")
    if not 0 <= master_seed < 2**63:
        raise reader.fail("experiment", "master_seed", f"{master_seed!r}; allowed: an integer in [0, 2**63-1]")

    scenario = _expect(
        reader,
        "experiment",
        "scenario",
        exp.get("scenario", "default"),
        str,
        f"a scenario name ({', '.join(list_scenarios())}) or a .toml path",
    )
    try:
        scenario_ref = scenario_ref_of(scenario, path)
        _, base = load_scenario(scenario_ref)
    except (ScenarioError, ParameterError) as exc:
        raise reader.fail("experiment", "scenario", str(exc)) from None

    fixed_raw = data.get("fixed", {})
    if not isinstance(fixed_raw, dict):
        raise reader.fail("", "fixed", "must be a table of parameter = value")
    fixed = flatten(fixed_raw)
    for key in fixed:
        if key == "run.seed":
            raise reader.fail("fixed", key, "run seeds come from [experiment] master_seed and cannot be fixed")
    try:
        base.with_overrides(fixed)
    except ParameterError as whole:
        for key, value in fixed.items():
            try:
                base.with_overrides({key: value})
            except ParameterError as exc:
                if str(exc).startswith(("invalid value", "unknown parameter")):
                    raise reader.fail("fixed", key, str(exc)) from None
        raise reader.fail("", "fixed", str(whole)) from None
    n_cycles = exp.get("n_cycles", fixed.get("run.n_cycles", base.run.n_cycles))
    if "n_cycles" in exp:
        if "run.n_cycles" in fixed:
            raise reader.fail("experiment", "n_cycles", "set twice: here and as [fixed] run.n_cycles; keep one")
        _check_value(reader, "experiment", "n_cycles", base, "run.n_cycles", n_cycles)
    fixed["run.n_cycles"] = n_cycles
    try:
        base = base.with_overrides(fixed)
    except ParameterError as exc:
        raise reader.fail("", "fixed", str(exc)) from None

    samples = exp.get("samples", 16)
    _expect(reader, "experiment", "samples", samples, int, "an integer in [1, 100000]")
    if not 1 <= samples <= 100_000:
        raise reader.fail("experiment", "samples", f"{samples!r}; allowed: an integer in [1, 100000]")
    levels = exp.get("levels", 4)
    _expect(reader, "experiment", "levels", levels, int, "an even integer in [2, 100]")
    if not (2 <= levels <= 100 and levels % 2 == 0):
        raise reader.fail("experiment", "levels", f"{levels!r}; allowed: an even integer in [2, 100]")
    second_order = _expect(reader, "experiment", "second_order", exp.get("second_order", False), bool, "true or false")

    vary_raw = data.get("vary", {})
    if not isinstance(vary_raw, dict):
        raise reader.fail("", "vary", "must be a table of parameter = [values] or {lo, hi}")
    vary = {SCENARIO_KEY: vary_raw[SCENARIO_KEY]} if SCENARIO_KEY in vary_raw else {}
    vary.update(flatten({k: v for k, v in vary_raw.items() if k != SCENARIO_KEY}))
    if not vary:
        raise reader.fail("", "vary", "nothing is varied; allowed: at least one parameter path from `pacsim params`, or 'scenario'")
    factors = []
    for key, raw in vary.items():
        if key in fixed and key != "run.n_cycles":
            raise reader.fail("vary", key, "is also set in [fixed]; keep one")
        factors.append(_read_factor(reader, key, raw, base, design))
    if design in (Design.SOBOL, Design.MORRIS) and len(factors) < 2:
        raise reader.fail("", "vary", f"a {design.value} design needs at least two varied parameters")

    outcomes_raw = exp.get("outcomes", ["capture_index"])
    known = known_outcomes()
    if not isinstance(outcomes_raw, list) or not outcomes_raw or not all(isinstance(o, str) for o in outcomes_raw):
        raise reader.fail("experiment", "outcomes", f"{outcomes_raw!r}; allowed: a non-empty list of {', '.join(known)}")
    for outcome in outcomes_raw:
        if outcome not in known:
            raise reader.fail("experiment", "outcomes", f"unknown outcome {outcome!r}; allowed: {', '.join(known)}")
    tables_raw = exp.get("tables", ["steps", "bills", "votes"])
    if not isinstance(tables_raw, list) or not all(isinstance(t, str) for t in tables_raw):
        raise reader.fail("experiment", "tables", f"{tables_raw!r}; allowed: a list of {', '.join(TABLE_CHOICES)}")
    for table in tables_raw:
        if table not in TABLE_CHOICES:
            raise reader.fail("experiment", "tables", f"unknown table {table!r}; allowed: {', '.join(TABLE_CHOICES)}")

    spec = ExperimentSpec(
        path=path,
        text=text,
        name=name,
        description=_expect(reader, "experiment", "description", exp.get("description", ""), str, "a string"),
        claim=_expect(reader, "experiment", "claim", exp.get("claim", ""), str, "a string such as 'C1'"),
        expected=_expect(reader, "experiment", "expected", exp.get("expected", ""), str, "a string"),
        scenario=scenario_ref,
        fixed=fixed,
        factors=tuple(factors),
        design=design,
        replicates=replicates,
        master_seed=master_seed,
        n_cycles=int(n_cycles),
        outcomes=tuple(outcomes_raw),
        tables=tuple(tables_raw),
        samples=samples,
        levels=levels,
        second_order=second_order,
    )
    _check_points(spec, reader)
    return spec


def _check_points(spec: ExperimentSpec, reader: _Reader) -> None:
    """Count the runs by arithmetic first, then build each distinct design point's parameters once.

    The count comes before any design point exists, so a design of 10**9 points is refused
    at once; then a combination the schema forbids fails before anything runs.
    """
    n_points = count_points(spec.design, spec.factors, spec.samples, spec.second_order)
    n_runs = n_points * spec.replicates
    if n_runs > MAX_RUNS:
        key = ("", "vary") if spec.design is Design.FACTORIAL else ("experiment", "samples")
        raise reader.fail(
            *key,
            f"{n_points:,} design points x {spec.replicates:,} replicates = {n_runs:,} runs; "
            f"allowed: at most {MAX_RUNS:,} runs per experiment file",
        )
    bases: dict[str, Params] = {}
    seen: set[tuple[tuple[str, Any], ...]] = set()
    for point in design_points(spec):
        point_key = tuple(sorted(point.items()))
        if point_key in seen:
            continue
        seen.add(point_key)
        scenario = point.get(SCENARIO_KEY, spec.scenario)
        overrides = {k: v for k, v in point.items() if k != SCENARIO_KEY}
        try:
            if scenario not in bases:
                bases[scenario] = load_scenario(scenario, spec.fixed)[1]
            bases[scenario].with_overrides(overrides)
        except (ParameterError, ScenarioError) as exc:
            raise reader.fail("", "vary", f"design point {point} is not a valid run: {exc}") from None


def load_experiment(name_or_path: str | Path) -> ExperimentSpec:
    """Read and validate an experiment file (a path, or the name of a shipped experiment)."""
    path = resolve_experiment(name_or_path)
    return read_experiment(path, read_text(path, "experiment", ExperimentError))
