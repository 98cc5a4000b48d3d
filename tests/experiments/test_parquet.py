"""Run folders open in pandas, DuckDB and pyarrow with the declared types, and the CLI behaves like a Unix tool.

A sweep in which some runs have no bills, no spending and no shock writes every part with
its table's declared schema (never all-null columns); a glob over the folder finds each
table once; progress bars draw only on a terminal; files get the umask's mode.
"""

from __future__ import annotations

import io
import math
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from worlds import TINY, mini_params, write

from pacsim.experiments import results
from pacsim.experiments.cli import build_parser, main
from pacsim.experiments.design import plan_runs
from pacsim.experiments.results import PART_SUFFIX, RunFolder
from pacsim.experiments.runner import run_scenario, simulate
from pacsim.experiments.spec import load_experiment
from pacsim.experiments.store import atomic_write_bytes, atomic_write_parquet
from pacsim.experiments.sweep import run_sweep
from pacsim.model.schemas import row_to_arrow, run_schemas, sweep_schemas, to_arrow, with_run_id

PER_RUN = ("steps", "legislators", "votes", "bills", "races", "spending", "events")

#: Eight runs: with and without bills, industry money and a salience shock, so some runs have empty tables.
EMPTY_SWEEP = (
    """
[experiment]
name = "empties"
design = "factorial"
replicates = 1
master_seed = 3
n_cycles = 1
outcomes = ["capture_index"]
tables = ["steps", "legislators", "votes", "bills", "races", "spending", "events"]
"""
    + TINY
    + """
"opposing.budget" = 0.0
[vary]
"legislature.bills_per_session" = [0, 2]
"industry.budget" = [0.0, 20000000.0]
"events.shock_step" = [0, 3]
"""
)


@pytest.fixture(scope="module")
def empties(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, pa.Schema]]:
    """The finished sweep and every table's declared schema (per-run tables with their run id)."""
    root = tmp_path_factory.mktemp("empties")
    spec = load_experiment(write(root, EMPTY_SWEEP))
    run_sweep(spec, root / "out", workers=1, progress=False)
    folder = RunFolder(root / "out")
    point = plan_runs(spec)[0].point
    _, params = spec.params_for(point, 0)
    schemas = {t: with_run_id(s) for t, s in run_schemas(params).items()}
    varied = {path: params.to_flat()[path] for path in spec.varied}
    schemas |= sweep_schemas(varied, folder.read("outcomes").columns[5 + len(varied) :])
    return root / "out", schemas


def _declared_dtypes(schema: pa.Schema) -> pd.Series:
    return schema.empty_table().to_pandas().dtypes


def _duckdb_types(relation: duckdb.DuckDBPyRelation) -> list[tuple[str, str]]:
    return list(zip(relation.columns, map(str, relation.types), strict=True))


def test_some_runs_have_empty_tables(empties: tuple[Path, dict[str, pa.Schema]]) -> None:
    """The sweep is the one the other tests need: each of votes, bills, spending and events is empty in some run and not in all."""
    out, _ = empties
    folder = RunFolder(out)
    for table in ("votes", "bills", "spending", "events"):
        rows = [pq.read_metadata(p).num_rows for p in sorted((folder.parts / table).glob(f"run-*{PART_SUFFIX}"))]
        assert len(rows) == 8 and 0 in rows and any(rows), (table, rows)


@pytest.mark.parametrize("table", [*PER_RUN, "runs", "outcomes"])
def test_every_part_and_table_has_the_declared_schema(empties: tuple[Path, dict[str, pa.Schema]], table: str) -> None:
    """Each part file (an empty one too) and the consolidated file carry exactly the declared columns and types."""
    out, schemas = empties
    folder = RunFolder(out)
    for path in [*sorted((folder.parts / table).glob(f"run-*{PART_SUFFIX}")), folder.table_path(table)]:
        schema = pq.read_schema(path).remove_metadata()
        assert schema.equals(schemas[table]), (path, schema)
        assert not any(pa.types.is_null(f.type) for f in schema), path


