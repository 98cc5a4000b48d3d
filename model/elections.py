"""Elections: who runs in each race, party primaries, the vote, and who takes the seat.

At the campaign's opening some members retire (their party nominates a newcomer, an open
seat) and every race that is up gets a challenger from the other party, standing at the
race's median voter on the target issue. Where primaries are held, every party nominee
faces a same-party rival in its primary: a sitting member who runs again, and in an open
seat the newcomer its party's establishment favours; a donor that fights the primary
backs the rival (as Fairshake did in incumbents' and open seats' primaries, thread line 5).
Votes are sampled from the electorate's logit choice; a dead heat is settled by lot.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pacsim.agents import Chamber, Donor, Party, RaceStage
from pacsim.agents.donor import RaceView
from pacsim.agents.politician import Rivals
from pacsim.model.electorate import CandidateArrays, Electorate
from pacsim.model.legislature import Legislature
from pacsim.model.params import Params
from pacsim.model.tables import Recorder


class Elections:
    """Every race's candidates and results, the primaries included."""

    def __init__(self, params: Params, rng: np.random.Generator, electorate: Electorate, legislature: Legislature) -> None:
        lp = params.legislature
        self.params = params
        self.rng = rng
        self.electorate = electorate
        self.legislature = legislature
        leg = legislature
        self.n_house, self.n_seats = leg.n_house, leg.n_seats
        #: Eligible voters in each seat's race.
        self.race_electorate = self._race_electorate()
        #: Each race's median voter on the target issue, on the position grid.
        self.race_median = self._race_median()
        self.challengers = Rivals(self.n_seats, electorate.n_issues - 1, leg.n_donors)
        self.open_seat = np.zeros(self.n_seats, dtype=bool)
        self.has_primary = np.where(leg.chamber_of == Chamber.HOUSE, lp.primaries_house, lp.primaries_senate)
        self.primary_challengers = Rivals(self.n_seats, electorate.n_issues - 1, leg.n_donors)
        self.lost_primary = np.zeros(self.n_seats, dtype=bool)
        self.party_median = self._party_median() if self.has_primary.any() else None

    # ------------------------------------------------------------ construction
    def _race_electorate(self) -> np.ndarray:
        per_district = self.params.electorate.district_electorate
        counts = self.legislature.geography.districts_in_state()
        senate = np.repeat(counts, 2) * per_district
        return np.concatenate([np.full(self.n_house, per_district), senate])

    def _race_median(self) -> np.ndarray:
        e, positions = self.electorate, self.legislature.positions
        x = e.positions[:, e.target]
        med = np.zeros(self.n_seats)
        order = np.lexsort((x, e.district))
        starts = self.legislature.geography.district_starts
        sorted_x = x[order]
        for d in range(self.n_house):
            med[d] = np.median(sorted_x[starts[d] : starts[d + 1]])
        n_states = self.legislature.geography.n_states
        state_order = np.lexsort((x, e.state))
        bounds = np.concatenate([[0], np.cumsum(np.bincount(e.state, minlength=n_states))])
        xs = x[state_order]
        for s in range(n_states):
            m = np.median(xs[bounds[s] : bounds[s + 1]])
            med[self.n_house + 2 * s : self.n_house + 2 * s + 2] = m
        return positions[np.argmin(np.abs(med[:, None] - positions[None, :]), axis=1)]

    def _party_median(self) -> np.ndarray:
        """Each race's median target-issue position among each party's voters (seats × [DEM, REP]), on the grid."""
        e, positions = self.electorate, self.legislature.positions
        x = e.positions[:, e.target]
        med = np.zeros((self.n_seats, 2))
        for group in (0, 1, 2):
            seats = e.seat_of(group, self.n_house)
            for k, party in enumerate(Party):
                mask = np.sign(e.party_id) == party.value
                frame = pd.DataFrame({"seat": seats[mask], "x": x[mask]}).groupby("seat")["x"].median()
                med[frame.index.to_numpy(), k] = frame.to_numpy()
        return positions[np.argmin(np.abs(med[..., None] - positions[None, None, :]), axis=2)]

    # ---------------------------------------------------------------- the races
    def up_for_election(self, cycle: int) -> np.ndarray:
        """Which seats are contested at this cycle's election: the House and one Senate class."""
        leg = self.legislature
        return (leg.chamber_of == Chamber.HOUSE) | (leg.senate_class == cycle % 3)

    def candidates(self) -> CandidateArrays:
        """Every seat's incumbent-slot candidate and (actual or prospective) challenger as arrays.

        A prospective challenger stands at the other party's platform and at the race's
        median voter on the target issue.
        """
        party = self.legislature.seats.table.party
        return self._candidate_arrays(self.challengers, -party, self.race_median, primary=False)

    def primary_candidates(self) -> CandidateArrays:
        """Every seat's primary: the incumbent slot against its (actual or prospective) same-party rival.

        A prospective rival stands at its own party's platform and at its party voters' median.
        """
        assert self.party_median is not None, "primary candidates exist only where primaries are held"
        party = self.legislature.seats.table.party.copy()
        median = self.party_median[np.arange(self.n_seats), (party > 0).astype(int)]
        return self._candidate_arrays(self.primary_challengers, party, median, primary=True)

    def _candidate_arrays(self, rivals: Rivals, rival_party: np.ndarray, rival_stance: np.ndarray, primary: bool) -> CandidateArrays:
        held = self.legislature.seats.table
        distance = self.params.politicians.platform_distance
        k_bg = self.electorate.n_issues - 1
        # The seat holders' and the rivals' columns; a prospective rival's row is filled in by array.
        chal_platform = np.repeat((rival_party * distance)[:, None], k_bg, axis=1)
        chal_stance = np.array(rival_stance, dtype=float)
        chal_valence = np.zeros(self.n_seats)
        rows, rival = rivals.seats(), rivals.table
        chal_platform[rows], chal_stance[rows], chal_valence[rows] = rival.platform[rows], rival.stance[rows], rival.valence[rows]
        return CandidateArrays(
            n_house=self.n_house,
            party=held.party.copy(),
            platform=held.platform.copy(),
            stance=held.stance.copy(),
            valence=held.valence.copy(),
            chal_platform=chal_platform,
            chal_stance=chal_stance,
            chal_valence=chal_valence,
            sitting=held.incumbent.astype(float),
            primary=primary,
        )

    def open_races(self, up: np.ndarray) -> None:
        """Retirements open seats (the party nominates a newcomer); each race that is up gets a challenger."""
        leg = self.legislature
        self.open_seat[:] = False
        for j in np.flatnonzero(up):
            holder = leg.seats[j]
            if self.rng.random() < self.params.legislature.retirement_rate:
                self.open_seat[j] = True
                holder.remove()
                leg.seats[j] = leg.recruit(int(j), holder.party, incumbent=False)
            self.challengers[int(j)] = leg.recruit(int(j), leg.seats[j].party.other, incumbent=False, stance=float(self.race_median[j]))

    def open_primaries(self, held: np.ndarray, donors: list[Donor], views: list[RaceView], sides: np.ndarray, buy: float) -> None:
        """Donors plan the primaries they will fight; every nominee facing one gets a same-party rival.

        ``held`` includes open seats: there the favoured newcomer takes the incumbent slot
        (without a sitting member's edge) and the rival is another newcomer. A rival in a
        primary a donor fights runs on that donor's side of the target issue (the donor
        recruits or backs it); any other rival runs at its party voters' median.
        """
        assert self.party_median is not None, "primaries are opened only where they are held"
        leg = self.legislature
        backed: dict[int, float] = {}
        for d, donor in enumerate(donors):
            if donor.primary_share > 0 and donor.pot > 0:
                for j in donor.plan_primaries(views[d], held, sides[:, d], buy):
                    backed.setdefault(int(j), float(np.sign(donor.position)) * self.params.politicians.backed_stance)
        party_col = (leg.seats.table.party > 0).astype(int)
        for j in np.flatnonzero(held):
            stance = backed.get(int(j), float(self.party_median[j, party_col[j]]))
            self.primary_challengers[int(j)] = leg.recruit(int(j), leg.seats[j].party, incumbent=False, stance=stance)

    def count(self, votes_inc: float, votes_all: float) -> tuple[float, bool]:
        """The incumbent slot's vote share and whether it won; a dead heat is settled by lot."""
        share = votes_inc / votes_all if votes_all > 0 else 0.5
        return share, bool(share > 0.5 or (share == 0.5 and self.rng.random() < 0.5))

    def hold_primaries(self, stock: np.ndarray, recorder: Recorder) -> None:
        """Party voters choose between each sitting member and its rival; a loser's rival becomes the nominee.

        The nominee inherits what the member knew and the money spent against it.
        """
        leg = self.legislature
        cand = self.primary_candidates()
        held = np.zeros(self.n_seats, dtype=bool)
        held[list(self.primary_challengers)] = True
        votes_inc, votes_all = self.electorate.elect(cand, stock, held, self.rng, 0.0)
        for j in np.flatnonzero(held):
            holder, rival = leg.seats[j], self.primary_challengers.pop(int(j))
            share, inc_wins = self.count(votes_inc[j], votes_all[j])
            winner, loser = (holder, rival) if inc_wins else (rival, holder)
            recorder.race(int(j), holder, rival, share, votes_all[j], winner, bool(self.open_seat[j]), stage=RaceStage.PRIMARY)
            if not inc_wins:
                self.lost_primary[j] = True
                rival.money_against = holder.money_against
                rival.threat_belief[:] = holder.threat_belief
                rival.threat_effect[:] = holder.threat_effect
                leg.seats[j] = rival
            loser.remove()

    def hold_general(self, cycle: int, stock: np.ndarray, recorder: Recorder) -> tuple[np.ndarray, np.ndarray]:
        """Sample votes in every race that is up, seat the winners and record the races.

        Returns (up, lost): the seats contested, and those whose incumbent-slot candidate
        (the sitting member, or an open seat's nominee) lost this cycle, in its primary or
        in the general election.
        """
        leg, p = self.legislature, self.params
        up = self.up_for_election(cycle)
        cand = self.candidates()
        swing = float(self.rng.normal(0.0, p.electorate.national_swing_sd))
        votes_inc, votes_all = self.electorate.elect(cand, stock, up, self.rng, swing)
        lost = self.lost_primary.copy()
        for j in np.flatnonzero(up):
            holder, challenger = leg.seats[j], self.challengers.pop(int(j))
            share, inc_wins = self.count(votes_inc[j], votes_all[j])
            winner, loser = (holder, challenger) if inc_wins else (challenger, holder)
            lost[j] |= not inc_wins
            recorder.race(int(j), holder, challenger, share, votes_all[j], winner, bool(self.open_seat[j]))
            winner.last_margin = abs(share - 0.5) * 2.0
            if inc_wins:
                holder.capital += p.politicians.capital_regen
            winner.incumbent = True
            winner.money_for = winner.money_against = 0.0
            leg.seats[j] = winner
            loser.remove()
        self.lost_primary[:] = False
        self.open_seat[:] = False
        return up, lost
