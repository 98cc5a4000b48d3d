"""Hypothesis generators for property tests, kept in one place."""

from __future__ import annotations

from hypothesis import strategies as st


@st.composite
def small_worlds(draw: st.DrawFn) -> dict[str, object]:
    """Parameter overrides for a small but varied world: chamber sizes, voters, salience, money."""
    states = draw(st.integers(1, 6))
    house = draw(st.integers(states, 3 * states + 3))
    return {
        "legislature.senate_seats": 2 * states,
        "legislature.house_seats": house,
        "electorate.n_voters": draw(st.integers(2 * house, 60 * house)),
        "target.salience": draw(st.floats(0.0, 1.0)),
        "industry.budget": draw(st.sampled_from([0.0, 1e6, 1e8, 1e10])),
        "opposing.budget": draw(st.sampled_from([0.0, 2e7])),
        "legislature.bills_per_session": draw(st.integers(0, 4)),
        "run.n_cycles": draw(st.integers(1, 3)),
        "legislature.primaries_house": draw(st.booleans()),
        "industry.primary_share": draw(st.sampled_from([0.0, 0.5])),
        "run.steps_per_cycle": 12,
        "run.campaign_steps": 3,
        "run.seed": draw(st.integers(0, 2**32)),
    }