@pytest.mark.parametrize("table", [*PER_RUN, "runs", "outcomes"])
def test_table_folders_read_with_pandas_and_duckdb_in_the_declared_types(empties: tuple[Path, dict[str, pa.Schema]], table: str) -> None:
    """A table's parts folder and its consolidated file read with pandas, DuckDB and pyarrow.dataset, with the declared dtypes."""
    out, schemas = empties
    folder = RunFolder(out)
    declared = _declared_dtypes(schemas[table])
    parts = pd.read_parquet(folder.parts / table)
    consolidated = pd.read_parquet(folder.table_path(table))
    pd.testing.assert_series_equal(parts.dtypes, declared)
    pd.testing.assert_series_equal(consolidated.dtypes, declared)
    assert len(parts) == len(consolidated) == ds.dataset(folder.parts / table, format="parquet").count_rows()
    declared_sql = _duckdb_types(duckdb.from_arrow(schemas[table].empty_table()))
    assert _duckdb_types(duckdb.read_parquet(f"{folder.parts / table}/*")) == declared_sql
    assert _duckdb_types(duckdb.read_parquet(str(folder.table_path(table)))) == declared_sql
    assert duckdb.sql(f"select count(*) from read_parquet('{folder.parts / table}/*')").fetchall()[0][0] == len(parts)


