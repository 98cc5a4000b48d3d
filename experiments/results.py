"""A sweep's run folder: Parquet part files per finished run, consolidated tables, CSV export.

Layout of ``RUN_DIR``::

    manifest.json          provenance, the experiment file's hash, executor, times, counts
    experiment.toml        the experiment file, verbatim
    tables/<table>.parquet one file per table (runs, outcomes, steps, ...), consolidated, sorted by run id
    csv/<table>.csv        the same tables as CSV
    .parts/<table>/run-0000042.parquet-part   one Parquet file per finished run and table, written atomically

Part files sit in a hidden folder under a suffix of their own, so a glob over the run
folder for ``*.parquet`` (DuckDB's ``'RUN_DIR/**/*.parquet'`` included, which enters
hidden folders) finds each table once. Every file of a table, a part of an empty run
included, has that table's declared schema (:mod:`pacsim.model.schemas`).

A run's ``runs`` part is written last, so its presence means the run finished (or failed,
with its error recorded). Reports and plots read these files, never live objects.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from pacsim.experiments.errors import ManifestError, StoreError
from pacsim.experiments.store import TMP_SUFFIX, atomic_write_bytes, atomic_write_parquet, write_json

RUNS = "runs"
OUTCOMES = "outcomes"
#: How a run's part file is named: ``run-0000042`` and this suffix (not ``.parquet``, so globs for tables skip parts).
PART_SUFFIX = ".parquet-part"
#: Rows of parts consolidation gathers before it writes them as one row group (and one CSV block): about the most it holds at once.
CONSOLIDATE_ROWS = 65_536


class RunStatus(enum.StrEnum):
    """How one run of a sweep ended; tables hold its lowercase ``value``."""

    OK = "ok"
    FAILED = "failed"


class SweepStatus(enum.StrEnum):
    """Where a sweep stands, as its manifest records it."""

    RUNNING = "running"
    INTERRUPTED = "interrupted"
    COMPLETE = "complete"
    COMPLETE_WITH_FAILURES = "complete with failures"


class FolderKind(enum.StrEnum):
    """What a pacsim output folder holds, read from its ``manifest.json``."""

    RUN = "run"
    SWEEP = "sweep"


def read_manifest_file(path: Path) -> dict[str, Any] | None:
    """The manifest at ``path`` as a dict, None when there is none; :class:`ManifestError` when it is unreadable."""
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(
            f"'{path}' is not a readable manifest ({_one_line(exc)}); allowed: the JSON object pacsim wrote there"
        ) from None
    if not isinstance(data, dict):
        raise ManifestError(
            f"'{path}' holds a JSON {type(data).__name__}, not a pacsim manifest; allowed: the JSON object pacsim wrote there"
        )
    return data


def folder_kind(manifest: Mapping[str, Any]) -> FolderKind | None:
    """Whether a manifest is a sweep's or a single run's (older manifests are told apart by their keys)."""
    kind = manifest.get("kind")
    if kind in {k.value for k in FolderKind}:
        return FolderKind(kind)
    if isinstance(manifest.get("experiment"), dict):
        return FolderKind.SWEEP
    if "scenario" in manifest and "params" in manifest:
        return FolderKind.RUN
    return None


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


class RunFolder:
    """Reads and writes one sweep's run folder."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    # ------------------------------------------------------------ paths
    @property
    def manifest_path(self) -> Path:
        """Where the sweep's manifest lives."""
        return self.root / "manifest.json"

    @property
    def parts(self) -> Path:
        """Folder of per-run part files (hidden)."""
        return self.root / ".parts"

    @property
    def tables(self) -> Path:
        """Folder of consolidated tables."""
        return self.root / "tables"

    def part_path(self, table: str, run_id: int) -> Path:
        """The part file of one run's table."""
        return self.parts / table / f"run-{run_id:07d}{PART_SUFFIX}"

    def table_path(self, table: str) -> Path:
        """The consolidated file of a table."""
        return self.tables / f"{table}.parquet"

    # ------------------------------------------------------------ manifest
    def read_manifest(self) -> dict[str, Any] | None:
        """The manifest, or None when the folder holds no sweep yet; :class:`ManifestError` when it is unreadable."""
        return read_manifest_file(self.manifest_path)

    def write_manifest(self, manifest: Mapping[str, Any]) -> None:
        """Write the manifest atomically."""
        write_json(self.manifest_path, manifest)

    def write_experiment(self, text: str) -> None:
        """Keep the experiment file verbatim beside its results."""
        atomic_write_bytes(self.root / "experiment.toml", text.encode())

    # ------------------------------------------------------------ parts
    def write_run(self, run_id: int, parts: Mapping[str, bytes], runs_row: pa.Table, outcomes_row: pa.Table | None) -> None:
        """Store one finished run: its tables, its outcomes, then its runs row (the completion mark)."""
        for table, data in parts.items():
            atomic_write_bytes(self.part_path(table, run_id), data)
        if outcomes_row is not None:
            atomic_write_parquet(self.part_path(OUTCOMES, run_id), outcomes_row)
        else:
            self.part_path(OUTCOMES, run_id).unlink(missing_ok=True)
        atomic_write_parquet(self.part_path(RUNS, run_id), runs_row)

    def statuses(self) -> dict[int, RunStatus]:
        """``{run_id: status}`` of every run with a readable runs part (an unreadable one counts as not run)."""
        folder = self.parts / RUNS
        if not folder.is_dir():
            return {}
        out = {}
        for path in sorted(folder.glob(f"run-*{PART_SUFFIX}")):
            try:
                status = pq.read_table(path, columns=["status"]).column("status")[0].as_py()
                out[_run_id(path)] = RunStatus(status)
            except (OSError, ValueError, KeyError, IndexError, pa.ArrowException):
                continue
        return out

    def intact(self, run_id: int, tables: tuple[str, ...] | list[str]) -> bool:
        """Whether every kept table of a finished run has a part file whose Parquet footer can be read."""
        for table in (*tables, OUTCOMES):
            try:
                pq.read_metadata(self.part_path(table, run_id))
            except (OSError, pa.ArrowException):
                return False
        return True

    def remove_stale_temporaries(self) -> list[Path]:
        """Delete the temporary files an interrupted writer left (``.<name>.*.tmp``); returns what was removed.

        Every file pacsim writes goes through a temporary name and an atomic rename
        (:mod:`experiments.store`), so a temporary that is still there belongs to a process
        that died before renaming it.
        """
        removed = []
        folders = [self.root, self.tables, self.root / "csv"]
        if self.parts.is_dir():
            folders += [p for p in self.parts.iterdir() if p.is_dir()]
        for folder in folders:
            if not folder.is_dir():
                continue
            for path in folder.glob(f".*{TMP_SUFFIX}"):
                if path.is_file():
                    path.unlink(missing_ok=True)
                    removed.append(path)
        return removed

    def part_tables(self) -> list[str]:
        """Names of the tables that have part files."""
        return sorted(p.name for p in self.parts.iterdir() if p.is_dir()) if self.parts.is_dir() else []

    def _part_files(self, table: str, run_ids: set[int] | None) -> list[Path]:
        files = sorted((self.parts / table).glob(f"run-*{PART_SUFFIX}"))
        if run_ids is None:
            return files
        return [f for f in files if _run_id(f) in run_ids]

    # ------------------------------------------------------------ consolidation
    def consolidate(self, run_ids: set[int] | None = None, csv: bool = True) -> list[Path]:
        """Concatenate each table's parts in run-id order into one Parquet file (and CSV), streaming.

        Parts are gathered until they hold :data:`CONSOLIDATE_ROWS` rows and then written as
        one row group, so the memory consolidation takes does not grow with the number of
        runs, and a table of a thousand runs is not a thousand row groups of a hundred rows.
        ``run_ids`` limits it to the runs of the current design.
        """
        written = []
        for table in self.part_tables():
            files = self._part_files(table, run_ids)
            if not files:
                continue
            try:
                schema = pa.unify_schemas([_schema(f) for f in files], promote_options="permissive")
                written.append(self._stream(files, schema, self.table_path(table), csv))
            except pa.ArrowException as exc:
                raise StoreError(
                    f"run folder '{self.root}': table '{table}' cannot be consolidated ({_one_line(exc)}); "
                    "pacsim sweep --resume runs again any run whose files are damaged"
                ) from None
        return written

    def _stream(self, files: list[Path], schema: pa.Schema, target: Path, csv: bool) -> Path:
        tmp = target.with_name(f".{target.name}{TMP_SUFFIX}")
        csv_target = self.root / "csv" / f"{target.stem}.csv"
        csv_tmp = csv_target.with_name(f".{csv_target.name}{TMP_SUFFIX}")
        target.parent.mkdir(parents=True, exist_ok=True)
        if csv:
            csv_target.parent.mkdir(parents=True, exist_ok=True)
        csv_writer = None
        try:
            with pq.ParquetWriter(tmp, schema) as writer:
                if csv:
                    csv_writer = pacsv.CSVWriter(csv_tmp, schema)
                gathered: list[pa.Table] = []
                rows = 0
                for i, path in enumerate(files):
                    part = _read_part(path, schema)
                    gathered.append(part)
                    rows += part.num_rows
                    if rows >= CONSOLIDATE_ROWS or i == len(files) - 1:
                        block = pa.concat_tables(gathered)
                        writer.write_table(block)
                        if csv_writer is not None:
                            csv_writer.write_table(block)
                        gathered, rows = [], 0
            if csv_writer is not None:
                csv_writer.close()
                csv_writer = None
                csv_tmp.replace(csv_target)
            tmp.replace(target)
        finally:
            if csv_writer is not None:
                csv_writer.close()
            tmp.unlink(missing_ok=True)
            csv_tmp.unlink(missing_ok=True)
        return target

    # ------------------------------------------------------------ reading
    def read(self, table: str, columns: list[str] | None = None, from_parts: bool = False) -> pd.DataFrame:
        """A consolidated table as a DataFrame, built from the parts if it was never consolidated (or ``from_parts``)."""
        path = self.table_path(table)
        if path.is_file() and not from_parts:
            return pd.read_parquet(path, columns=columns)
        files = self._part_files(table, None) if (self.parts / table).is_dir() else []
        if not files:
            raise FileNotFoundError(f"run folder '{self.root}' has no table '{table}'")
        parts = []
        for path in files:
            with pq.ParquetFile(path) as part_file:  # as consolidation reads them; see _read_part
                held = part_file.schema_arrow.names
                wanted = held if columns is None else [c for c in columns if c in held]
                # Without the parts' own metadata, as in the consolidated table.
                parts.append(part_file.read(columns=wanted, use_threads=False).replace_schema_metadata(None))
        schema = pa.unify_schemas([p.schema for p in parts], promote_options="permissive")
        if columns is not None:
            absent = [c for c in columns if c not in schema.names]
            if absent:
                raise ValueError(f"no part of table '{table}' has the column(s) {', '.join(map(repr, absent))}")
            schema = pa.schema([schema.field(c) for c in columns])
        return pa.concat_tables([_conform(p, schema) for p in parts]).to_pandas()

    def has(self, table: str) -> bool:
        """Whether the folder holds a table (consolidated or as parts)."""
        return self.table_path(table).is_file() or (self.parts / table).is_dir()


