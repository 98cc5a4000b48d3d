"""Declared Parquet schemas of a run's tables, so every file (an empty one too) carries the same columns and types.

The Recorder (:mod:`pacsim.model.tables`) builds the tables; this module says what each
column is on disk. ``steps`` and ``races`` have columns that depend on the run (one
salience column per issue, one money column per donor); their names come from the
parameters (:func:`run_schemas`). A column with no value (a bill that passed has no ``stopped_in``) holds a null.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd
import pyarrow as pa

from pacsim.agents.enums import Chamber, Party
from pacsim.model.params import DONOR_NAMES

I64, F64, BOOL, STR = pa.int64(), pa.float64(), pa.bool_(), pa.string()
#: Run start and end times: UTC instants.
TIMESTAMP = pa.timestamp("us", tz="UTC")


_KEY = [("seed", I64), ("cycle", I64), ("step", I64)]

LEGISLATORS = [
    *_KEY,
    ("when", STR),
    ("politician_id", I64),
    ("chamber", STR),
    ("seat", I64),
    ("state", I64),
    ("district", I64),
    ("party", STR),
    ("ideal", F64),
    ("conviction", F64),
    ("champion", BOOL),
    ("capital", F64),
    ("stance", F64),
    ("side_industry", STR),
    ("threat_belief_industry", F64),
    ("protect_belief_industry", F64),
    ("threat_effect_industry", F64),
    ("targeted_industry", BOOL),
    ("money_for", F64),
    ("money_against", F64),
    ("last_margin", F64),
]
VOTES = [
    *_KEY,
    ("bill_id", I64),
    ("bill_type", STR),
    ("kind", STR),
    ("chamber", STR),
    ("seat", I64),
    ("politician_id", I64),
    ("party", STR),
    ("yea", BOOL),
    ("industry_side_yea", BOOL),
    ("district_majority_yea", BOOL),
    ("district_support", F64),
    ("with_industry", BOOL),
    ("contested", BOOL),
]
BILLS = [
    *_KEY,
    ("bill_id", I64),
    ("bill_type", STR),
    ("issue", STR),
    ("position", F64),
    ("status_quo", F64),
    ("privileged", BOOL),
    ("sponsor_id", I64),
    ("sponsor_seat", I64),
    ("sponsor_chamber", STR),
    ("sponsor_party", STR),
    ("asked_by", STR),
    ("national_support", F64),
    ("national_majority_yea", BOOL),
    ("industry_side_yea", BOOL),
    ("fate", STR),
    ("stopped_in", STR),
    ("failed_cloture", BOOL),
    ("passed", BOOL),
    *((f"{c.value}_{v}", I64) for c in (Chamber.HOUSE, Chamber.SENATE) for v in ("yea", "nay")),
    *(
        f
        for c in (Chamber.HOUSE, Chamber.SENATE)
        for f in (
            (f"{c.value}_floor", BOOL),
            (f"{c.value}_final_passage", BOOL),
            (f"{c.value}_majority_party", STR),
            (f"{c.value}_majority_rolled", BOOL),
            (f"{c.value}_minority_rolled", BOOL),
        )
    ),
]
SPENDING = [*_KEY, ("donor", STR), ("seat", I64), ("chamber", STR), ("stage", STR), ("side", STR), ("ad_issue", STR), ("amount", F64)]
EVENTS = [*_KEY, ("issue", STR), ("log_size", F64)]

#: Columns whose empty string means "none" and is written as a null.
EMPTY_IS_NULL: dict[str, tuple[str, ...]] = {"bills": ("stopped_in", "asked_by"), "runs": ("error", "traceback")}


def steps_fields(issues: Sequence[str], donors: Sequence[str]) -> list[tuple[str, pa.DataType]]:
    """The ``steps`` table's columns: counters, one mean salience per issue, one cumulative spend per donor, seats, bills, capture."""
    return [
        ("seed", I64),
        ("step", I64),
        ("cycle", I64),
        ("phase", STR),
        ("opposing_industry", I64),
        ("muted", I64),
        ("supporting_industry", I64),
        *((f"salience_{i}", F64) for i in issues),
        *((f"spent_{d}", F64) for d in donors),
        *((f"{c.value}_{p.name.lower()}", I64) for c in Chamber for p in Party),
        ("bills_introduced", I64),
        ("bills_gated", I64),
        ("bills_failed", I64),
        ("bills_passed", I64),
        ("contested_votes", I64),
        ("contested_votes_with_industry", I64),
        ("capture_index", F64),
        ("capture_index_bills", F64),
    ]


