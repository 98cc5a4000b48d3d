"""The pacsim model: it builds the parts and runs the weekly schedule.

The parts, each in its own module: the electorate (voters' state as arrays), the
legislature (seats, leaders, bills), the elections (candidates, primaries, the vote), the
campaign (donors, ads on air, the money ledger), the forecast (what each legislator
expects at the ballot box) and the calendar (what falls due each week). Every random draw
comes from the model's generator, seeded by Mesa's ``rng=``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import mesa
import networkx as nx
import numpy as np
import pandas as pd
from mesa.experimental.scenarios import Scenario

from pacsim.agents import Donor, LegislatorSnapshot, Side, Voters
from pacsim.agents.politician import Incentives, Outlook, Rivals, Seats
from pacsim.model.calendar import Calendar, Phase, Week
from pacsim.model.campaign import Campaign, MoneyLedger
from pacsim.model.elections import Elections
from pacsim.model.electorate import Electorate, build_geography
from pacsim.model.forecast import Forecast
from pacsim.model.legislature import Ballot, Legislature
from pacsim.model.params import DONOR_NAMES, FIELDS, FieldSpec, ParameterError, Params, build_params
from pacsim.model.tables import Recorder, StepCollector

__all__ = ["PacsimModel", "Phase", "resolve_params", "seed_from", "warm_up"]


def resolve_params(params: Params | Mapping[str, Any] | None, overrides: Mapping[str, Any]) -> Params:
    """Params from a Params, a mapping of dotted paths, and keyword overrides (``a__b`` stands for ``a.b``)."""
    flat = {k.replace("__", "."): v for k, v in overrides.items()}
    if isinstance(params, Params):
        return params.with_overrides(flat) if flat else params
    merged = dict(params or {})
    merged.update(flat)
    return build_params(merged)


class _RunSeed:
    """Marks an ``rng`` that was not given: the run's own ``run.seed`` is used."""

    def __repr__(self) -> str:
        return "run.seed"


RUN_SEED: Any = _RunSeed()


def seed_from(rng: Any) -> int:
    """The integer seed a run uses for ``rng`` given as Mesa takes it: an int, a Generator, a SeedSequence or None.

    ``None`` means fresh entropy from the operating system, as in Mesa; a Generator or a
    SeedSequence gives a seed drawn from it, so the run stays reproducible from the seed
    it records.
    """
    if isinstance(rng, bool):
        raise ParameterError(f"invalid value for 'rng': {rng!r}; allowed: an integer seed, a numpy Generator or SeedSequence, or None")
    if isinstance(rng, int | np.integer):
        return int(rng)
    if rng is None:
        return int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> np.uint64(1))
    if isinstance(rng, np.random.SeedSequence):
        return int(rng.generate_state(1, np.uint64)[0] >> np.uint64(1))
    if isinstance(rng, np.random.Generator | np.random.BitGenerator):
        gen = rng if isinstance(rng, np.random.Generator) else np.random.Generator(rng)
        return int(gen.integers(0, 2**63 - 1))
    raise ParameterError(f"invalid value for 'rng': {rng!r}; allowed: an integer seed, a numpy Generator or SeedSequence, or None")


