"""The one parameter surface: defaults, validation and one-line errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pacsim.model.params import DEFAULTS, FIELDS, ParameterError, Params, build_params, parse_value
from pacsim.model.scenarios import load_scenario

BAD_INPUTS = {
    "negative budget": ({"industry.budget": -1.0}, "industry.budget"),
    "salience above 1": ({"target.salience": 1.5}, "target.salience"),
    "salience below 0": ({"target.salience": -0.1}, "target.salience"),
    "zero seats": ({"legislature.house_seats": 0}, "legislature.house_seats"),
    "unknown key": ({"target.colour": 1}, "target.colour"),
    "unknown section": ({"nosuch.key": 1}, "nosuch.key"),
    "wrong type": ({"industry.budget": "lots"}, "industry.budget"),
    "float for int": ({"run.n_cycles": 2.5}, "run.n_cycles"),
    "odd senate": ({"legislature.senate_seats": 3}, "legislature.senate_seats"),
    "bad strategy": ({"industry.strategy": "clever"}, "industry.strategy"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_names_field_value_and_allowed(case: str) -> None:
    """Each bad value is refused with one line naming the field and the value."""
    overrides, field = BAD_INPUTS[case]
    with pytest.raises(ParameterError) as err:
        build_params(overrides)
    message = str(err.value)
    assert "\n" not in message
    assert field in message
    value = next(iter(overrides.values()))
    if not field.startswith(("target.colour", "nosuch")):
        assert str(value) in message


def test_range_is_stated() -> None:
    """The message for an out-of-range value states the allowed range and units."""
    with pytest.raises(ParameterError, match=r"\[0, 1\] \(share of attention\)"):
        build_params({"target.salience": 2.0})


def test_every_field_has_units_description_and_valid_default() -> None:
    """Every parameter is documented, and its default is within its own range."""
    assert len(FIELDS) > 40
    for spec in FIELDS.values():
        assert spec.description and spec.units, spec.path
        if spec.lo is not None and spec.hi is not None:
            assert spec.lo <= spec.default <= spec.hi, spec.path
        assert DEFAULTS.to_flat()[spec.path] == spec.default


def test_default_scenario_is_the_schema() -> None:
    """The default scenario file adds nothing to the schema's defaults."""
    name, params = load_scenario("default")
    assert name == "default"
    assert params == Params()


def test_overrides_round_trip() -> None:
    """Dotted overrides land where they say, and ints widen to floats."""
    p = build_params({"target.salience": 0.4, "industry.budget": 5})
    assert p.target.salience == 0.4 and p.industry.budget == 5.0
    assert p.with_overrides({"run.seed": 3}).run.seed == 3
    assert parse_value("1e8") == 1e8 and parse_value("naive") == "naive" and parse_value("true") is True


CLI_CASES = [
    ["--set", "industry.budget=-5"],
    ["--set", "target.salience=1.5"],
    ["--set", "legislature.house_seats=0"],
    ["--set", "target.colour=red"],
    ["--set", "industry.budget=lots"],
]


@pytest.mark.parametrize("args", CLI_CASES, ids=lambda a: a[1])
def test_cli_bad_input_exits_2_with_one_line(args: list[str], tmp_path) -> None:
    """From the CLI, bad input is one line on stderr, exit code 2, no traceback, nothing written."""
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "pacsim", "run", *args, "--out", str(out), "--no-progress"], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert lines[0].startswith("pacsim: error:")
    assert args[1].split("=")[0] in lines[0]
    assert not out.exists()
