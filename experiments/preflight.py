"""Checks made before any work starts: output folders, memory, and the addresses servers bind to.

Each check raises a one-line error naming the option or field, the value and what is
allowed (:mod:`experiments.errors`); the CLI prints it with exit code 2. Nothing here
writes anything except :func:`claim_folder`, which is called last, once every check has
passed, and removes what it created if the work then fails.

Memory. A run's peak resident memory grows linearly with its voters and their ties:
``BASE_BYTES + n_voters * (BYTES_PER_VOTER + BYTES_PER_TIE * electorate.network_degree)``.
The constants come from ``pacsim bench memory``, which runs one one-cycle default-scenario
run per size in a fresh process and reads its peak RSS (``ru_maxrss``); measured on the
model as of commit 8325cba:

==========================  ========
run (one 104-week cycle)    peak RSS
==========================  ========
2,000 voters, 10 ties       246 MB
100,000 voters, 10 ties     369 MB
100,000 voters, 40 ties     507 MB
1,000,000 voters, 10 ties   1,392 MB
==========================  ========

From 100,000 to 1,000,000 voters at 10 ties each, a voter costs 1,192 bytes; 30 more ties
per voter at 100,000 voters cost 48 bytes a tie; so 710 bytes per voter besides its ties,
and 256 MiB at no voters. Work may plan on at most ``HEADROOM`` (80%) of the memory
available when it starts (MemAvailable, or the cgroup's limit when lower). When the voters get cheaper, re-run ``pacsim bench memory`` and
update the three constants below; nothing else holds a copy of them.
"""

from __future__ import annotations

import ipaddress
import os
import resource
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pacsim.experiments.errors import ManifestError, OutputError, ResourceError, ServerError
from pacsim.model.params import Params

if TYPE_CHECKING:
    from pacsim.experiments.design import ExperimentSpec, Factor
    from pacsim.experiments.results import FolderKind

# ------------------------------------------------------------------ memory
#: Peak resident bytes of a run with (almost) no voters: the interpreter, numpy, pandas, Mesa and the model's tables.
BASE_BYTES = 256 * 2**20
#: Peak resident bytes each voter adds, apart from its ties (its arrays, their temporaries, the review matrices).
BYTES_PER_VOTER = 710
#: Peak resident bytes each of a voter's ties adds (the networkx graph while it is built, then the CSR adjacency).
BYTES_PER_TIE = 48

#: Share of the available memory that work may plan to use: the estimate is one machine's measured peak, and
#: the page cache and other processes share what is left.
HEADROOM = 0.8

#: Pseudo file systems that accept no output folder, whatever the permission bits say.
PSEUDO_FILESYSTEMS = frozenset(
    {
        "proc",
        "sysfs",
        "devtmpfs",
        "devpts",
        "cgroup",
        "cgroup2",
        "debugfs",
        "tracefs",
        "securityfs",
        "configfs",
        "bpf",
        "pstore",
        "mqueue",
        "fusectl",
        "efivarfs",
        "binfmt_misc",
    }
)


def run_bytes(n_voters: int, network_degree: int) -> int:
    """Estimated peak resident bytes of one run with ``n_voters`` voters of ``network_degree`` ties each."""
    return BASE_BYTES + n_voters * (BYTES_PER_VOTER + BYTES_PER_TIE * network_degree)


def params_bytes(params: Params) -> int:
    """Estimated peak resident bytes of one run of ``params``."""
    return run_bytes(params.electorate.n_voters, params.electorate.network_degree)


def spec_bytes(spec: ExperimentSpec) -> tuple[int, int]:
    """(estimated peak bytes, voters) of the largest run an experiment's design can make, computed without building the design."""
    from pacsim.experiments.design import SCENARIO_KEY
    from pacsim.model.scenarios import load_scenario

    factors = {f.path: f for f in spec.factors}
    listed = factors[SCENARIO_KEY].values if SCENARIO_KEY in factors else None
    scenarios = listed if listed is not None else (spec.scenario,)
    worst = (0, 0)
    for scenario in scenarios:
        _, base = load_scenario(scenario, spec.fixed)
        n_voters = _largest(factors.get("electorate.n_voters"), base.electorate.n_voters)
        degree = _largest(factors.get("electorate.network_degree"), base.electorate.network_degree)
        worst = max(worst, (run_bytes(int(n_voters), int(degree)), int(n_voters)))
    return worst


def _largest(factor: Factor | None, default: float) -> float:
    if factor is None:
        return default
    return max(factor.values) if factor.values is not None else float(factor.ends()[1])


def _meminfo_available() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


