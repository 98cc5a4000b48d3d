"""The one parameter surface of pacsim.

Every parameter, with its default, range, units and description, is declared here once.
The model constructor, the scenario files, the sweeps, the CLI and the Solara sliders all
read this schema; none of them writes a default of its own.

Parameters are addressed by dotted paths such as ``target.salience`` or
``industry.budget``. :func:`build_params` turns a mapping of such paths (or a nested
mapping, as in a TOML scenario file) into a validated :class:`Params`, and raises
:class:`ParameterError` with a one-line message naming the field, the value and what is
allowed when anything is wrong.
"""

from __future__ import annotations

import enum
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pacsim.agents.enums import AdStrategy


def _p(default: Any, lo: float | None, hi: float | None, units: str, description: str, **kw: Any) -> Any:
    """Declare one parameter: default, inclusive range, units and description."""
    extra: dict[str, Any] = {"units": units}
    return Field(default, ge=lo, le=hi, description=description, json_schema_extra=extra, **kw)


class _Section(BaseModel):
    """A group of parameters: unknown keys and wrong types are errors, never ignored."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, validate_default=True)


class RunParams(_Section):
    """How long a run lasts and how it is seeded."""

    seed: int = _p(0, 0, 2**63 - 1, "integer", "Master seed of the run; every random draw derives from it.")
    n_cycles: int = _p(4, 1, 200, "election cycles", "Number of two-year election cycles to simulate.")
    steps_per_cycle: int = _p(104, 8, 520, "steps (weeks)", "Steps in one cycle; a step is one week.")
    campaign_steps: int = _p(12, 1, 104, "steps (weeks)", "Closing steps of each cycle in which donors buy ads.")

    @model_validator(mode="after")
    def _campaign_fits(self) -> RunParams:
        if self.campaign_steps >= self.steps_per_cycle:
            raise ValueError(f"run.campaign_steps={self.campaign_steps} must be less than run.steps_per_cycle={self.steps_per_cycle}")
        return self


class LegislatureParams(_Section):
    """Chambers, bills and the floor."""

    house_seats: int = _p(435, 1, 2000, "seats", "Single-member House districts.")
    senate_seats: int = _p(100, 2, 400, "seats", "Senate seats, two per state, in three staggered classes.")
    cloture_fraction: float = _p(0.6, 0.5, 1.0, "share of seats", "Senate votes needed to end debate (60 of 100).")
    bills_per_session: int = _p(
        6,
        0,
        100,
        "bill weeks per cycle",
        "Weeks of each session in which bills are introduced: a regulation, an industry-backed measure, partisan bills.",
    )
    status_quo: float = _p(
        0.5, -1.0, 1.0, "position", "Target-issue status quo, federal law and the states' laws together; +1 is the industry's ideal."
    )
    bill_position_min: float = _p(-1.0, -1.0, 1.0, "position", "Most regulatory position a regulation bill may take.")
    bill_position_max: float = _p(-0.25, -1.0, 1.0, "position", "Least regulatory position a regulation bill may take.")
    leadership_gate: bool = _p(True, None, None, "on/off", "Whether the majority leader decides which bills reach the floor.")
    retirement_rate: float = _p(0.05, 0.0, 1.0, "probability per cycle", "Chance an incumbent retires, leaving an open seat.")
    primaries_house: bool = _p(False, None, None, "on/off", "Whether House incumbents face party primaries donors can spend in.")
    primaries_senate: bool = _p(False, None, None, "on/off", "Whether senators face party primaries donors can spend in.")

    @model_validator(mode="after")
    def _consistent(self) -> LegislatureParams:
        if self.senate_seats % 2:
            raise ValueError(f"legislature.senate_seats={self.senate_seats} must be even (two seats per state)")
        if self.house_seats < self.senate_seats // 2:
            raise ValueError(
                f"legislature.house_seats={self.house_seats} must be at least the number of states "
                f"({self.senate_seats // 2}), since every state has a House district"
            )
        if not self.bill_position_min <= self.bill_position_max < self.status_quo:
            raise ValueError(
                "legislature.bill_position_min <= legislature.bill_position_max < legislature.status_quo "
                f"must hold, got {self.bill_position_min}, {self.bill_position_max}, {self.status_quo}"
            )
        return self


class ElectorateParams(_Section):
    """Voters, their ties and how they choose."""

    n_voters: int = _p(100_000, 2, 20_000_000, "voters", "Simulated voters, spread over House districts.")
    district_electorate: float = _p(
        520_000.0, 1.0, 1e8, "eligible voters", "Real eligible voters one House district stands for; scales ad dollars per voter."
    )
    network_degree: int = _p(10, 2, 200, "ties per voter", "Mean social ties per voter (Watts-Strogatz ring within a district).")
    network_rewire: float = _p(0.1, 0.0, 1.0, "probability", "Watts-Strogatz rewiring probability within a district.")
    cross_district_share: float = _p(0.05, 0.0, 1.0, "ties per voter", "Extra random ties across districts, per voter.")
    district_lean_sd: float = _p(0.6, 0.0, 3.0, "party-ID units", "Spread of districts' partisan lean.")
    party_weight: float = _p(1.5, 0.0, 20.0, "logit units", "Weight of party identification in vote choice.")
    issue_weight: float = _p(2.0, 0.0, 50.0, "logit units per unit distance", "Weight of salience-weighted issue distance in vote choice.")
    turnout_mean: float = _p(0.6, 0.05, 1.0, "probability", "Mean turnout propensity.")
    incumbency_advantage: float = _p(0.3, 0.0, 5.0, "logit units", "Edge a sitting member has with general-election voters.")
    primary_incumbency_advantage: float = _p(
        0.8, 0.0, 10.0, "logit units", "Edge a sitting member has with its own party's primary voters (incumbents rarely lose primaries)."
    )
    national_swing_sd: float = _p(0.1, 0.0, 2.0, "logit units", "Spread of the national swing at each election.")
    district_swing_sd: float = _p(0.1, 0.0, 2.0, "logit units", "Spread of each race's own swing at each election.")


class SalienceParams(_Section):
    """How much attention voters pay to each issue, and how that moves."""

    background_issues: tuple[str, ...] = _p(
        ("economy", "immigration", "health_care", "abortion"), None, None, "names", "Issues other than the target issue.", min_length=1
    )
    background_weights: tuple[float, ...] = _p(
        (0.36, 0.26, 0.20, 0.18),
        None,
        None,
        "relative weights",
        "Relative national attention to the background issues; scaled to fill what the target issue leaves.",
        min_length=1,
    )
    heterogeneity: float = _p(0.5, 0.0, 3.0, "log-normal sd", "Spread of voters' personal attention around the national level.")
    diffusion: float = _p(0.2, 0.0, 1.0, "share per step", "Share of a voter's attention pulled towards its network neighbours each step.")
    reversion: float = _p(0.1, 0.0, 1.0, "share per step", "Share of the gap to a voter's own baseline closed each step.")
    shock_rate: float = _p(0.01, 0.0, 1.0, "probability per step", "Chance of a news shock to one issue's national attention in a step.")
    shock_sd: float = _p(0.3, 0.0, 3.0, "log-normal sd", "Size of a news shock.")
    shock_decay: float = _p(0.05, 0.0, 1.0, "share per step", "Share of a national shock that fades each step.")
    ad_push: float = _p(0.02, 0.0, 10.0, "attention per log-dollar", "Attention an ad adds to its issue for the voters it reaches.")

    @model_validator(mode="after")
    def _weights_match(self) -> SalienceParams:
        if len(self.background_issues) != len(self.background_weights):
            raise ValueError(
                f"salience.background_weights has {len(self.background_weights)} entries but "
                f"salience.background_issues has {len(self.background_issues)}"
            )
        if any(w <= 0 for w in self.background_weights):
            raise ValueError(f"salience.background_weights={list(self.background_weights)} must all be > 0")
        for name in self.background_issues:
            _check_issue_name("salience.background_issues", name)
        repeated = sorted({n for n in self.background_issues if self.background_issues.count(n) > 1})
        if repeated:
            raise ValueError(
                f"salience.background_issues={list(self.background_issues)} names {repeated[0]!r} more than once; "
                "allowed: distinct issue names"
            )
        return self


#: What an issue name may be: it becomes a column name (``salience_<name>``) and a CLI token.
ISSUE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")


def _check_issue_name(field: str, name: str) -> None:
    """Refuse an issue name that is empty or not a plain identifier, in one line."""
    if not ISSUE_NAME.fullmatch(name):
        raise ValueError(
            f"invalid value for '{field}': {name!r}; allowed: an issue name of 1-64 letters, digits and '_', starting with a letter"
        )


class TargetParams(_Section):
    """The issue the donors care about (crypto rules, AI regulation)."""

    name: str = _p("ai_regulation", None, None, "name", "Name of the target issue.")
    salience: float = _p(0.02, 0.0, 1.0, "share of attention", "National share of voters' attention on the target issue.")
    voter_share_with_donor: float = _p(0.25, 0.0, 1.0, "share of voters", "Share of voters on the industry donor's side of the issue.")
    opinion_sd: float = _p(0.5, 0.01, 3.0, "position units", "Spread of voters' positions on the target issue.")
    partisan_loading: float = _p(0.1, -1.0, 1.0, "position per party-ID unit", "How much party identification tilts target-issue opinion.")

    @model_validator(mode="after")
    def _named(self) -> TargetParams:
        _check_issue_name("target.name", self.name)
        return self


class PoliticianParams(_Section):
    """Legislators and challengers."""

    reelection_uncertainty: float = _p(
        0.12, 0.001, 0.5, "vote share", "A legislator's uncertainty about its vote share at the next election."
    )
    conviction_mean: float = _p(
        0.005,
        0.0,
        10.0,
        "re-election probability per unit distance",
        (
            "Mean policy conviction of ordinary legislators (exponentially distributed). Members are above all re-election seekers "
            "(Mayhew 1974): an ordinary member gives up about half a point of re-election probability to stand a full unit nearer its own "
            "ideal."
        ),
    )
    champions: int = _p(0, 0, 2000, "legislators", "Legislators with high conviction on the target issue, drawn at random.")
    champion_conviction: float = _p(1.0, 0.0, 10.0, "re-election probability per unit distance", "Conviction of a champion.")
    capital_initial: float = _p(1.0, 0.0, 100.0, "re-election probability", "Political capital each legislator starts a career with.")
    capital_regen: float = _p(0.5, 0.0, 100.0, "re-election probability per election won", "Capital restored by winning re-election.")
    review_interval: int = _p(4, 1, 52, "steps (weeks)", "How often legislators revisit their stance outside roll calls and campaigns.")
    observation_rate: float = _p(
        0.5, 0.0, 1.0, "share per election", "How far an election's observed targeting and defeats move a legislator's beliefs."
    )
    defeat_weight: float = _p(
        3.0,
        0.0,
        50.0,
        "effect multiple per unit loss-rate gap",
        "How much more effective a donor's attacks seem per unit by which targeted colleagues lost more often than others.",
    )
    observed_colleagues: float = _p(
        10.0, 0.0, 200.0, "colleagues", "Mean number of colleagues a legislator watches for signs of the donor threat."
    )
    observation_homophily: float = _p(0.7, 0.0, 1.0, "share of ties", "Share of those colleagues in the legislator's own caucus.")
    threat_learning_rate: float = _p(
        0.2,
        0.0,
        1.0,
        "share per review",
        (
            "How far a legislator's belief about a donor's spending moves at each review towards what the donor's plan rule implies. "
            "Stated reason: a fifth per review (every four weeks) closes half the gap in about three months, the pace at which a PAC's "
            "announcements and filings reach members."
        ),
    )
    muted_band: float = _p(
        0.2, 0.0, 1.0, "position units", "A stance within this distance of neutral is muted: neither opposing nor supporting."
    )
    ideal_sd: float = _p(0.5, 0.0, 3.0, "position units", "Spread of legislators' own ideal points on the target issue.")
    platform_distance: float = _p(
        0.5, 0.0, 1.0, "position units", "Distance of each party's platform from the centre on background issues."
    )
    platform_sd: float = _p(
        0.1, 0.0, 1.0, "position units", "Spread of a candidate's background-issue positions around its party's platform."
    )
    backed_stance: float = _p(
        0.5,
        0.0,
        1.0,
        "position units",
        "How far onto a PAC's side of the target issue a candidate it backs moves (a rival it recruits, a challenger it funds).",
    )
    valence_sd: float = _p(0.1, 0.0, 2.0, "logit units", "Spread of candidates' personal appeal.")


class CampaignParams(_Section):
    """How ad money moves voters."""

    ad_effect: float = _p(
        0.2,
        0.0,
        5.0,
        "logit units per log-dollar",
        (
            "Persuasion of ads: utility per unit of log(1 + dollars per voter / saturation). Gives about half a point of vote share per "
            "SD of ad advantage, in the range of Spenkuch & Toniatti (2018) for presidential ads; Kalla & Broockman (2018) find "
            "general-election persuasion near zero, so this is an upper-middle value."
        ),
    )
    ad_saturation: float = _p(
        1.0,
        0.01,
        1e4,
        "dollars per eligible voter",
        (
            "Spending on air at which ads' returns start to diminish (log returns beyond it). Stated reason: about $1 per eligible voter "
            "is a heavily contested House race's closing-weeks volume (AdImpact tallies, 2022)."
        ),
    )
    ad_retention: float = _p(
        0.3,
        0.0,
        1.0,
        "share per step",
        (
            "Share of an ad's effect left after a week. Gerber, Gimpel, Green & Shaw (2011) find TV ads' effect largely gone within a "
            "week; Hill, Lo, Vavreck & Zaller (2013) find most of it decays within days."
        ),
    )
    exposure_sd: float = _p(0.5, 0.0, 3.0, "log-normal sd", "Spread of voters' exposure to ads (mean 1).")
    min_buy: float = _p(
        250_000.0,
        1_000.0,
        1e9,
        "dollars",
        (
            "Smallest buy a donor makes in a race; plans come in whole buys, so no race gets dust. Stated reason: about a week of "
            "broadcast time in a mid-size media market (AdImpact rate cards)."
        ),
    )
    house_candidate_spending: float = _p(
        1.5e6,
        0.0,
        1e9,
        "dollars per candidate per cycle",
        (
            "What each House candidate and its party spend on their own ads in a safe race. OpenSecrets, 2022 cycle: House "
            "general-election winners spent about $2.8M on average and challengers far less."
        ),
    )
    senate_candidate_spending: float = _p(
        12e6,
        0.0,
        1e10,
        "dollars per candidate per cycle",
        (
            "What each Senate candidate and its party spend on their own ads in a safe race. OpenSecrets, 2022 cycle: Senate winners "
            "spent about $26M on average, challengers less."
        ),
    )
    close_race_spending: float = _p(
        3.0,
        0.0,
        100.0,
        "multiple",
        (
            "How much more candidates and parties spend in a dead heat: spending is the safe-race amount times 1 + this × closeness. "
            "Stated reason: the most competitive House races of 2022 ran $10-25M in candidate and party money (OpenSecrets race totals), "
            "several times a safe seat's."
        ),
    )
    replan_threshold: float = _p(
        0.02,
        0.0,
        1.0,
        "vote share",
        (
            "A donor revises its race plan when a race's expected share has moved this much since it planned. Stated reason: two points, "
            "about a poll's margin of error."
        ),
    )


class DonorParams(_Section):
    """One PAC: its money, its side of the target issue and its strategy."""

    budget: float = _p(100e6, 0.0, 1e11, "dollars per cycle", "Money the PAC spends on races each cycle.")
    position: float = _p(1.0, -1.0, 1.0, "position", "The PAC's ideal on the target issue.")
    intensity: float = _p(1.0, 0.0, 1.0, "share of budget", "Share of the budget committed to the target issue's races.")
    attack_share: float = _p(0.7, 0.0, 1.0, "share of spending", "Share of spending against opponents; the rest protects allies.")
    strategy: AdStrategy = _p(AdStrategy.SAVVY, None, None, "choice", "What the ads are about.")
    max_targets: int = _p(
        0,
        0,
        2000,
        "races per cycle",
        "Most opponents the PAC attacks in a cycle, those where its money is worth most (0: as many as its plan funds).",
    )
    example_value: float = _p(
        1.0,
        0.0,
        100.0,
        "seats",
        (
            "Extra value, in seats' worth of votes, of defeating an opponent: a defeat makes an example that deters others (thread lines "
            "5-6). Stated reason: an example is worth about as much again as the seat itself."
        ),
    )
    reserve_value: float = _p(
        0.001,
        0.0,
        1.0,
        "win probability per $1M",
        (
            "The least a further $1M must add to the chance of winning a House seat (or its equivalent) for the PAC to spend it; money "
            "worth less stays in the bank. Stated reason: a tenth of a point per $1M is where a buy stops mattering to any race; "
            "Fairshake banked over $100M for later cycles rather than spend in hopeless or safe races (FEC filings, 2024 year-end)."
        ),
    )
    announce: bool = _p(
        True,
        None,
        None,
        "on/off",
        "Whether the PAC announces its budget and threat, so legislators plan against it before seeing it spend.",
    )
    primary_share: float = _p(0.0, 0.0, 1.0, "share of attack money", "Share of attack money spent in primaries where primaries are held.")


class OpposingDonorParams(DonorParams):
    """A PAC on the other side of the target issue (absent while its budget is 0)."""

    budget: float = _p(0.0, 0.0, 1e11, "dollars per cycle", "Money the opposing PAC spends on races each cycle.")
    position: float = _p(-1.0, -1.0, 1.0, "position", "The opposing PAC's ideal on the target issue.")


class LeadershipParams(_Section):
    """What the majority leader weighs when deciding which bills reach the floor."""

    party_dues: float = _p(
        0.5e6,
        0.0,
        1e8,
        "dollars per member per cycle",
        "Money a caucus raises per member for the party each cycle (House dues run $0.1-1.2M).",
    )
    money_value: float = _p(
        0.03, 0.0, 10.0, "seats per $1M", "Caucus seats the leader thinks a million dollars of caucus fundraising is worth."
    )
    majority_weight: float = _p(1.0, 0.0, 100.0, "weight", "Weight on the caucus's expected seats lost by forcing members onto the record.")


class AgendaParams(_Section):
    """What comes before the chambers besides regulation: measures the industry wants, and a partisan agenda."""

    state_patchwork: float = _p(
        0.5,
        0.0,
        2.0,
        "position",
        "How far the states' own laws pull the target-issue status quo from the industry's ideal. Federal preemption or a "
        "moratorium on state laws overrides them, moving policy this far the industry's way; a light federal framework "
        "moves it part of the way; 0: no industry-backed measure. With no comprehensive federal AI law the rules in force "
        "are mostly the states' (about 1,200 state AI bills in 2025, nearly 100 enacted in 2024: MultiState; Colorado's "
        "AI Act), so preemption takes the default status quo (0.5) to the industry's ideal (1).",
    )
    privileged_target: bool = _p(
        False,
        None,
        None,
        "on/off",
        "Whether target-issue bills are privileged (riders on budget reconciliation, as the 2025 moratorium on state AI "
        "laws was): a simple Senate majority then ends debate. Off: stand-alone bills, which need cloture.",
    )
    partisan_bills_per_week: int = _p(
        1,
        0,
        20,
        "bills per bill week",
        "Background-issue bills introduced in each bill week, the issues taken in turn; sponsors write them at their own "
        "platform. One a week gives a partisan agenda as long as each side of the target issue's, for a few percent more "
        "run time (each costs two forecasts of the electorate); roll rates over a real Congress use hundreds of votes.",
    )
    platform_conviction: float = _p(
        0.2,
        0.0,
        10.0,
        "re-election probability per unit distance",
        "How much a member values policy close to its own platform on a background issue. Loyal members pay a few points "
        "of vote share for their record (Canes-Wrone, Brady & Cogan 2002; Carson et al. 2010) and still vote with their "
        "party about nine times in ten (CQ party-unity scores), so a platform is worth at least what 2-3 points carry in "
        "a close race at the default re-election uncertainty: about 0.15-0.2 per unit distance.",
    )
    background_status_quo: float = _p(
        0.0,
        -1.0,
        1.0,
        "position",
        "Status quo on every background issue: policy left by past bargains between the parties, midway between their "
        "platforms (politicians.platform_distance either side).",
    )


class EventsParams(_Section):
    """Scheduled events during a run."""

    shock_step: int = _p(0, 0, 100_000, "step", "Week of the run in which the target issue's salience is shocked (0: never).")
    shock_size: float = _p(
        2.5, -10.0, 10.0, "log multiple", "Size of that shock: national attention to the target issue is multiplied by exp(size)."
    )


class Params(_Section):
    """Every parameter of a pacsim run."""

    run: RunParams = RunParams()
    legislature: LegislatureParams = LegislatureParams()
    electorate: ElectorateParams = ElectorateParams()
    salience: SalienceParams = SalienceParams()
    target: TargetParams = TargetParams()
    politicians: PoliticianParams = PoliticianParams()
    campaign: CampaignParams = CampaignParams()
    industry: DonorParams = DonorParams()
    opposing: OpposingDonorParams = OpposingDonorParams()
    leadership: LeadershipParams = LeadershipParams()
    agenda: AgendaParams = AgendaParams()
    events: EventsParams = EventsParams()

    @model_validator(mode="after")
    def _cross_section(self) -> Params:
        districts = self.legislature.house_seats
        if self.electorate.n_voters < 2 * districts:
            raise ValueError(
                f"electorate.n_voters={self.electorate.n_voters} must be at least 2 per House district "
                f"({2 * districts} for {districts} seats)"
            )
        if self.target.name in self.salience.background_issues:
            raise ValueError(
                f"target.name={self.target.name!r} is also in salience.background_issues; "
                "allowed: a target issue distinct from every background issue"
            )
        lp, ap = self.legislature, self.agenda
        if lp.status_quo + ap.state_patchwork > 1.0:
            raise ValueError(
                f"legislature.status_quo + agenda.state_patchwork must be at most 1 (the industry's side of the issue ends there), "
                f"got {lp.status_quo} + {ap.state_patchwork}"
            )
        n_seats = self.legislature.house_seats + self.legislature.senate_seats
        if self.politicians.champions > n_seats:
            raise ValueError(f"politicians.champions={self.politicians.champions} must be at most the {n_seats} seats")
        return self

    def get(self, path: str) -> Any:
        """Value at a dotted path such as ``target.salience``."""
        section, _, name = path.partition(".")
        return getattr(getattr(self, section), name)

    def to_flat(self) -> dict[str, Any]:
        """Every parameter as ``{dotted path: plain value}``."""
        return {spec.path: _plain(self.get(spec.path)) for spec in iter_fields()}

    def with_overrides(self, overrides: Mapping[str, Any]) -> Params:
        """A new validated Params with dotted-path overrides applied."""
        return build_params(overrides, base=self)


#: The donors every model holds, in order: the schema's donor sections (``industry``, ``opposing``).
DONOR_NAMES: tuple[str, ...] = tuple(
    name for name, field in Params.model_fields.items() if isinstance(field.annotation, type) and issubclass(field.annotation, DonorParams)
)


class ParameterError(ValueError):
    """A parameter value that the schema does not allow; its message is one line."""


@dataclass(frozen=True)
class FieldSpec:
    """What the schema says about one parameter."""

    path: str
    type: type
    default: Any
    lo: float | None
    hi: float | None
    units: str
    description: str
    choices: tuple[str, ...] | None = None

    def allowed(self) -> str:
        """Human-readable statement of the allowed values."""
        if self.choices:
            return "one of " + ", ".join(self.choices)
        kind = {int: "an integer", float: "a number", bool: "true or false", str: "a string"}.get(self.type, "a list")
        if self.lo is not None and self.hi is not None:
            return f"{kind} in [{_num(self.lo)}, {_num(self.hi)}] ({self.units})"
        return f"{kind} ({self.units})"


def _num(x: float) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple):
        return list(value)
    return value


def _bounds(info: Any) -> tuple[float | None, float | None]:
    lo = hi = None
    for m in info.metadata:
        lo = getattr(m, "ge", lo)
        hi = getattr(m, "le", hi)
    return lo, hi


def _section_model(section: str) -> type[BaseModel]:
    """The model class of one section of the schema: every field of ``Params`` is a section."""
    ann = Params.model_fields[section].annotation
    if not (isinstance(ann, type) and issubclass(ann, BaseModel)):
        raise TypeError(f"Params.{section} is {ann!r}, not a section model")
    return ann


def iter_fields() -> Iterator[FieldSpec]:
    """Every parameter of the schema, in declaration order."""
    for section in Params.model_fields:
        for name, info in _section_model(section).model_fields.items():
            lo, hi = _bounds(info)
            ann = info.annotation
            choices = tuple(m.value for m in ann) if isinstance(ann, type) and issubclass(ann, enum.Enum) else None
            base = str if choices else (ann if isinstance(ann, type) and ann in (int, float, bool, str) else tuple)
            extra = info.json_schema_extra
            yield FieldSpec(
                path=f"{section}.{name}",
                type=base,
                default=_plain(info.default),
                lo=lo,
                hi=hi,
                units=str(extra["units"]) if isinstance(extra, dict) and "units" in extra else "",
                description=info.description or "",
                choices=choices,
            )


FIELDS: dict[str, FieldSpec] = {f.path: f for f in iter_fields()}


def parse_value(text: str) -> Any:
    """Read a command-line value as TOML (numbers, booleans, lists), else as a bare string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_assignments(items: list[str] | tuple[str, ...] | None) -> dict[str, Any]:
    """``["a.b=1", "c.d=x"]`` (command-line ``--set`` items) -> ``{"a.b": 1, "c.d": "x"}``, values read by :func:`parse_value`."""
    out: dict[str, Any] = {}
    for item in items or []:
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise ParameterError(
                f"--set expects KEY=VALUE, got {item!r}; allowed: a parameter path from 'pacsim params', '=', then a value"
            )
        out[key.strip()] = parse_value(value.strip())
    return out


