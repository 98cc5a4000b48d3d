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
    if candidate.suffix == ".toml" or candidate.exists():
        if not candidate.is_file():
            raise error(f"{kind} file '{candidate}' does not exist")
        return candidate
    path = folder / f"{name_or_path}.toml"
    if not path.is_file():
        shipped = ", ".join(sorted(p.stem for p in folder.glob("*.toml")))
        raise error(f"unknown {kind} '{name_or_path}'; shipped {kind}s are {shipped}")
    return path


def scenario_path(name_or_path: str | Path) -> Path:
    """The file behind a scenario name or path."""
    return resolve_file(name_or_path, SCENARIO_DIR, "scenario", ScenarioError)


def read_scenario(name_or_path: str | Path, _seen: tuple[str, ...] = ()) -> tuple[str, str, dict[str, Any]]:
    """(name, description, parameter values) of a scenario, unvalidated.

    A scenario may name another in ``[scenario] base = "..."``; its values are taken first
    and this file's values override them, table by table.
    """
    path = scenario_path(name_or_path)
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"scenario file '{path}': not valid TOML: {exc}") from None
    meta = data.pop("scenario", {})
    if not isinstance(meta, dict):
        raise ScenarioError(f"scenario file '{path}': [scenario] must be a table")
    base = meta.get("base")
    if base is not None:
        if base in _seen or base == path.stem:
            raise ScenarioError(f"scenario file '{path}': base '{base}' leads back to itself")
        _, _, inherited = read_scenario(str(base), (*_seen, path.stem))
        for section, values in data.items():
            if isinstance(values, dict) and isinstance(inherited.get(section), dict):
                inherited[section] = {**inherited[section], **values}
            else:
                inherited[section] = values
        data = inherited
    return path.stem, str(meta.get("description", "")), data


def load_scenario(name_or_path: str | Path = DEFAULT_SCENARIO, overrides: dict[str, Any] | None = None) -> tuple[str, Params]:
    """Validated Params for a scenario, with dotted-path overrides on top."""
    name, _, values = read_scenario(name_or_path)
    try:
        params = build_params(values)
    except ParameterError as exc:
        raise ParameterError(f"scenario '{name}' ({scenario_path(name_or_path)}): {exc}") from None
    return name, params.with_overrides(overrides) if overrides else params