class PacsimModel(mesa.Model):
    """Voters, politicians, donors and leaders on a network; salience and money decide votes.

    ``PacsimModel(params, rng=seed)`` takes a validated :class:`~pacsim.model.params.Params`
    (or a mapping of dotted parameter paths), plus keyword overrides where
    ``target__salience`` stands for ``target.salience`` (``PacsimModel.parameters()`` lists
    them). ``rng`` is taken as Mesa takes it (an int, a Generator, a SeedSequence, or None
    for fresh entropy); left out, it is ``run.seed``. The seed actually used is ``seed`` and
    ``params.run.seed``. A Mesa ``scenario=`` is accepted: its ``rng`` seeds the run when
    ``rng`` is left out, and its other attributes are parameter overrides.
    """

    def __init__(
        self, params: Params | Mapping[str, Any] | None = None, *, rng: Any = RUN_SEED, scenario: Scenario | None = None, **overrides: Any
    ) -> None:
        if scenario is not None:
            extra = {k: v for k, v in scenario if k not in ("rng", "model") and not k.startswith("_")}
            overrides = {**extra, **overrides}
            if rng is RUN_SEED and scenario.rng is not None:
                rng = scenario.rng
        p = resolve_params(params, overrides)
        self.seed = p.run.seed if rng is RUN_SEED else seed_from(rng)
        self.params = p = p if self.seed == p.run.seed else p.with_overrides({"run.seed": self.seed})
        super().__init__(rng=self.seed)
        if scenario is not None:
            self.scenario = scenario
        self.cycle = 0
        #: Set by measures that hold every stance fixed (a paired field experiment): no reviews, no bills.
        self.frozen = False
        self.calendar = Calendar(p)
        self.geography = build_geography(p, self.rng)
        self.electorate = Electorate(p, self.rng, self.geography)
        self.voters = Voters(self, self.electorate)
        self.legislature = Legislature(self, p, self.rng, self.electorate, self.geography, n_donors=len(DONOR_NAMES))
        self.elections = Elections(p, self.rng, self.electorate, self.legislature)
        donors = [Donor.from_params(self, name, getattr(p, name), self.electorate.target) for name in DONOR_NAMES]
        self.campaign = Campaign(
            p,
            donors,
            self.electorate,
            self.positions,
            self.elections.race_electorate,
            primary_weeks=self.calendar.primary_week - self.calendar.campaign_start,
        )
        self.forecast = Forecast(p, self.electorate, self.positions, self.elections.race_electorate, donors, self.elections.has_primary)
        self.legislature.seat_first_members()
        self.recorder = Recorder(self)
        self.refresh_outlook()
        self.legislature.update_beliefs(*self.expected_money(), rate=1.0)
        self.legislature.choose_stances(self.outlook, self.incentives)
        self.recorder.snapshot_legislators(LegislatorSnapshot.START)
        self.datacollector = StepCollector(self.recorder)
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        """One week: news and attention move, then whatever the calendar says is due."""
        week = self.calendar.week(self.steps)
        self.move_attention()
        if week.opens_campaign:
            self.open_campaign()
        if week.review_due and not self.frozen:
            self.review()
        if week.session_snapshot_due:
            self.recorder.snapshot_legislators(LegislatorSnapshot.SESSION)
        if week.bill_due and not self.frozen:
            self.legislature.consider_agenda(self.outlook, self.incentives, self.donors, self.recorder, self.ballot())
        if week.campaigning:
            self.buy_ads(week)
        if week.primary_day and self.elections.primary_challengers:
            self.hold_primaries()
        if week.election_day:
            self.hold_election()
        self.datacollector.collect(self)
        if self.calendar.finished(self.steps):
            self.running = False

    # ---------------------------------------------------------------- the phases
    def move_attention(self) -> None:
        """A scheduled shock fires; news arrives; attention diffuses, with this week's ads; ads decay."""
        p, e, stocks = self.params, self.electorate, self.campaign.stocks
        if p.events.shock_step and self.steps == p.events.shock_step:
            self.fire_shock(log_size=p.events.shock_size)
        e.draw_news(self.rng)
        e.step_attention(e.ad_push(stocks.general, self.n_house, [0, 1, 2]) if stocks.general.any() else None)
        self.campaign.decay()

    def review(self) -> None:
        """Legislators update what they expect from voters and donors, then choose their stances."""
        self.refresh_outlook()
        self.legislature.update_beliefs(*self.expected_money())
        self.legislature.choose_stances(self.outlook, self.incentives)

    def open_campaign(self) -> None:
        """Retirements and challengers for every race that is up; candidates budget; donors plan the primaries they fight."""
        el = self.elections
        up = el.up_for_election(self.cycle)
        el.open_races(up)
        assert self.outlook.others is not None
        self.campaign.open(self.outlook.others)
        if el.has_primary.any():
            held = up & el.has_primary
            if el.open_seat[held].any():
                # Open seats have new nominees: donors plan on the races as they now stand.
                self.refresh_outlook()
            views = [self.forecast.race_view(d, primary=True) for d in range(len(self.donors))]
            el.open_primaries(held, self.donors, views, self.sides(), self.params.campaign.min_buy)

    def buy_ads(self, week: Week) -> None:
        """Donors spend on the primaries they fight until primary day, and plan (or revise) and spend on the general races."""
        el = self.elections
        if week.primary_spending and el.primary_challengers:
            self.campaign.spend_primary(self.seats, el.primary_candidates(), week.weeks_to_primary, self.recorder)
        up = el.up_for_election(self.cycle)
        views = [self.forecast.race_view(d) for d in range(len(self.donors))]
        if self.campaign.races_moved(views[0], up):
            self.campaign.plan(views, self.sides(), up)
        self.campaign.spend_general(self.seats, el.challengers, el.candidates(), up, week.weeks_to_election, self.recorder)

    def hold_primaries(self) -> None:
        """Primaries are held; their ads come off the air."""
        self.elections.hold_primaries(self.campaign.stocks.primary, self.recorder)
        self.campaign.end_primaries()

    def hold_election(self) -> None:
        """The general election: winners take their seats, legislators learn from what they saw, a new cycle starts."""
        self.recorder.snapshot_legislators(LegislatorSnapshot.ELECTION)
        up, lost = self.elections.hold_general(self.cycle, self.campaign.stocks.general, self.recorder)
        self.legislature.learn_from_election(self.campaign.ledger.against_incumbent, up, lost)
        self.legislature.renew_leaders()
        self.campaign.new_cycle()
        self.cycle += 1
        if self.calendar.finished(self.steps) and not self.frozen:
            # The run ends here: new members take their first stances, so end-of-run counts are of chosen stances.
            self.review()

    # ------------------------------------------------------------ what is known
    def refresh_outlook(self) -> Outlook:
        """Recompute every seat holder's expected vote share at each position, and donors' ad power."""
        el = self.elections
        primary = (el.primary_candidates(), self.campaign.stocks.primary) if el.has_primary.any() else None
        return self.forecast.refresh(el.candidates(), self.campaign.stocks.general, primary)

    def expected_money(self) -> tuple[np.ndarray, np.ndarray]:
        """What each seat holder would expect each donor to spend against it if it opposed, and for it as an ally (seats × donors).

        Each is the donor's own plan rule applied to the holder's race with what legislators
        can see: announced pots, or else last cycle's spending.
        """
        sides, up, buy = self.sides(), self.elections.up_for_election(self.cycle), self.params.campaign.min_buy
        against = np.zeros((self.n_seats, len(self.donors)))
        for_ = np.zeros_like(against)
        for d, donor in enumerate(self.donors):
            view = self.forecast.race_view(d)
            against[:, d] = donor.expected_if_opposed(view, (sides[:, d] == Side.OPPONENT) & up, buy)
            for_[:, d] = donor.expected_if_allied(view, (sides[:, d] == Side.ALLY) & up, buy)
        return against, for_

    def ballot(self) -> Ballot:
        """The candidates and ads on air the electorate's vote model reads, with the primaries' where they are held."""
        el = self.elections
        primary = (el.primary_candidates(), self.campaign.stocks.primary) if el.has_primary.any() else None
        return Ballot(el.candidates(), self.campaign.stocks.general, primary)

    def competitiveness(self) -> np.ndarray:
        """How close each seat's race looks at its holder's current stance (1 for a dead heat)."""
        return self.forecast.competitiveness(self.legislature.stance_columns())

    def sides(self) -> np.ndarray:
        """Each seat holder's side of each donor (seats × donors)."""
        return self.legislature.sides(self.campaign.donor_positions)

    def expected_shares(self) -> np.ndarray:
        """Each seat's expected incumbent-slot vote share now, at current stances, candidates and ads (no sampling)."""
        cand = self.elections.candidates()
        share, _, _ = self.electorate.outlook(cand, self.campaign.stocks.general, self.positions)
        current = np.argmin(np.abs(cand.stance[:, None] - self.positions[None, :]), axis=1)
        return share[np.arange(self.n_seats), current]

    # --------------------------------------------------------- views of the parts
    @property
    def phase(self) -> Phase:
        """The phase the current step belongs to."""
        return self.calendar.phase(self.steps)

    @property
    def cycle_step(self) -> int:
        """Week within the current cycle, from 0."""
        return self.calendar.week_index(self.steps)

    @property
    def seats(self) -> Seats:
        """Every seat's holder, House seats first, then the Senate's two seats per state."""
        return self.legislature.seats

    @property
    def donors(self) -> list[Donor]:
        """The industry PAC and the opposing PAC."""
        return self.campaign.donors

    @property
    def money(self) -> MoneyLedger:
        """This cycle's money ledger: each donor's dollars for and against each seat's incumbent slot."""
        return self.campaign.ledger

    @property
    def outlook(self) -> Outlook:
        """The electoral outlook from the last review."""
        assert self.forecast.outlook is not None, "the outlook is computed when the model is built"
        return self.forecast.outlook

    @property
    def incentives(self) -> Incentives:
        """The model-wide constants of every politician's calculus."""
        return self.forecast.incentives

    @property
    def positions(self) -> np.ndarray:
        """The positions a legislator can take on the target issue."""
        return self.legislature.positions

    @property
    def n_house(self) -> int:
        """Number of House seats; seats ``n_house`` and up are the Senate's."""
        return self.legislature.n_house

    @property
    def n_seats(self) -> int:
        """Number of seats in both chambers."""
        return self.legislature.n_seats

    @property
    def chamber_of(self) -> np.ndarray:
        """Each seat's chamber."""
        return self.legislature.chamber_of

    @property
    def observation(self) -> nx.Graph:
        """Who watches whom among legislators (nodes are seats)."""
        return self.legislature.observation

    @property
    def legislators(self) -> mesa.agent.AgentSet:
        """The sitting legislators, one per seat in seat order, as a Mesa AgentSet."""
        return mesa.agent.AgentSet(self.legislature.seats, random=self.random)

    @property
    def candidates(self) -> mesa.agent.AgentSet:
        """This campaign's challengers (general and primary) who do not hold a seat, as a Mesa AgentSet."""
        el = self.elections
        return mesa.agent.AgentSet([*el.challengers.values(), *el.primary_challengers.values()], random=self.random)

    @classmethod
    def parameters(cls) -> list[FieldSpec]:
        """Every parameter the model takes, from the schema: dotted path, default, range or choices, units, description.

        Each is also a keyword of the constructor with ``__`` for the dot
        (``PacsimModel(target__salience=0.4)``), as Mesa's ``batch_run`` passes them.
        """
        return list(FIELDS.values())

    @property
    def challengers(self) -> Rivals:
        """This campaign's general-election challengers, by seat."""
        return self.elections.challengers

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


#: A miniature world that reaches every kernel within one short cycle: reviews, bills, a campaign with ads, an election.
WARM_UP_WORLD: dict[str, Any] = {
    "electorate.n_voters": 3000,
    "legislature.house_seats": 40,
    "legislature.senate_seats": 10,
    "run.n_cycles": 1,
    "run.steps_per_cycle": 26,
    "run.campaign_steps": 6,
}


def warm_up() -> None:
    """Run :data:`WARM_UP_WORLD`, so that every kernel is compiled, or loaded from numba's cache, before anyone waits for it.

    On a fresh install numba compiles each kernel at its first call (tens of seconds in
    all) and caches it; afterwards loading them takes well under a second.
    """
    PacsimModel(build_params(WARM_UP_WORLD)).run()
