"""How much of a campaign's money, spent on the donors' schedule, is on air on election day."""

from __future__ import annotations

import pytest

from pacsim.agents.donor import on_air


@pytest.mark.parametrize(
    ("retention", "weeks", "ground_truth"),
    [
        (0.5, 2, 5 / 12),  # weeks weighted 2/3, 1/3; on air 2/3 · 1/2 + 1/3 · 1/4
        (0.3, 12, sum(0.3 ** (2 * k) for k in range(1, 13)) / sum(0.3**k for k in range(1, 13))),
        (1.0, 12, 1.0),  # ads that never decay are all on air
    ],
)
def test_on_air_ground_truth(retention: float, weeks: int, ground_truth: float) -> None:
    """Dollars spent on the schedule that still work on election day, as a share of the campaign's total."""
    assert on_air(retention, weeks) == pytest.approx(ground_truth)
