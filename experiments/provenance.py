"""Where a result came from: code version, git state, environment and time."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

PACKAGES = ("mesa", "numpy", "scipy", "networkx", "pandas", "pyarrow", "pydantic", "SALib", "dask", "distributed", "solara", "statsmodels")
REPO = Path(__file__).resolve().parent.parent
#: Where Linux names the CPU.
CPUINFO = Path("/proc/cpuinfo")


def now() -> str:
    """The current UTC time, ISO 8601."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def sha256(data: bytes) -> str:
    """Hex SHA-256 of some bytes."""
    return hashlib.sha256(data).hexdigest()


def pacsim_version() -> str:
    """The installed pacsim version."""
    try:
        return importlib.metadata.version("pacsim")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def git_state() -> dict[str, Any]:
    """The git commit of the code and whether the work tree had uncommitted changes."""

    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True, timeout=10, check=True)
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout.strip()

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"git_commit": commit or "unknown", "git_dirty": bool(status) if status is not None else None}


def processor() -> str:
    """The CPU: its model name with family, model and stepping (Linux's ``/proc/cpuinfo``), else :func:`platform.processor`.

    Timings are read against it: the same code ran twice as fast on one machine as on another.
    A virtual machine may show a bare vendor name ("AMD EPYC"); the family, model and stepping
    still tell its generations apart.
    """
    try:
        first = CPUINFO.read_text().split("\n\n", 1)[0]
    except OSError:
        return platform.processor()
    fields = {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in first.splitlines())}
    if "model name" not in fields:
        return platform.processor()
    names = (("cpu family", "family"), ("model", "model"), ("stepping", "stepping"))
    known = [f"{name} {fields[key]}" for key, name in names if fields.get(key)]
    return fields["model name"] + (f" ({', '.join(known)})" if known else "")


def environment() -> dict[str, Any]:
    """Python, package versions, operating system and processor."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "processor": processor(),
        "packages": versions,
    }


def provenance() -> dict[str, Any]:
    """Everything a citation needs about the code that produced a result."""
    return {"pacsim_version": pacsim_version(), **git_state(), **environment()}
