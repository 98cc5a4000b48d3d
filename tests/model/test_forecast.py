"""The forecast's pure parts: how much of a campaign's money is on air on election day."""

from __future__ import annotations

import pytest

from pacsim.model.forecast import on_air


@pytest.mark.parametrize(("retention", "weeks", "ground_truth"), [
    (0.5, 2, 0.375),          # (1/2)(1 - 1/4) / ((1/2) 2)
    (0.3, 12, 0.3 * (1 - 0.3**12) / (0.7 * 12)),
    (1.0, 12, 1.0),           # ads that never decay are all on air
    (0.0, 12, 1e-9),          # ads that vanish at once: nothing, kept positive for division
])
def test_on_air_ground_truth(retention: float, weeks: int, ground_truth: float) -> None:
    """Evenly spread dollars still working on election day, as a share of the campaign's total."""
    assert on_air(retention, weeks) == pytest.approx(ground_truth)
