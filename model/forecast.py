"""What every seat holder can expect at the ballot box, from the same vote model the voters use.

For each position a holder could take on the target issue, the electorate's logit choice
gives its expected vote share and the slope of that share (how many votes a unit of
persuasion moves), in the general election and, where one is held, in its primary; and
each donor's ads, on the issue that donor would choose for the race, give how hard its
attacks and defences would hit. Legislators decide on this outlook; donors read the same
outlook's closeness of each race.
"""

from __future__ import annotations

import numpy as np

from pacsim.agents import Donor
from pacsim.agents.donor import RaceView, competitiveness, on_air
from pacsim.agents.politician import Incentives, Outlook
from pacsim.model.electorate import CandidateArrays, Electorate
from pacsim.model.params import Params


class Forecast:
    """Every seat holder's electoral outlook, refreshed at each review."""

    def __init__(
        self,
        params: Params,
        electorate: Electorate,
        positions: np.ndarray,
        race_electorate: np.ndarray,
        donors: list[Donor],
        has_primary: np.ndarray,
    ) -> None:
        self.params = params
        self.electorate = electorate
        self.positions = positions
        self.race_electorate = race_electorate
        self.donors = donors
        self.has_primary = has_primary
        self.incentives = Incentives(
            uncertainty=params.politicians.reelection_uncertainty,
            ad_effect=params.campaign.ad_effect,
            ad_saturation=params.campaign.ad_saturation,
            muted_band=params.politicians.muted_band,
            donor_positions=np.array([d.position for d in donors]),
            on_air=on_air(params.campaign.ad_retention, params.run.campaign_steps),
        )
        self.outlook: Outlook | None = None
        self.stance_columns = np.zeros(race_electorate.shape[0], dtype=np.int64)
        lp = params.legislature
        n_house = lp.house_seats
        #: A seat's share of its chamber's votes, relative to a House seat's.
        self.seat_value = np.where(np.arange(race_electorate.shape[0]) < n_house, 1.0, lp.house_seats / lp.senate_seats)
        camp = params.campaign
        self.base_spending = np.where(
            np.arange(race_electorate.shape[0]) < n_house, camp.house_candidate_spending, camp.senate_candidate_spending
        )

    def refresh(self, cand: CandidateArrays, stock: np.ndarray, primary: tuple[CandidateArrays, np.ndarray] | None) -> Outlook:
        """Recompute every seat holder's expected vote share at each position, and donors' ad power.

        ``primary`` is (primary candidates, primary ad stock) where primaries are held.
        """
        share, slope, _ = self.electorate.outlook(cand, stock, self.positions)
        hurt, help_ = self.ad_power(cand)
        self.stance_columns = np.argmin(np.abs(cand.stance[:, None] - self.positions[None, :]), axis=1)
        outlook = Outlook(
            self.positions,
            share,
            slope,
            self.race_electorate,
            hurt,
            help_,
            others=self.candidate_spending(share[np.arange(share.shape[0]), self.stance_columns]),
        )
        if primary is not None:
            p_cand, p_stock = primary
            p_share, p_slope, _ = self.electorate.outlook(p_cand, p_stock, self.positions)
            p_share[~self.has_primary] = np.nan
            outlook.primary_share, outlook.primary_slope = p_share, p_slope
            outlook.primary_fraction = np.outer(self.has_primary, [d.primary_share for d in self.donors])
        self.outlook = outlook
        return outlook

    def ad_power(self, cand: CandidateArrays) -> tuple[np.ndarray, np.ndarray]:
        """How hard each donor's attack and defence ads would hit each seat holder at each position (seats × donors × positions).

        The ads are about the issue the donor would choose for that race; on the target
        issue their power depends on where the holder stands.
        """
        n_seats = cand.party.shape[0]
        shape = (n_seats, len(self.donors), self.positions.shape[0])
        hurt, help_ = np.zeros(shape), np.zeros(shape)
        if not any(d.pot > 0 for d in self.donors):
            return hurt, help_
        reach, lean, target_lean = self.electorate.ad_leverage(cand, self.positions)
        rows, k, t = np.arange(n_seats), self.electorate.n_issues, self.electorate.target
        for d, donor in enumerate(self.donors):
            attack, defend = donor.choose_ad_issue(reach + lean), donor.choose_ad_issue(reach - lean)
            hurt[:, d] = k * np.where((attack == t)[:, None], reach[:, t, None] + target_lean, (reach + lean)[rows, attack][:, None])
            help_[:, d] = k * np.where((defend == t)[:, None], reach[:, t, None] - target_lean, (reach - lean)[rows, defend][:, None])
        return hurt, help_

    def candidate_spending(self, expected_share: np.ndarray) -> np.ndarray:
        """What each candidate and its party spend on their own ads in each race this cycle, more in close races."""
        closeness = competitiveness(expected_share, self.params.politicians.reelection_uncertainty)
        return self.base_spending * (1.0 + self.params.campaign.close_race_spending * closeness)

    def race_view(self, donor: int, primary: bool = False) -> RaceView:
        """What donor ``donor`` sees of every race at its holder's current stance, in the general election or the primary.

        Built from the same outlook legislators decide on.
        """
        o = self.outlook
        assert o is not None, "the outlook is computed when the model is built"
        rows, cols = np.arange(o.share.shape[0]), self.stance_columns
        if primary:
            assert o.primary_share is not None and o.primary_slope is not None, "primary views exist where primaries are held"
            share = np.nan_to_num(o.primary_share[rows, cols], nan=1.0)
            slope = np.nan_to_num(o.primary_slope[rows, cols], nan=0.0)
        else:
            share, slope = o.share[rows, cols], o.slope[rows, cols]
        inc = self.incentives
        return RaceView(
            share=share,
            slope=slope,
            attack=o.ad_power[rows, donor, cols],
            defend=o.help_power[rows, donor, cols],
            scale=inc.ad_saturation * self.race_electorate / inc.on_air,
            others=o.others if o.others is not None else np.zeros(rows.shape[0]),
            value=self.seat_value,
            ad_effect=inc.ad_effect,
            uncertainty=inc.uncertainty,
        )

    def expected_at(self, stance_columns: np.ndarray) -> np.ndarray:
        """Each seat holder's expected vote share at its current stance, from the last outlook."""
        assert self.outlook is not None, "the outlook is computed when the model is built"
        return self.outlook.share[np.arange(stance_columns.shape[0]), stance_columns]

    def competitiveness(self, stance_columns: np.ndarray) -> np.ndarray:
        """How close each seat's race looks at its holder's current stance (1 for a dead heat)."""
        return competitiveness(self.expected_at(stance_columns), self.params.politicians.reelection_uncertainty)
