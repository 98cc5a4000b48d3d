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
    """The CPU's model name (Linux's ``/proc/cpuinfo``; elsewhere what :func:`platform.processor` says, perhaps "").

    Timings are read against it: the same code ran twice as fast on one kind of machine as on
    another.
    """
    try:
        for line in CPUINFO.read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                return value.strip()
    except OSError:
        pass
    return platform.processor()


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