def _run_id(path: Path) -> int:
    return int(path.name.removeprefix("run-").removesuffix(PART_SUFFIX))


def _schema(path: Path) -> pa.Schema:
    """A part file's schema; :class:`StoreError` naming the file when it cannot be read."""
    try:
        return pq.read_schema(path).remove_metadata()
    except (OSError, pa.ArrowException) as exc:
        raise StoreError(f"part file '{path}' cannot be read ({_one_line(exc)}); pacsim sweep --resume runs that run again") from None


def _read_part(path: Path, schema: pa.Schema) -> pa.Table:
    """A part file's columns of ``schema``, cast to it.

    A part is a few hundred rows. Its file's own reader, on this thread, takes less than
    half of ``pq.read_table``'s time, most of which is dataset set-up per file.
    """
    with pq.ParquetFile(path) as part_file:
        held = set(part_file.schema_arrow.names)
        return _conform(part_file.read(columns=[c for c in schema.names if c in held], use_threads=False), schema)


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Cast a part to the unified schema, filling columns it lacks with nulls (a part already in it is taken as it is)."""
    if table.schema.equals(schema, check_metadata=False):
        return table
    columns = []
    for field in schema:
        if field.name in table.column_names:
            columns.append(table.column(field.name).cast(field.type))
        else:
            columns.append(pa.nulls(len(table), type=field.type))
    return pa.Table.from_arrays(columns, schema=schema)
