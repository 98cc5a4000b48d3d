"""The pacsim model: construction, the weekly schedule, elections and the legislature.

A cycle is ``run.steps_per_cycle`` weeks: a legislative session in which target-issue
bills are introduced, gated and voted on, then a campaign of ``run.campaign_steps`` weeks
in which donors buy ads, then an election. Every random draw comes from the model's
generators, seeded by Mesa's ``rng=``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

import mesa
import networkx as nx
import numpy as np
import pandas as pd

from pacsim.agents import BillStage, Chamber, Donor, Leadership, Party, Politician, Side, Voters
from pacsim.agents.donor import competitiveness
from pacsim.agents.politician import Beliefs, Incentives, Outlook, anticipated_spending, choose_positions, conviction_value, reelection_chance, side_of
from pacsim.model.electorate import CHAL, INC, CandidateArrays, Electorate, build_geography
from pacsim.model.network import build_observation
from pacsim.model.params import Params, build_params
from pacsim.model.tables import Recorder

GRID = np.linspace(-1.0, 1.0, 9)


class Phase(enum.StrEnum):
    """The part of the cycle a step belongs to."""

    SESSION = "session"
    CAMPAIGN = "campaign"
    ELECTION = "election"


def resolve_params(params: Params | Mapping[str, Any] | None, overrides: Mapping[str, Any]) -> Params:
    """Params from a Params, a mapping of dotted paths, and keyword overrides (``a__b`` stands for ``a.b``)."""
    flat = {k.replace("__", "."): v for k, v in overrides.items()}
    if isinstance(params, Params):
        return params.with_overrides(flat) if flat else params
    merged = dict(params or {})
    merged.update(flat)
    return build_params(merged)


class PacsimModel(mesa.Model):
    """Voters, politicians, donors and leaders on a network; salience and money decide votes.

    ``PacsimModel(params, rng=seed)`` takes a validated :class:`~model.params.Params` (or a
    mapping of dotted parameter paths), plus keyword overrides where ``target__salience``
    stands for ``target.salience``. ``rng`` defaults to ``run.seed``.
    """

    def __init__(self, params: Params | Mapping[str, Any] | None = None, *, rng: int | None = None, **overrides: Any) -> None:
        self.params = p = resolve_params(params, overrides)
        self.seed = int(p.run.seed if rng is None else rng)
        super().__init__(rng=self.seed)
        self.cycle = 0
        self.positions = np.unique(np.append(GRID, p.legislature.status_quo))
        self.status_quo_col = int(np.flatnonzero(self.positions == p.legislature.status_quo)[0])
        self.bill_cols = np.flatnonzero((self.positions >= p.legislature.bill_position_min) & (self.positions <= p.legislature.bill_position_max))
        if self.bill_cols.size == 0:
            self.bill_cols = np.array([int(np.argmin(np.abs(self.positions - p.legislature.bill_position_max)))])

        self.geography = build_geography(p, self.rng)
        self.electorate = Electorate(p, self.rng, self.geography)
        self.voters = Voters(self, self.electorate)

        self.n_house = p.legislature.house_seats
        self.n_seats = self.n_house + p.legislature.senate_seats
        self.chamber_of = np.array([Chamber.HOUSE] * self.n_house + [Chamber.SENATE] * p.legislature.senate_seats)
        self.senate_class = np.full(self.n_seats, -1)
        self.senate_class[self.n_house :] = np.arange(p.legislature.senate_seats) % 3
        self.race_electorate = self._race_electorate()
        self.race_median = self._race_median()

        self.donors = [
            Donor.from_params(self, "industry", p.industry, self.electorate.target),
            Donor.from_params(self, "opposing", p.opposing, self.electorate.target),
        ]
        self.donor_positions = np.array([d.position for d in self.donors])
        self.incentives = Incentives(
            uncertainty=p.politicians.reelection_uncertainty,
            ad_effect=p.campaign.ad_effect,
            ad_saturation=p.campaign.ad_saturation,
            muted_band=p.politicians.muted_band,
            donor_positions=self.donor_positions,
            on_air=on_air(p.campaign.ad_retention, p.run.campaign_steps),
        )
        self.champion_conviction = p.politicians.champion_conviction
        champions = set(self.rng.choice(self.n_seats, p.politicians.champions, replace=False).tolist())
        self.seats: list[Politician] = [self._new_politician(j, self._seat_party(j), champion=j in champions) for j in range(self.n_seats)]
        self.observation = build_observation(
            self.rng, self.chamber_of, np.array([s.party.value for s in self.seats]),
            p.politicians.observed_colleagues, p.politicians.observation_homophily,
        )
        self.challengers: dict[int, Politician] = {}
        self.open_seat = np.zeros(self.n_seats, dtype=bool)
        self.leaders = {
            c: Leadership(self, chamber=c, party=self._majority(c), majority_weight=p.leadership.majority_weight, money_value=p.leadership.money_value)
            for c in Chamber
        }
        self.watch = nx.to_scipy_sparse_array(self.observation, nodelist=range(self.n_seats), format="csr")
        self.frozen = False

        self.has_primary = np.where(self.chamber_of == Chamber.HOUSE, p.legislature.primaries_house, p.legislature.primaries_senate)
        self.primary_challengers: dict[int, Politician] = {}
        self.lost_primary = np.zeros(self.n_seats, dtype=bool)
        self.party_median = self._party_median() if self.has_primary.any() else None
        self.stock = np.zeros((self.n_seats, 2, self.electorate.n_issues))
        self.pstock = np.zeros_like(self.stock)
        self.money = np.zeros((self.n_seats, len(self.donors), 2))
        self.outlook: Outlook | None = None
        self.bill_steps = self._bill_schedule()
        self.recorder = Recorder(self)
        self.refresh_outlook()
        self.update_beliefs(rate=1.0)
        self.choose_stances()
        self.recorder.snapshot_legislators("start")
        self.datacollector = mesa.DataCollector(model_reporters=self.recorder.model_reporters())
        self.datacollector.collect(self)

    # ------------------------------------------------------------ construction
    def _race_electorate(self) -> np.ndarray:
        per_district = self.params.electorate.district_electorate
        counts = self.geography.districts_in_state()
        senate = np.repeat(counts, 2) * per_district
        return np.concatenate([np.full(self.n_house, per_district), senate])

    def _race_median(self) -> np.ndarray:
        """Each race's median voter on the target issue, snapped to the position grid."""
        x = self.electorate.positions[:, self.electorate.target]
        med = np.zeros(self.n_seats)
        order = np.lexsort((x, self.electorate.district))
        starts = self.geography.district_starts
        sorted_x = x[order]
        for d in range(self.n_house):
            med[d] = np.median(sorted_x[starts[d] : starts[d + 1]])
        state_order = np.lexsort((x, self.electorate.state))
        bounds = np.concatenate([[0], np.cumsum(np.bincount(self.electorate.state, minlength=self.geography.n_states))])
        xs = x[state_order]
        for s in range(self.geography.n_states):
            m = np.median(xs[bounds[s] : bounds[s + 1]])
            med[self.n_house + 2 * s : self.n_house + 2 * s + 2] = m
        return self.positions[np.argmin(np.abs(med[:, None] - self.positions[None, :]), axis=1)]

    def _party_median(self) -> np.ndarray:
        """Each race's median target-issue position among each party's voters (seats × [DEM, REP]), on the grid."""
        e = self.electorate
        x = e.positions[:, e.target]
        med = np.zeros((self.n_seats, 2))
        for group in (0, 1, 2):
            seats = e.seat_of(group, self.n_house)
            for k, party in enumerate(Party):
                mask = np.sign(e.party_id) == party.value
                frame = pd.DataFrame({"seat": seats[mask], "x": x[mask]}).groupby("seat")["x"].median()
                med[frame.index.to_numpy(), k] = frame.to_numpy()
        return self.positions[np.argmin(np.abs(med[..., None] - self.positions[None, None, :]), axis=2)]

    @property
    def primary_week(self) -> int:
        """Week of the cycle in which primaries are held: halfway through the campaign."""
        r = self.params.run
        return r.steps_per_cycle - 1 - r.campaign_steps + max(1, r.campaign_steps // 2)

    def _seat_party(self, seat: int) -> Party:
        e = self.electorate
        voters = e.district == seat if seat < self.n_house else e.state == (seat - self.n_house) // 2
        lean = float(e.party_id[voters].mean())
        return Party.REP if self.rng.random() < 1.0 / (1.0 + np.exp(-4.0 * lean)) else Party.DEM

    def _new_politician(self, seat: int, party: Party, *, champion: bool = False, incumbent: bool = True, stance: float | None = None) -> Politician:
        pp = self.params.politicians
        k_bg = self.electorate.n_issues - 1
        industry_side = float(np.sign(self.params.industry.position) or 1.0)
        if champion:
            ideal, conviction = -industry_side, pp.champion_conviction
        else:
            ideal = float(np.clip(self.params.target.partisan_loading * party + self.rng.normal(0.0, pp.ideal_sd), -1.0, 1.0))
            conviction = float(self.rng.exponential(pp.conviction_mean)) if pp.conviction_mean > 0 else 0.0
        if stance is None:
            stance = float(self.positions[np.argmin(np.abs(self.positions - ideal))])
        is_house = seat < self.n_house
        return Politician(
            self,
            chamber=Chamber.HOUSE if is_house else Chamber.SENATE,
            seat=seat,
            state=int(self.geography.district_state[seat]) if is_house else (seat - self.n_house) // 2,
            district=seat if is_house else -1,
            party=party,
            ideal=ideal,
            conviction=conviction,
            capital=pp.capital_initial,
            platform=party * pp.platform_distance + self.rng.normal(0.0, pp.platform_sd, k_bg),
            valence=float(self.rng.normal(0.0, pp.valence_sd)),
            stance=stance,
            n_donors=len(self.donors),
            incumbent=incumbent,
        )

    def _majority(self, chamber: Chamber) -> Party:
        parties = np.array([s.party for s in self.seats if s.chamber == chamber])
        return Party.REP if (parties == Party.REP).sum() * 2 >= parties.size else Party.DEM

    def _bill_schedule(self) -> set[int]:
        p = self.params
        session_end = p.run.steps_per_cycle - p.run.campaign_steps
        n = p.legislature.bills_per_session
        if n == 0:
            return set()
        return {int(s) for s in np.linspace(1, session_end - 1, n + 2)[1:-1].round()} | ({1} if n == 1 else set())

    # ---------------------------------------------------------------- the state
    @property
    def cycle_step(self) -> int:
        """Week within the current cycle, from 0."""
        return (self.steps - 1) % self.params.run.steps_per_cycle if self.steps > 0 else 0

    @property
    def phase(self) -> Phase:
        """The phase the current step belongs to."""
        p = self.params.run
        t = self.cycle_step
        if t == p.steps_per_cycle - 1:
            return Phase.ELECTION
        if t >= p.steps_per_cycle - 1 - p.campaign_steps:
            return Phase.CAMPAIGN
        return Phase.SESSION

    def up_for_election(self) -> np.ndarray:
        """Which seats are contested at this cycle's election."""
        up = self.chamber_of == Chamber.HOUSE
        up |= self.senate_class == self.cycle % 3
        return up

    def candidates(self) -> CandidateArrays:
        """Every seat's incumbent-slot candidate and (actual or prospective) challenger as arrays.

        A prospective challenger stands at the other party's platform and at the race's
        median voter on the target issue.
        """
        party = np.array([s.party.value for s in self.seats], dtype=float)
        return self._candidate_arrays(self.challengers, -party, self.race_median, primary=False)

    def primary_candidates(self) -> CandidateArrays:
        """Every seat's primary: the incumbent slot against its (actual or prospective) same-party rival.

        A prospective rival stands at its own party's platform and at its party voters' median.
        """
        party = np.array([s.party.value for s in self.seats], dtype=float)
        median = self.party_median[np.arange(self.n_seats), (party > 0).astype(int)]
        return self._candidate_arrays(self.primary_challengers, party, median, primary=True)

    def _candidate_arrays(self, rivals: dict[int, Politician], rival_party: np.ndarray, rival_stance: np.ndarray, primary: bool) -> CandidateArrays:
        distance = self.params.politicians.platform_distance
        others = [rivals.get(j) for j in range(self.n_seats)]
        k_bg = self.electorate.n_issues - 1
        return CandidateArrays(
            n_house=self.n_house,
            party=np.array([s.party.value for s in self.seats], dtype=float),
            platform=np.array([s.platform for s in self.seats]),
            stance=np.array([s.stance for s in self.seats]),
            valence=np.array([s.valence for s in self.seats]),
            chal_platform=np.array([r.platform if r is not None else np.full(k_bg, rival_party[j] * distance) for j, r in enumerate(others)]),
            chal_stance=np.array([r.stance if r is not None else rival_stance[j] for j, r in enumerate(others)]),
            chal_valence=np.array([r.valence if r is not None else 0.0 for r in others]),
            sitting=np.array([s.incumbent for s in self.seats], dtype=float),
            primary=primary,
        )

    def sides(self) -> np.ndarray:
        """Each seat holder's side of each donor (seats × donors)."""
        stance = np.array([s.stance for s in self.seats])
        return side_of(stance, self.donor_positions, self.params.politicians.muted_band)

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        """One week: attention moves, ads decay, legislators review, bills move, donors spend, elections."""
        p = self.params
        e = self.electorate
        if p.events.shock_step and self.steps == p.events.shock_step:
            self.fire_shock(log_size=p.events.shock_size)
        e.draw_news(self.rng)
        e.step_attention(e.ad_push(self.stock, self.n_house, [0, 1, 2]) if self.stock.any() else None)
        self.stock *= p.campaign.ad_retention
        self.pstock *= p.campaign.ad_retention
        phase, t = self.phase, self.cycle_step
        if t == p.run.steps_per_cycle - 1 - p.run.campaign_steps:
            self._open_campaign()
        if not self.frozen and (phase is not Phase.SESSION or t % p.politicians.review_interval == 0 or t in self.bill_steps):
            self._review()
        if t == 2 * p.politicians.review_interval and self.cycle > 0:
            self.recorder.snapshot_legislators("session")
        if phase is Phase.SESSION and t in self.bill_steps and not self.frozen:
            self._legislate()
        if phase is Phase.CAMPAIGN:
            if t < self.primary_week and self.primary_challengers:
                self._spend_primary(steps_left=self.primary_week - t)
            self._spend(steps_left=p.run.steps_per_cycle - 1 - t)
        if t == self.primary_week and self.primary_challengers:
            self._hold_primaries()
        if phase is Phase.ELECTION:
            self.recorder.snapshot_legislators("election")
            self._elect()
        self.datacollector.collect(self)
        if self.steps >= p.run.n_cycles * p.run.steps_per_cycle:
            self.running = False

    def _review(self) -> None:
        """Legislators update what they expect from voters and donors, then choose their stances."""
        self.refresh_outlook()
        self.update_beliefs()
        self.choose_stances()

    def refresh_outlook(self) -> Outlook:
        """Recompute every seat holder's expected vote share at each position, and donors' ad power."""
        cand = self.candidates()
        share, slope, _ = self.electorate.outlook(cand, self.stock, self.positions)
        hurt, help_ = self.ad_power(cand)
        self.outlook = Outlook(self.positions, share, slope, self.race_electorate, hurt, help_)
        if self.has_primary.any():
            p_share, p_slope, _ = self.electorate.outlook(self.primary_candidates(), self.pstock, self.positions)
            p_share[~self.has_primary] = np.nan
            self.outlook.primary_share, self.outlook.primary_slope = p_share, p_slope
            self.outlook.primary_fraction = np.outer(self.has_primary, [d.primary_share for d in self.donors])
        return self.outlook

    def ad_power(self, cand: CandidateArrays) -> tuple[np.ndarray, np.ndarray]:
        """How hard each donor's attack and defence ads would hit each seat holder at each position (seats × donors × positions).

        The ads are about the issue the donor would choose for that race; on the target
        issue their power depends on where the holder stands.
        """
        shape = (self.n_seats, len(self.donors), self.positions.shape[0])
        hurt, help_ = np.zeros(shape), np.zeros(shape)
        if not any(d.pot > 0 for d in self.donors):
            return hurt, help_
        reach, lean, target_lean = self.electorate.ad_leverage(cand, self.positions)
        rows, k, t = np.arange(self.n_seats), self.electorate.n_issues, self.electorate.target
        for d, donor in enumerate(self.donors):
            attack, defend = donor.choose_ad_issue(reach + lean), donor.choose_ad_issue(reach - lean)
            hurt[:, d] = k * np.where((attack == t)[:, None], reach[:, t, None] + target_lean, (reach + lean)[rows, attack][:, None])
            help_[:, d] = k * np.where((defend == t)[:, None], reach[:, t, None] - target_lean, (reach - lean)[rows, defend][:, None])
        return hurt, help_

    def competitiveness(self) -> np.ndarray:
        """How close each seat's race looks at its holder's current stance (1 for a dead heat)."""
        current = np.argmin(np.abs(np.array([s.stance for s in self.seats])[:, None] - self.positions[None, :]), axis=1)
        expected = self.outlook.share[np.arange(self.n_seats), current]
        return competitiveness(expected, self.params.politicians.reelection_uncertainty)

    def update_beliefs(self, rate: float | None = None) -> None:
        """Each legislator moves its belief about donors' spending towards what their announced rule implies.

        ``rate`` overrides ``politicians.threat_learning_rate``; at the start of a run
        legislators take an announcement at face value (rate 1).
        """
        closeness = self.competitiveness()
        weight = np.column_stack([d.target_weight(closeness) for d in self.donors])
        sides = self.sides()
        pots = np.array([d.announced_pots for d in self.donors])
        expected_against = anticipated_spending(pots[:, 0], weight, sides == Side.OPPONENT)
        expected_for = anticipated_spending(pots[:, 1], weight, sides == Side.ALLY)
        base = self.params.politicians.threat_learning_rate if rate is None else rate
        rate = base * np.array([d.announce for d in self.donors], dtype=float)
        for j, pol in enumerate(self.seats):
            pol.update_threat_belief(expected_against[j], expected_for[j], rate)

    def choose_stances(self) -> None:
        """Every seat holder takes its best stance at once (the same rule as ``Politician.choose_stance``)."""
        beliefs, ideal, conviction, capital = self._decision_arrays()
        options = np.arange(self.positions.shape[0])
        chosen, cost = choose_positions(self.outlook, options, beliefs, ideal, conviction, capital, self.incentives)
        for j, pol in enumerate(self.seats):
            pol.stance = float(self.positions[chosen[j]])
            pol.capital -= float(cost[j])

    def _decision_arrays(self) -> tuple[Beliefs, np.ndarray, np.ndarray, np.ndarray]:
        return (
            Beliefs(
                np.array([s.threat_belief for s in self.seats]),
                np.array([s.protect_belief for s in self.seats]),
                np.array([s.threat_effect for s in self.seats]),
            ),
            np.array([s.ideal for s in self.seats]),
            np.array([s.conviction for s in self.seats]),
            np.array([s.capital for s in self.seats]),
        )

    def _legislate(self) -> None:
        """Introduce one target-issue bill and carry it through gates and floor votes in both chambers."""
        lp = self.params.legislature
        col = int(self.rng.choice(self.bill_cols))
        bill = float(self.positions[col])
        district_share, national_share = self.electorate.majority_for(bill, lp.status_quo, self.n_house, self.n_seats)
        beliefs, ideal, conviction, capital = self._decision_arrays()
        chance = reelection_chance(self.outlook, beliefs, self.incentives)
        value = chance + conviction_value(self.positions, ideal, conviction, capital)
        support = value[:, col] - value[:, self.status_quo_col]
        stance_col = np.argmin(np.abs(np.array([s.stance for s in self.seats])[:, None] - self.positions[None, :]), axis=1)
        vote_col = np.where(support > 0.0, col, self.status_quo_col)
        rows = np.arange(self.n_seats)
        record_change = chance[rows, vote_col] - chance[rows, stance_col]
        against_bill = [d for d in self.donors if abs(d.position - lp.status_quo) < abs(d.position - bill)]
        bill_id = len(self.recorder.bills)
        fate, stage_chamber, tallies, rolls = BillStage.PASSED, None, {}, {}
        for chamber in (Chamber.HOUSE, Chamber.SENATE):
            members = np.flatnonzero(self.chamber_of == chamber)
            leader = self.leaders[chamber]
            in_caucus = np.array([self.seats[j].party == leader.party for j in members])
            caucus = members[in_caucus]
            money_at_risk = min(self.params.leadership.party_dues * caucus.size, sum(d.pot for d in against_bill))
            options = np.array([self.status_quo_col, col])
            if lp.leadership_gate and not leader.gate_bill(support[caucus], float(record_change[caucus].sum()), money_at_risk):
                self.recorder.roll_call(bill_id, chamber, members, support[members] > 0.0, bill, district_share, kind="whip")
                fate, stage_chamber = BillStage.GATED, chamber
                break
            chosen, cost = choose_positions(
                self.outlook.rows(members), options, beliefs.rows(members), ideal[members], conviction[members], capital[members], self.incentives,
            )
            yea = chosen == col
            for j, c in zip(members, cost):
                self.seats[j].capital -= float(c)
            self.recorder.roll_call(bill_id, chamber, members, yea, bill, district_share)
            needed = int(np.ceil(lp.cloture_fraction * members.size)) if chamber is Chamber.SENATE else members.size // 2 + 1
            passed = yea.sum() >= needed
            tallies[chamber] = (int(yea.sum()), int((~yea).sum()))
            rolls[chamber] = (
                bool(passed and yea[in_caucus].mean() < 0.5) if in_caucus.any() else False,
                bool(passed and yea[~in_caucus].mean() < 0.5) if (~in_caucus).any() else False,
            )
            if not passed:
                fate, stage_chamber = BillStage.FAILED, chamber
                break
        self.recorder.bill(bill_id, bill, national_share, fate, stage_chamber, tallies, rolls)

    def _open_campaign(self) -> None:
        """Retirements open seats; each race that is up gets a challenger from the other party."""
        pp = self.params.legislature
        up = self.up_for_election()
        self.open_seat[:] = False
        for j in np.flatnonzero(up):
            holder = self.seats[j]
            if self.rng.random() < pp.retirement_rate:
                self.open_seat[j] = True
                holder.remove()
                nominee = self._new_politician(j, holder.party, incumbent=False)
                self.seats[j] = nominee
            self.challengers[j] = self._new_politician(j, self.seats[j].party.other, incumbent=False, stance=float(self.race_median[j]))
        if self.has_primary.any():
            self._open_primaries(up & self.has_primary & ~self.open_seat)

    def _open_primaries(self, held: np.ndarray) -> None:
        """Donors pick the primaries they will fight; every sitting member facing one gets a same-party rival.

        A rival in a primary a donor fights runs on that donor's side of the target issue
        (the donor recruits or backs it); any other rival runs at its party voters' median.
        """
        closeness, sides = self.competitiveness(), self.sides()
        backed: dict[int, float] = {}
        for d, donor in enumerate(self.donors):
            if donor.primary_share > 0 and donor.pot > 0:
                for j in donor.choose_primary_targets(closeness, sides[:, d], held):
                    backed.setdefault(int(j), float(np.sign(donor.position)) * self.params.politicians.backed_stance)
        party_col = np.array([s.party.value > 0 for s in self.seats], dtype=int)
        for j in np.flatnonzero(held):
            stance = backed.get(int(j), float(self.party_median[j, party_col[j]]))
            self.primary_challengers[j] = self._new_politician(j, self.seats[j].party, incumbent=False, stance=stance)

    def _spend_primary(self, steps_left: int) -> None:
        """Donors spend their primary money against the members they chose to primary."""
        closeness = self.competitiveness()
        reach, lean, _ = self.electorate.ad_leverage(self.primary_candidates(), self.positions)
        for d, donor in enumerate(self.donors):
            against = donor.allocate_primary(closeness, self.n_seats, steps_left)
            if not against.any():
                continue
            issue = donor.choose_ad_issue(reach + lean)
            # Primary voters are about half a race's electorate.
            self.pstock[np.arange(self.n_seats), CHAL, issue] += against / (0.5 * self.race_electorate)
            self.money[:, d, 1] += against
            for j in np.flatnonzero(against):
                self.seats[j].money_against += float(against[j])
            self.recorder.spending(donor, against, np.zeros(self.n_seats), issue, issue, stage="primary")

    def _hold_primaries(self) -> None:
        """Party voters choose between each sitting member and its rival; a loser's rival becomes the nominee."""
        cand = self.primary_candidates()
        held = np.zeros(self.n_seats, dtype=bool)
        held[list(self.primary_challengers)] = True
        votes_inc, votes_all = self.electorate.elect(cand, self.pstock, held, self.rng, 0.0)
        for j in np.flatnonzero(held):
            holder, rival = self.seats[j], self.primary_challengers.pop(int(j))
            share, inc_wins = self._count(votes_inc[j], votes_all[j])
            winner, loser = (holder, rival) if inc_wins else (rival, holder)
            self.recorder.race(j, holder, rival, share, votes_all[j], winner, False, stage="primary")
            if not inc_wins:
                self.lost_primary[j] = True
                rival.money_against = holder.money_against
                rival.threat_belief[:] = holder.threat_belief
                rival.threat_effect[:] = holder.threat_effect
                self.seats[j] = rival
            loser.remove()
        self.pstock[:] = 0.0

    def _spend(self, steps_left: int) -> None:
        """Each donor spends this week's money on the races that are up, on the issue it chooses."""
        up = self.up_for_election()
        cand = self.candidates()
        weight = self.competitiveness()
        sides = self.sides()
        reach, lean, _ = self.electorate.ad_leverage(cand, self.positions)
        for d, donor in enumerate(self.donors):
            if donor.pot <= donor.spent_cycle:
                continue
            pressure = sum(self.money[:, o, 1] for o in range(len(self.donors)) if o != d) * (sides[:, d] == Side.ALLY)
            against, for_ = donor.allocate_budget(weight, sides[:, d], up, steps_left, pressure)
            issue_against = donor.choose_ad_issue(reach + lean)
            issue_for = donor.choose_ad_issue(reach - lean)
            rows = np.arange(self.n_seats)
            self.stock[rows, CHAL, issue_against] += against / self.race_electorate
            self.stock[rows, INC, issue_for] += for_ / self.race_electorate
            self.money[:, d, 0] += for_
            self.money[:, d, 1] += against
            for j in np.flatnonzero(against + for_):
                self.seats[j].money_for += float(for_[j])
                self.seats[j].money_against += float(against[j])
            self._court_backers(donor, against)
            self.recorder.spending(donor, against, for_, issue_against, issue_for)

    def _count(self, votes_inc: float, votes_all: float) -> tuple[float, bool]:
        """The incumbent slot's vote share and whether it won; a dead heat is settled by lot."""
        share = votes_inc / votes_all if votes_all > 0 else 0.5
        return share, bool(share > 0.5 or (share == 0.5 and self.rng.random() < 0.5))

    def _court_backers(self, donor: Donor, against: np.ndarray) -> None:
        """A challenger whose race a PAC pours money into takes the PAC's side of the target issue.

        Candidates court the money that backs them, as the candidates Fairshake supported
        did; voters who care about the issue can then hold it against them.
        """
        backed = float(np.sign(donor.position)) * self.params.politicians.backed_stance
        for j in np.flatnonzero(against):
            challenger = self.challengers.get(int(j))
            if challenger is not None and challenger.stance * np.sign(donor.position) < backed * np.sign(donor.position):
                challenger.stance = backed

    def _elect(self) -> None:
        """Hold the election: sample votes, seat winners, record races, start a new cycle."""
        p = self.params
        up = self.up_for_election()
        cand = self.candidates()
        swing = float(self.rng.normal(0.0, p.electorate.national_swing_sd))
        votes_inc, votes_all = self.electorate.elect(cand, self.stock, up, self.rng, swing)
        incumbent_lost = np.zeros(self.n_seats, dtype=bool)
        for j in np.flatnonzero(up):
            holder, challenger = self.seats[j], self.challengers.pop(j)
            share, inc_wins = self._count(votes_inc[j], votes_all[j])
            winner, loser = (holder, challenger) if inc_wins else (challenger, holder)
            incumbent_lost[j] = not inc_wins
            self.recorder.race(j, holder, challenger, share, votes_all[j], winner, bool(self.open_seat[j]))
            winner.last_margin = abs(share - 0.5) * 2.0
            if inc_wins:
                holder.capital += p.politicians.capital_regen
            winner.incumbent = True
            winner.money_for = winner.money_against = 0.0
            self.seats[j] = winner
            loser.remove()
        self._learn_from_election(up, incumbent_lost | self.lost_primary)
        self.lost_primary[:] = False
        for leader in self.leaders.values():
            leader.party = self._majority(leader.chamber)
        self.stock[:] = 0.0
        self.money[:] = 0.0
        for donor in self.donors:
            donor.new_cycle()
        self.cycle += 1
        self.open_seat[:] = False

    def _learn_from_election(self, up: np.ndarray, lost: np.ndarray) -> None:
        """Every legislator looks at the colleagues it watches: whom each donor targeted, how much it spent, who lost.

        Targeted colleagues losing more often than untargeted ones makes a donor's attacks
        look effective; the mean spent against them becomes the expected price of opposing.
        """
        pp = self.params.politicians
        n_donors = len(self.donors)
        seen = np.zeros((self.n_seats, n_donors), dtype=bool)
        spend = np.zeros((self.n_seats, n_donors))
        effect = np.ones((self.n_seats, n_donors))
        for d in range(n_donors):
            targeted = (self.money[:, d, 1] > 0) & up
            untargeted = ~targeted & up
            n_t = self.watch @ targeted.astype(float)
            n_u = self.watch @ untargeted.astype(float)
            lost_t = self.watch @ (targeted & lost).astype(float)
            lost_u = self.watch @ (untargeted & lost).astype(float)
            base = (untargeted & lost).sum() / max(untargeted.sum(), 1)
            rate_t = np.divide(lost_t, n_t, out=np.zeros(self.n_seats), where=n_t > 0)
            rate_u = np.divide(lost_u, n_u, out=np.full(self.n_seats, base), where=n_u > 0)
            seen[:, d] = n_t > 0
            spend[:, d] = np.divide(self.watch @ (self.money[:, d, 1] * targeted), n_t, out=np.zeros(self.n_seats), where=n_t > 0)
            effect[:, d] = np.maximum(0.0, 1.0 + pp.defeat_weight * (rate_t - rate_u))
        for j, pol in enumerate(self.seats):
            pol.learn_from_election(spend[j], effect[j], seen[j], pp.observation_rate)

    def expected_shares(self) -> np.ndarray:
        """Each seat's expected incumbent-slot vote share now, at current stances, candidates and ads (no sampling)."""
        cand = self.candidates()
        share, _, _ = self.electorate.outlook(cand, self.stock, self.positions)
        current = np.argmin(np.abs(cand.stance[:, None] - self.positions[None, :]), axis=1)
        return share[np.arange(self.n_seats), current]

    # --------------------------------------------------------------- interface
    def voter_graph(self) -> nx.Graph:
        """The voters' social network as a networkx graph, built when asked for (the model runs on sparse arrays)."""
        return self.electorate.voter_graph()

    def run(self) -> PacsimModel:
        """Run every cycle of the run to the end."""
        while self.running:
            self.step()
        return self

    def fire_shock(self, issue: str | None = None, log_size: float = 1.5) -> None:
        """An exogenous event raising (or, if negative, lowering) one issue's attention; the target by default."""
        names = self.electorate.issue_names
        index = self.electorate.target if issue is None else names.index(issue)
        self.electorate.apply_shock(index, log_size)
        self.recorder.event(names[index], log_size)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The run's tidy tables: steps, legislators, votes, bills, races, spending, events."""
        return self.recorder.tables(self.datacollector.get_model_vars_dataframe())


def on_air(retention: float, campaign_steps: int) -> float:
    """Share of evenly spread campaign dollars whose ads still work on election day.

    A week's buy is worth ``retention`` a week later; spending S over c weeks leaves
    (S / c) · r (1 - r^c) / (1 - r) on air when voters vote.
    """
    if retention >= 1.0:
        return 1.0
    return retention * (1.0 - retention**campaign_steps) / ((1.0 - retention) * campaign_steps) if retention > 0 else 1e-9
