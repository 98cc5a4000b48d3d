"""Writing tables to disk: Parquet (and optionally CSV), atomically, so a crash never leaves half a file."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

#: Every file is written under ``.<name>.<random><TMP_SUFFIX>`` first, then renamed into place.
TMP_SUFFIX = ".tmp"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_parquet(path: Path, frame: pd.DataFrame) -> None:
    """Write one table as Parquet, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TMP_SUFFIX)
    os.close(fd)
    try:
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, payload: Mapping[str, Any]) -> None:
    """Write JSON, atomically, with stable key order."""
    atomic_write_bytes(path, (json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n").encode())


def write_tables(out: Path, tables: Mapping[str, pd.DataFrame], csv: bool = False) -> list[Path]:
    """Write each table as ``<name>.parquet`` (and ``<name>.csv``) under ``out``; returns the paths."""
    written = []
    for name, frame in tables.items():
        path = out / f"{name}.parquet"
        atomic_write_parquet(path, frame)
        written.append(path)
        if csv:
            csv_path = out / f"{name}.csv"
            atomic_write_bytes(csv_path, frame.to_csv(index=False).encode())
            written.append(csv_path)
    return written
