"""Writing tables to disk: Parquet with declared schemas (and optionally CSV), atomically, so a crash never leaves half a file.

Files get the mode a plain ``open`` would give them (0666 less the umask): the temporary
file ``tempfile.mkstemp`` makes is private (0600) until it is renamed into place.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pacsim.model.schemas import to_arrow

#: Every file is written under ``.<name>.<random><TMP_SUFFIX>`` first, then renamed into place.
TMP_SUFFIX = ".tmp"


def file_mode() -> int:
    """The mode a new file gets under the current umask (0666 & ~umask).

    Linux reports the umask in ``/proc/self/status`` without changing it; elsewhere it is
    read by setting and restoring it, which is not atomic with other threads creating files.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def parquet_bytes(table: pa.Table) -> bytes:
    """One Arrow table as the bytes of a Parquet file."""
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return sink.getvalue().to_pybytes()


def atomic_write_parquet(path: Path, frame: pd.DataFrame | pa.Table) -> None:
    """Write one table as Parquet, atomically (a DataFrame with the types pandas gives it, an Arrow table with its schema)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TMP_SUFFIX)
    os.close(fd)
    try:
        if isinstance(frame, pa.Table):
            pq.write_table(frame, tmp)
        else:
            frame.to_parquet(tmp, index=False)
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, payload: Mapping[str, Any]) -> None:
    """Write JSON, atomically, with stable key order."""
    atomic_write_bytes(path, (json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n").encode())


def write_tables(out: Path, tables: Mapping[str, pd.DataFrame], schemas: Mapping[str, pa.Schema], csv: bool = False) -> list[Path]:
    """Write each table as ``<name>.parquet`` with its declared schema (and ``<name>.csv``) under ``out``; returns the paths."""
    written = []
    for name, frame in tables.items():
        path = out / f"{name}.parquet"
        atomic_write_parquet(path, to_arrow(name, frame, schemas[name]))
        written.append(path)
        if csv:
            csv_path = out / f"{name}.csv"
            atomic_write_bytes(csv_path, frame.to_csv(index=False).encode())
            written.append(csv_path)
    return written
