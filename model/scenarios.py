"""Named scenarios: TOML files of parameter values, validated against the one schema.

A scenario file has an optional ``[scenario]`` table (``description``, and ``sources``
in comments beside each figure) and then any parameter sections of the schema. Anything
it leaves out keeps the schema's default; nothing it says is a new default.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pacsim.model.params import ParameterError, Params, build_params

SCENARIO_DIR = Path(__file__).parent / "scenarios"
DEFAULT_SCENARIO = "default"


class ScenarioError(ValueError):
    """A scenario that cannot be found or read; its message is one line."""


def list_scenarios() -> list[str]:
    """Names of the shipped scenarios."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def resolve_file(name_or_path: str | Path, folder: Path, kind: str, error: type[ValueError]) -> Path:
    """The TOML file behind a shipped name in ``folder`` or a path; ``error`` with one line if there is none."""
    candidate = Path(name_or_path)
    if not str(name_or_path).strip():
        shipped = ", ".join(sorted(p.stem for p in folder.glob("*.toml")))
        raise error(f"{kind} '' is empty; allowed: a shipped {kind} ({shipped}) or a .toml path")
    if is_path(name_or_path) or candidate.exists():
        if candidate.is_dir():
            raise error(f"{kind} file '{candidate}' is a folder; allowed: a .toml file")
        if not candidate.is_file():
            raise error(f"{kind} file '{candidate}' does not exist")
        return candidate
    path = folder / f"{name_or_path}.toml"
    if not path.is_file():
        shipped = ", ".join(sorted(p.stem for p in folder.glob("*.toml")))
        raise error(f"unknown {kind} '{name_or_path}'; shipped {kind}s are {shipped}")
    return path


def is_path(ref: str | Path) -> bool:
    """Whether a reference is a file path (``*.toml``, or with a folder in it) rather than a shipped name."""
    text = str(ref)
    return text.endswith(".toml") or "/" in text or "\\" in text or isinstance(ref, Path)


def read_text(path: Path, kind: str, error: type[ValueError]) -> str:
    """A file's text, read as UTF-8; ``error`` with one line when it cannot be read or is not UTF-8."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise error(f"{kind} file '{path}' cannot be read ({exc.strerror or exc}); allowed: a readable .toml file") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(
            f"{kind} file '{path}' is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "allowed: a TOML file saved as UTF-8"
        ) from None


def scenario_path(name_or_path: str | Path, relative_to: Path | None = None) -> Path:
    """The file behind a scenario name or path.

    With ``relative_to`` (the folder of a file that names this scenario), a relative path is
    taken from that folder and a bare name is always a shipped scenario.
    """
    if relative_to is None:
        return resolve_file(name_or_path, SCENARIO_DIR, "scenario", ScenarioError)
    if is_path(name_or_path):
        path = Path(name_or_path)
        return resolve_file(path if path.is_absolute() else relative_to / path, SCENARIO_DIR, "scenario", ScenarioError)
    shipped = SCENARIO_DIR / f"{name_or_path}.toml"
    if not str(name_or_path).strip() or not shipped.is_file():
        raise ScenarioError(
            f"unknown scenario '{name_or_path}'; shipped scenarios are {', '.join(list_scenarios())} "
            f"(a file beside this one is written as '{name_or_path}.toml')"
        )
    return shipped


#: Keys a ``[scenario]`` table may hold.
SCENARIO_KEYS = ("base", "description")
#: Most files one chain of bases may hold.
MAX_BASES = 32


def read_scenario(name_or_path: str | Path, _chain: tuple[Path, ...] = ()) -> tuple[str, str, dict[str, Any]]:
    """(name, description, parameter values) of a scenario, unvalidated.

    A scenario may name another in ``[scenario] base = "..."``; its values are taken first
    and this file's values override them, table by table. A base that is a path
    (``"other.toml"``, ``"../x/y.toml"``) is found relative to the file that names it; a bare
    name is a shipped scenario, so a file of one's own may build on the shipped scenario of
    the same name. A chain that comes back to a file already in it is refused.
    """
    path = scenario_path(name_or_path) if not _chain else Path(name_or_path)
    resolved = path.resolve()
    text = read_text(path, "scenario", ScenarioError)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"scenario file '{path}': not valid TOML: {exc}") from None
    meta = data.pop("scenario", {})
    if not isinstance(meta, dict):
        raise ScenarioError(f"scenario file '{path}': [scenario] must be a table; allowed keys: {', '.join(SCENARIO_KEYS)}")
    for key in meta:
        if key not in SCENARIO_KEYS:
            raise ScenarioError(f"scenario file '{path}': unknown key '[scenario] {key}'; allowed: {', '.join(SCENARIO_KEYS)}")
    description = meta.get("description", "")
    if not isinstance(description, str):
        raise ScenarioError(f"scenario file '{path}': '[scenario] description' is {description!r}; allowed: a string")
    base = meta.get("base")
    if base is not None:
        if not isinstance(base, str) or not base.strip():
            raise ScenarioError(
                f"scenario file '{path}': '[scenario] base' is {base!r}; allowed: a shipped scenario's "
                "name or a .toml path relative to this file"
            )
        base_path = scenario_path(base, relative_to=path.parent)
        chain = (*_chain, resolved)
        if len(chain) >= MAX_BASES:
            raise ScenarioError(
                f"scenario file '{path}': base '{base}' makes a chain of more than {MAX_BASES} files; "
                f"allowed: at most {MAX_BASES} files from a scenario to its last base"
            )
        if base_path.resolve() in chain:
            loop = " -> ".join(str(p) for p in (*chain, base_path.resolve()))
            raise ScenarioError(
                f"scenario file '{path}': base '{base}' leads back to a file already in the chain ({loop}); "
                "allowed: a chain of bases that ends"
            )
        _, _, inherited = read_scenario(base_path, chain)
        for section, values in data.items():
            if isinstance(values, dict) and isinstance(inherited.get(section), dict):
                inherited[section] = {**inherited[section], **values}
            else:
                inherited[section] = values
        data = inherited
    return path.stem, description, data


def load_scenario(name_or_path: str | Path = DEFAULT_SCENARIO, overrides: dict[str, Any] | None = None) -> tuple[str, Params]:
    """Validated Params for a scenario, with dotted-path overrides on top."""
    name, _, values = read_scenario(name_or_path)
    try:
        params = build_params(values)
    except ParameterError as exc:
        raise ParameterError(f"scenario '{name}' ({scenario_path(name_or_path)}): {exc}") from None
    return name, params.with_overrides(overrides) if overrides else params
