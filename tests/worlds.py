"""Small worlds for the tests: electorates that keep every behavioural default, only smaller."""

from __future__ import annotations

from pacsim.model.params import Params, build_params

#: Smaller than the default scenario only in size (20,000 voters, two cycles): behaviour parameters stay at their defaults.
SMALL = {"electorate.n_voters": 20_000, "run.n_cycles": 2}

#: A miniature legislature for invariant and determinism tests.
MINI = {
    "electorate.n_voters": 3_000,
    "legislature.house_seats": 40,
    "legislature.senate_seats": 10,
    "run.n_cycles": 3,
    "run.steps_per_cycle": 26,
    "run.campaign_steps": 6,
}


def small_params(**overrides: object) -> Params:
    """SMALL plus dotted-path overrides (``target__salience`` for ``target.salience``)."""
    return build_params({**SMALL, **{k.replace("__", "."): v for k, v in overrides.items()}})


def mini_params(**overrides: object) -> Params:
    """MINI plus dotted-path overrides."""
    return build_params({**MINI, **{k.replace("__", "."): v for k, v in overrides.items()}})