def test_consolidation_writes_a_row_group_per_gathered_block_in_run_order(
    empties: tuple[Path, dict[str, pa.Schema]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parts are gathered until they hold ``CONSOLIDATE_ROWS`` rows, then written as one row group.

    The table is the parts in run order; no block is larger than the bound needs, and the
    last, smaller block is written too.
    """
    out, _ = empties
    copy = tmp_path / "out"
    shutil.copytree(out / RunFolder(out).parts.name, copy / RunFolder(out).parts.name)
    folder = RunFolder(copy)
    files = sorted((folder.parts / "steps").glob(f"run-*{PART_SUFFIX}"))
    parts = [pq.read_table(f) for f in files]
    sizes = [p.num_rows for p in parts]
    bound = sum(sizes[:3])  # eight parts: blocks of three, three and the last two
    monkeypatch.setattr(results, "CONSOLIDATE_ROWS", bound)
    folder.consolidate(csv=False)
    table = pq.read_table(folder.table_path("steps"))
    assert table.equals(pa.concat_tables(parts).replace_schema_metadata(table.schema.metadata))
    meta = pq.ParquetFile(folder.table_path("steps")).metadata
    groups = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    assert 1 < len(groups) < len(files)
    assert all(bound <= g < bound + max(sizes) for g in groups[:-1]) and 0 < groups[-1] < bound


@pytest.mark.parametrize("table", [*PER_RUN, "runs", "outcomes"])
def test_a_table_read_from_its_parts_is_the_consolidated_table(empties: tuple[Path, dict[str, pa.Schema]], table: str) -> None:
    """What `pacsim report` reads from an unfinished sweep's parts is the table consolidation writes: rows, order, columns, dtypes."""
    folder = RunFolder(empties[0])
    whole = folder.read(table)
    pd.testing.assert_frame_equal(folder.read(table, from_parts=True), whole, check_exact=True)
    columns = [whole.columns[-1], whole.columns[0]]
    chosen = folder.read(table, columns=columns)
    pd.testing.assert_frame_equal(folder.read(table, columns=columns, from_parts=True), chosen, check_exact=True)


def test_parts_of_different_schemas_read_as_their_consolidated_table(tmp_path: Path) -> None:
    """Parts whose types differ, that lack a column or hold only nulls in it, read from the parts as consolidation writes them."""
    folder = RunFolder(tmp_path)
    (folder.parts / "t").mkdir(parents=True)
    parts = [
        pa.Table.from_pandas(pd.DataFrame({"run_id": [0], "x": [7.0], "y": ["b"]}, index=[9])),  # with pandas' metadata
        pa.table({"run_id": pa.array([1, 1], pa.int64()), "x": pa.array([1, 2], pa.int32())}),
        pa.table({"run_id": pa.array([2], pa.int64()), "x": pa.array([1.5], pa.float64()), "y": pa.array(["a"])}),
        pa.table({"run_id": pa.array([3], pa.int64()), "y": pa.array([None], pa.null())}),
    ]
    for i, part in enumerate(parts):
        pq.write_table(part, folder.parts / "t" / f"run-{i:07d}{PART_SUFFIX}")
    from_parts = folder.read("t", from_parts=True)
    chosen = folder.read("t", columns=["y", "run_id"], from_parts=True)
    with pytest.raises(ValueError, match="'absent'"):
        folder.read("t", columns=["absent"], from_parts=True)
    folder.consolidate(csv=False)
    pd.testing.assert_frame_equal(from_parts, folder.read("t"), check_exact=True)
    pd.testing.assert_frame_equal(chosen, folder.read("t", columns=["y", "run_id"]), check_exact=True)
    assert from_parts["x"].dtype == "float64" and from_parts["run_id"].tolist() == [0, 1, 1, 2, 3]


def test_a_glob_over_the_run_folder_finds_each_table_once(empties: tuple[Path, dict[str, pa.Schema]]) -> None:
    """DuckDB's recursive glob (which enters hidden folders), Python's and pyarrow's each find one file per table."""
    out, _ = empties
    expected = sorted([*PER_RUN, "runs", "outcomes"])
    found = duckdb.sql(f"select distinct filename from read_parquet('{out}/**/*.parquet', filename=true, union_by_name=true)").fetchall()
    assert sorted(Path(f).stem for (f,) in found) == expected
    assert sorted(p.stem for p in out.glob("**/*.parquet")) == expected
    assert sorted(Path(f).stem for f in ds.dataset(out, format="parquet", exclude_invalid_files=True).files) == expected


def test_none_is_null_and_times_are_timestamps(empties: tuple[Path, dict[str, pa.Schema]]) -> None:
    """A bill that passed has a null stopped_in (not ""), a run without error a null error, and start times are UTC timestamps."""
    out, _ = empties
    folder = RunFolder(out)
    bills = folder.read("bills")
    assert bills["stopped_in"].isna().any() and not (bills["stopped_in"] == "").any()
    assert set(bills.loc[bills["passed"], "stopped_in"].isna()) == {True}
    runs = folder.read("runs")
    assert runs["error"].isna().all()
    assert str(runs["started"].dtype) == "datetime64[us, UTC]" and (runs["finished"] >= runs["started"]).all()


_STAMPS = st.sampled_from(["2026-12-02T06:55:49+00:00", "2026-12-02T07:55:49+01:00", "2026-12-02T06:55:49", ""])
_TEXT = st.sampled_from(["", "ValueError: no", "Traceback (most recent call last): ..."])
_FLOAT = st.one_of(st.sampled_from([math.nan, None, -math.inf, -0.0]), st.floats())


@given(
    varied=st.one_of(st.floats(allow_nan=False), st.integers(-(2**62), 2**62), st.booleans(), st.lists(st.sampled_from(["a", "b"]))),
    error=_TEXT,
    traceback=_TEXT,
    started=_STAMPS,
    finished=_STAMPS,
    outcome=_FLOAT,
)
@settings(max_examples=60, deadline=None)
def test_a_sweep_row_is_stored_as_its_one_row_frame_would_be(
    varied: object, error: str, traceback: str, started: str, finished: str, outcome: float | None
) -> None:
    """The driver's row without pandas is the table of its one-row frame: "" is null where declared, NaN is null, times are UTC."""
    schemas = sweep_schemas({"p": varied}, ["capture_index"])
    head = {"run_id": 4, "point_id": 1, "replicate": 0, "seed": 7, "scenario": "default", "p": varied}
    runs = head | {"status": "ok", "error": error, "traceback": traceback, "attempts": 2}
    runs |= {"started": started, "finished": finished, "duration_s": outcome, "worker": ""}
    for table, row in (("runs", runs), ("outcomes", head | {"capture_index": outcome})):
        expected = to_arrow(table, pd.DataFrame([row]), schemas[table])
        assert row_to_arrow(table, row, schemas[table]).equals(expected)


def test_a_sweep_row_must_have_its_declared_columns() -> None:
    """A row with a column its schema lacks, or without one it declares, is refused as the frame would be."""
    schema = sweep_schemas({}, ["capture_index"])["outcomes"]
    row = {"run_id": 4, "point_id": 1, "replicate": 0, "seed": 7, "scenario": "default", "capture_index": 0.5}
    with pytest.raises(ValueError, match="undeclared \\['extra'\\]"):
        row_to_arrow("outcomes", row | {"extra": 1.0}, schema)
    with pytest.raises(ValueError, match="missing \\['capture_index'\\]"):
        row_to_arrow("outcomes", {k: v for k, v in row.items() if k != "capture_index"}, schema)


def test_an_empty_run_table_is_typed(tmp_path: Path) -> None:
    """``pacsim run`` writes a table with no rows (no shock: events) with its declared types, not untyped columns."""
    params = mini_params(**{"run.n_cycles": 1})
    run_scenario("mini", params, tmp_path / "run", progress=False)
    schema = pq.read_schema(tmp_path / "run" / "events.parquet").remove_metadata()
    assert pq.read_metadata(tmp_path / "run" / "events.parquet").num_rows == 0
    assert schema.equals(run_schemas(params)["events"])


class _Terminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("terminal", [False, True])
def test_the_progress_bar_draws_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch, terminal: bool) -> None:
    """With progress on, a run's bar writes nothing to a stderr that is not a terminal, and draws on one that is."""
    err = _Terminal() if terminal else io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    simulate(mini_params(**{"run.n_cycles": 1}), progress=True)
    assert bool(err.getvalue()) is terminal


def test_the_sweep_bar_is_silent_off_a_terminal(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """``pacsim sweep`` with its bar on writes nothing to stderr when stderr is a file, and its message counts in the singular."""
    path = write(
        tmp_path, EMPTY_SWEEP.replace('"events.shock_step" = [0, 3]', "").replace("[0, 2]", "[2]").replace("[0.0, 20000000.0]", "[0.0]")
    )
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--workers", "1"]) == 0
    captured = capfd.readouterr()
    assert captured.err == ""
    assert "1 run finished" in captured.out


@pytest.mark.parametrize("argv", [["run"], ["sweep", "x.toml"], ["sensitivity", "x.toml"], ["measure"]])
def test_every_command_with_a_bar_takes_quiet_and_no_progress(argv: list[str]) -> None:
    """run, sweep, sensitivity and measure accept --quiet and --no-progress, and both turn the bar off."""
    parser = build_parser()
    assert parser.parse_args([*argv, "--quiet"]).no_progress is True
    assert parser.parse_args([*argv, "--no-progress"]).no_progress is True
    assert parser.parse_args(argv).no_progress is False


@pytest.fixture
def umask_027() -> Iterator[None]:
    """A umask of 027 for the test's duration."""
    previous = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.usefixtures("umask_027")
def test_files_get_the_umask_mode(tmp_path: Path) -> None:
    """Atomically written files, a run's tables and a sweep's parts get 0666 less the umask (0640), not mkstemp's 0600."""
    atomic_write_bytes(tmp_path / "a.json", b"{}")
    atomic_write_parquet(tmp_path / "b.parquet", pd.DataFrame({"x": [1]}))
    run_scenario("mini", mini_params(**{"run.n_cycles": 1}), tmp_path / "run", progress=False)
    written = [tmp_path / "a.json", tmp_path / "b.parquet", *sorted((tmp_path / "run").iterdir())]
    modes = {p.name: oct(p.stat().st_mode & 0o777) for p in written}
    assert set(modes.values()) == {oct(0o640)}, modes


#: Every column that holds a party, by table.
PARTY_COLUMNS = {
    "legislators": ["party"],
    "votes": ["party"],
    "bills": ["sponsor_party", "house_majority_party", "senate_majority_party"],
    "races": ["incumbent_party", "challenger_party", "winner_party"],
}


@pytest.mark.parametrize("table", sorted(PARTY_COLUMNS))
def test_party_values_are_lowercase_strings_as_declared(empties: tuple[Path, dict[str, pa.Schema]], table: str) -> None:
    """A party column read back from the written Parquet is the declared string type and says ``dem`` or ``rep``, in lowercase."""
    out, schemas = empties
    written = pq.read_table(RunFolder(out).table_path(table))
    for column in PARTY_COLUMNS[table]:
        assert written.schema.field(column).type == schemas[table].field(column).type == pa.string(), (table, column)
        values = set(written.column(column).drop_null().to_pylist())
        assert values == {"dem", "rep"}, (table, column, values)