def _read_int(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _cgroup_available() -> int | None:
    """Bytes left under this process's cgroup memory limit (v2 or v1), None when there is no limit."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    best = None
    for line in lines:
        _hierarchy, _, rest = line.partition(":")
        controllers, _, rel = rest.partition(":")
        if controllers == "":  # cgroup v2
            base = Path("/sys/fs/cgroup") / rel.lstrip("/")
            limit, usage = _read_int(base / "memory.max"), _read_int(base / "memory.current")
        elif "memory" in controllers.split(","):
            base = Path("/sys/fs/cgroup/memory") / rel.lstrip("/")
            if not base.is_dir():
                base = Path("/sys/fs/cgroup/memory")
            limit, usage = _read_int(base / "memory.limit_in_bytes"), _read_int(base / "memory.usage_in_bytes")
        else:
            continue
        if limit is None or limit >= 2**60:
            continue
        left = max(0, limit - (usage or 0))
        best = left if best is None else min(best, left)
    return best


def available_bytes() -> tuple[int | None, str]:
    """(bytes of memory a new run may use, where that figure comes from): the lower of MemAvailable and the cgroup limit."""
    found = []
    meminfo = _meminfo_available()
    if meminfo is not None:
        found.append((meminfo, "MemAvailable"))
    cgroup = _cgroup_available()
    if cgroup is not None:
        found.append((cgroup, "the cgroup memory limit"))
    if not found:
        return None, "unknown"
    return min(found)


def address_space_bytes() -> int | None:
    """Bytes of address space one process may still map under ``ulimit -v`` (RLIMIT_AS), None when unlimited."""
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return None
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            used = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        used = 0
    return max(0, soft - used)


def gib(n: float) -> str:
    """Bytes as GiB (or MiB below one GiB), as a person reads them."""
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


def check_memory(per_run: int, n_voters: int, *, workers: int = 1, force: bool = False) -> None:
    """Refuse, in one line, work whose estimated memory exceeds what is available, unless ``force``.

    ``per_run`` is the estimate of one run (:func:`run_bytes`); a sweep holds one run per
    worker at a time, in its own process, beside the driver.
    """
    if force:
        return
    need = per_run if workers <= 1 else BASE_BYTES + workers * per_run
    what = (
        f"a run of electorate.n_voters={n_voters:,} needs about {gib(need)}"
        if workers <= 1
        else f"{workers} workers running up to electorate.n_voters={n_voters:,} each need about {gib(need)} together"
    )
    rate = f"{BYTES_PER_VOTER + BYTES_PER_TIE * 10:,} bytes per voter at 10 ties"
    have, source = available_bytes()
    if have is not None and need > HEADROOM * have:
        fewer = "fewer --workers, " if workers > 1 else ""
        raise ResourceError(
            f"{what} ({rate}) but {gib(have)} is available ({source}; work may plan on {HEADROOM:.0%} of it); "
            f"allowed: a smaller electorate.n_voters, {fewer}or --force to try anyway"
        )
    space = address_space_bytes()
    if space is not None and per_run > space:
        raise ResourceError(
            f"a run of electorate.n_voters={n_voters:,} needs about {gib(per_run)} but ulimit -v leaves "
            f"{gib(space)} per process; allowed: a smaller electorate.n_voters, or --force to try anyway"
        )


# ------------------------------------------------------------------ output folders
def _mounts() -> list[tuple[str, str]]:
    """(mount point, file-system type) of every mount this process sees."""
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        left, sep, right = line.partition(" - ")
        fields = left.split()
        if sep and len(fields) >= 5 and right.split():
            out.append((fields[4].replace("\\040", " "), right.split()[0]))
    return out


def filesystem_type(path: Path) -> str | None:
    """The type of the file system that holds ``path`` (its longest mount-point prefix), None when unknown."""
    resolved = str(path.resolve())
    best, kind = "", None
    for mount, fstype in _mounts():
        if (resolved == mount or resolved.startswith(mount.rstrip("/") + "/")) and len(mount) >= len(best):
            best, kind = mount, fstype
    return kind


def _nearest_existing(path: Path) -> Path:
    current = path.absolute()
    while not current.exists() and current != current.parent:
        current = current.parent
    return current


def _writable(folder: Path, option: str, shown: Path) -> None:
    fstype = filesystem_type(folder)
    if fstype in PSEUDO_FILESYSTEMS:
        raise OutputError(f"{option} '{shown}' is on the {fstype} pseudo file system; allowed: a folder on a disk")
    try:
        readonly = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        readonly = False
    if readonly or not os.access(folder, os.W_OK | os.X_OK):
        where = "" if folder == shown.absolute() else f" (its parent '{folder}' is not writable)"
        raise OutputError(f"{option} '{shown}' is not writable{where}; allowed: a folder you can write to")


def check_creatable(path: Path, option: str = "--out") -> None:
    """Refuse a folder that does not exist and cannot be made: under a file, on a pseudo file system, or not writable."""
    parent = _nearest_existing(path)
    if not parent.is_dir():
        raise OutputError(f"{option} '{path}' cannot be made: '{parent}' is a file; allowed: a path under a folder")
    _writable(parent, option, path)


def check_output_file(path: Path, option: str = "--out") -> None:
    """Refuse a file that cannot be written: a folder, a path under a missing folder or a file, or in a folder not writable."""
    if path.is_dir():
        raise OutputError(f"{option} '{path}' is a folder; allowed: a file in a folder you can write to")
    parent = path.absolute().parent
    if not parent.is_dir():
        raise OutputError(f"{option} '{path}' cannot be written: '{parent}' is not a folder; allowed: a file in a folder you can write to")
    _writable(parent, option, path)


def check_folder(path: Path, kind: FolderKind, *, option: str = "--out", force: bool = False, resume: bool = False) -> dict | None:
    """Check an output folder before any work: it is a folder (or can be made one), writable, and not another job's.

    A run (``kind`` RUN) goes into a new or empty folder, or with ``force`` over an earlier
    run's folder or a non-empty one; a sweep (``kind`` SWEEP) goes into a new or empty
    folder, or resumes its own. Neither ever goes into a folder of the other kind. Returns
    the manifest already there (None when there is none).
    """
    from pacsim.experiments.results import FolderKind, folder_kind, read_manifest_file  # pandas and pyarrow: not for --help

    if path.exists() and not path.is_dir():
        raise OutputError(f"{option} '{path}' is a file; allowed: a folder that is new or empty")
    if not path.exists():
        check_creatable(path, option)
        return None
    _writable(path.absolute(), option, path)
    try:
        manifest = read_manifest_file(path / "manifest.json")
    except ManifestError as exc:
        if kind is FolderKind.RUN and force:
            return None
        raise OutputError(f"{option} '{path}': {exc}") from None
    existing = folder_kind(manifest) if manifest is not None else None
    try:
        empty = not any(path.iterdir())
    except OSError as exc:
        raise OutputError(f"{option} '{path}' cannot be listed ({exc.strerror}); allowed: a folder you can read") from None
    if existing is not None and existing is not kind:
        raise OutputError(
            f"{option} '{path}' holds a pacsim {existing.value}, not a {kind.value}; allowed: a new or empty folder for the {kind.value}"
        )
    if kind is FolderKind.RUN and not empty and not force:
        what = "an earlier run" if existing is FolderKind.RUN else "files of its own"
        raise OutputError(f"{option} '{path}' is not empty (it holds {what}); allowed: a new or empty folder, or --force to write over it")
    if kind is FolderKind.SWEEP and not empty and existing is None:
        raise OutputError(f"{option} '{path}' is not empty and holds no sweep; allowed: a new or empty folder")
    if kind is FolderKind.SWEEP and existing is FolderKind.SWEEP and not resume:
        raise OutputError(f"{option} '{path}' already holds a sweep; allowed: --resume to finish it, or another {option}")
    return manifest


@contextmanager
def claim_folder(path: Path, option: str = "--out") -> Iterator[Path]:
    """Create ``path`` (and missing parents) for the work inside the block; on failure remove what was created, if still empty."""
    created = []
    current = path.absolute()
    while not current.exists():
        created.append(current)
        current = current.parent
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{option} '{path}' cannot be created ({exc.strerror}); allowed: a folder you can write to") from None
    try:
        yield path
    except BaseException:
        for folder in created:
            try:
                folder.rmdir()
            except OSError:
                break
        raise


# ------------------------------------------------------------------ servers
def port_number(text: str) -> int:
    """An argparse type: a TCP port in [1, 65535]."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        import argparse

        raise argparse.ArgumentTypeError(f"{text!r} is not a port; allowed: an integer in [1, 65535]")
    return port


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (127.0.0.0/8, ::1 or localhost)."""
    if host.lower() in {"localhost", "localhost.localdomain"}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, port: int, option: str = "--host", prog: str = "pacsim") -> None:
    """Refuse a host that cannot be bound or a port in use; warn in one line when the host is not loopback."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError, ValueError) as exc:
        raise ServerError(
            f"{option} {host!r} is not an address of this machine ({exc}); allowed: 127.0.0.1, "
            "localhost, or another address of this machine"
        ) from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise ServerError(
                f"cannot serve on {host}:{port} ({exc.strerror}); allowed: a free --port on an address of this machine"
            ) from None
    if not is_loopback(host):
        print(
            f"{prog}: warning: {option} {host} is not a loopback address: other machines on the network can reach this server",
            file=sys.stderr,
            flush=True,
        )


#: URL schemes a dask scheduler address may use.
SCHEDULER_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx", "inproc")


def check_scheduler(address: str) -> str:
    """A dask scheduler address, checked for form (scheme://host:port) before anything connects."""
    allowed = "allowed: an address such as tcp://127.0.0.1:8786"
    if any(ch.isspace() for ch in address) or "://" not in address:
        raise ServerError(f"--scheduler {address!r} is not a scheduler address; {allowed}")
    parts = urlsplit(address)
    if parts.scheme not in SCHEDULER_SCHEMES:
        raise ServerError(f"--scheduler {address!r}: unknown scheme {parts.scheme!r}; {allowed} (schemes: {', '.join(SCHEDULER_SCHEMES)})")
    if parts.scheme == "inproc":
        return address
    try:
        port = parts.port
    except ValueError:
        port = -1
    if not parts.hostname or port is None or not 1 <= port <= 65535:
        raise ServerError(f"--scheduler {address!r} needs a host and a port in [1, 65535]; {allowed}")
    return address