def races_fields(donors: Sequence[str]) -> list[tuple[str, pa.DataType]]:
    """The ``races`` table's columns: the race, both candidates, the vote, and money for and against the incumbent by donor."""
    return [
        *_KEY,
        ("stage", STR),
        ("chamber", STR),
        ("seat", I64),
        ("state", I64),
        ("district", I64),
        ("open_seat", BOOL),
        ("sitting_member", BOOL),
        ("incumbent_id", I64),
        ("incumbent_party", STR),
        ("incumbent_stance", F64),
        ("challenger_id", I64),
        ("challenger_party", STR),
        ("challenger_stance", F64),
        ("votes", F64),
        ("share_incumbent", F64),
        ("share_challenger", F64),
        ("winner_id", I64),
        ("winner_party", STR),
        ("incumbent_won", BOOL),
        *(f for d in donors for f in ((f"{d}_for_incumbent", F64), (f"{d}_against_incumbent", F64))),
        ("candidate_spending", F64),
        ("donor_share_of_spending", F64),
    ]


def table_schemas(issues: Sequence[str], donors: Sequence[str] = DONOR_NAMES) -> dict[str, pa.Schema]:
    """Every per-run table's schema, for a run with these issue names (target last) and donor names."""
    fields = {
        "steps": steps_fields(issues, donors),
        "legislators": LEGISLATORS,
        "votes": VOTES,
        "bills": BILLS,
        "races": races_fields(donors),
        "spending": SPENDING,
        "events": EVENTS,
    }
    return {name: pa.schema(f) for name, f in fields.items()}


def run_schemas(params: Any) -> dict[str, pa.Schema]:
    """Every per-run table's schema for a run of ``params`` (its issue names come from the salience and target sections)."""
    return table_schemas([*params.salience.background_issues, params.target.name])


def with_run_id(schema: pa.Schema) -> pa.Schema:
    """A per-run table's schema as a sweep stores it: the run's id first."""
    return schema.insert(0, pa.field("run_id", I64))


#: The columns of a sweep's ``runs`` table that do not depend on the experiment (the varied parameters sit after ``scenario``).
RUNS_HEAD = [("run_id", I64), ("point_id", I64), ("replicate", I64), ("seed", I64), ("scenario", STR)]
RUNS_TAIL = [
    ("status", STR),
    ("error", STR),
    ("traceback", STR),
    ("attempts", I64),
    ("started", TIMESTAMP),
    ("finished", TIMESTAMP),
    ("duration_s", F64),
    ("worker", STR),
]


def _param_type(value: Any) -> pa.DataType:
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return I64
    if isinstance(value, float):
        return F64
    if isinstance(value, list | tuple):
        return pa.list_(STR)
    return STR


def sweep_schemas(varied: Mapping[str, Any], outcomes: Iterable[str]) -> dict[str, pa.Schema]:
    """The ``runs`` and ``outcomes`` schemas of a sweep that varies these parameters (name: an example value); outcomes are floats."""
    params = [(path, _param_type(value)) for path, value in varied.items() if path != "scenario"]
    return {
        "runs": pa.schema([*RUNS_HEAD, *params, *RUNS_TAIL]),
        "outcomes": pa.schema([*RUNS_HEAD, *params, *((name, F64) for name in outcomes)]),
    }


def _check_columns(table: str, columns: Sequence[str], schema: pa.Schema) -> None:
    missing = [f.name for f in schema if f.name not in columns]
    extra = [c for c in columns if c not in schema.names]
    if missing or extra:
        raise ValueError(f"table '{table}' does not match its declared schema (missing {missing}, undeclared {extra})")


def to_arrow(table: str, frame: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    """A table as Arrow with exactly the declared columns and types; empty strings that mean none become nulls.

    A column the frame has that the schema lacks (or the reverse) is a :class:`ValueError`:
    the declaration and the Recorder must agree.
    """
    _check_columns(table, list(frame.columns), schema)
    arrays = []
    for field in schema:
        column = frame[field.name]
        if len(frame) == 0:
            arrays.append(pa.array([], type=field.type))
            continue
        if field.name in EMPTY_IS_NULL.get(table, ()):
            column = column.astype(object).where(column.astype(object) != "", None)
        if pa.types.is_timestamp(field.type):
            column = pd.to_datetime(column, utc=True)
        arrays.append(pa.array(column, type=field.type, from_pandas=True))
    return pa.Table.from_arrays(arrays, schema=schema)


def row_to_arrow(table: str, row: Mapping[str, Any], schema: pa.Schema) -> pa.Table:
    """One row as the Arrow table :func:`to_arrow` makes of a one-row frame of it, without building the frame.

    A sweep's driver stores a ``runs`` and an ``outcomes`` row for every finished run; through
    pandas each took a few milliseconds of the CPU its workers run on.
    """
    _check_columns(table, list(row), schema)
    arrays = []
    for field in schema:
        value = row[field.name]
        if isinstance(value, str) and value == "" and (field.name in EMPTY_IS_NULL.get(table, ()) or pa.types.is_timestamp(field.type)):
            value = None
        elif pa.types.is_timestamp(field.type) and value is not None:
            stamp = pd.Timestamp(value)
            value = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        arrays.append(pa.array([value], type=field.type, from_pandas=True))
    return pa.Table.from_arrays(arrays, schema=schema)