def _coerce(path: str, value: Any) -> Any:
    """Loosen TOML's types where the schema is unambiguous: ints for floats, lists for tuples, names for enums."""
    spec = FIELDS.get(path)
    if spec is None:
        return value
    if spec.type is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if spec.type is tuple and isinstance(value, list):
        return tuple(float(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in value)
    if spec.choices and isinstance(value, str) and value in spec.choices:
        ann = _section_model(path.split(".")[0]).model_fields[path.split(".")[1]].annotation
        if isinstance(ann, type) and issubclass(ann, enum.Enum):  # a field has choices only when it is an enum
            return ann(value)
    return value


def _nest(flat: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    nested: dict[str, dict[str, Any]] = {}
    for path, value in flat.items():
        section, dot, name = str(path).partition(".")
        if not dot or not name or "." in name:
            raise ParameterError(_unknown(str(path)))
        if section not in Params.model_fields:
            raise ParameterError(_unknown(str(path)))
        nested.setdefault(section, {})[name] = _coerce(str(path), value)
    return nested


def flatten(nested: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"target": {"salience": 0.4}}`` -> ``{"target.salience": 0.4}``."""
    out: dict[str, Any] = {}
    for key, value in nested.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and path.count(".") == 0 and key in Params.model_fields:
            out.update(flatten(value, prefix=f"{path}."))
        else:
            out[path] = value
    return out


def _unknown(path: str) -> str:
    section = path.split(".")[0]
    if section in Params.model_fields:
        names = ", ".join(_section_model(section).model_fields)
        return f"unknown parameter '{path}': section '{section}' has {names}"
    return f"unknown parameter '{path}': sections are {', '.join(Params.model_fields)}"


def _describe(exc: ValidationError) -> str:
    """One line for the first problem pydantic found."""
    err = exc.errors(include_url=False)[0]
    loc = ".".join(str(part) for part in err["loc"] if not isinstance(part, int))
    if err["type"] == "extra_forbidden":
        return _unknown(loc)
    if err["type"] == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    spec = FIELDS.get(loc)
    allowed = spec.allowed() if spec else err["msg"]
    return f"invalid value for '{loc}': {err['input']!r}; allowed: {allowed}"


def build_params(overrides: Mapping[str, Any] | None = None, base: Params | None = None) -> Params:
    """Validated Params from dotted-path or nested overrides on top of ``base`` (default: the schema's defaults)."""
    flat = flatten(overrides or {})
    nested = base.model_dump() if base is not None else {}
    for section, values in _nest(flat).items():
        nested.setdefault(section, {}).update(values)
    try:
        return Params.model_validate(nested)
    except ValidationError as exc:
        raise ParameterError(_describe(exc)) from None


DEFAULTS = Params()
